"""Text that enters from outside: the documented maximum length of every field, code
normalisation and the checks every entry point (CLI, import, TUI) applies before the database
sees a value, so SQLite and PostgreSQL accept and refuse exactly the same input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

from carrier_tracker import messages
from carrier_tracker.errors import TextError

# --- maximum lengths, in characters (what PostgreSQL's varchar(n) counts) --------------------
# Each is at most its column's length in models.py (a test checks), so a value that passes
# here never reaches the database too long; SQLite, which enforces nothing, gets the same rule.
MEETING_CODE = 64
MEETING_TITLE = 200
VENUE = 200
ORGANIZER = 200
OFFICER = 100
ATTENDEE_CODE = 32
ATTENDEE_NAME = 100
UNIT = 200
POSITION = 100
PASS_NUMBER = 32
DOCUMENT_NUMBER = 64
DOCUMENT_TITLE = 300
CONSIGNMENT_NUMBER = 64
RECIPIENT = 100
OPERATOR = 100
STATION = 100
NOTE = 1000
ROOM = 100
FILING_REF = 64
PLAN_TITLE = 200
ARCHIVE = 100
"""Where archived copies are kept (a registered archive's name)."""
MAX_WITNESSES = 3
"""Witnesses a destruction names (each an operator)."""
WITNESSES = MAX_WITNESSES * OPERATOR + MAX_WITNESSES - 1
"""The witnesses' names joined by 、."""
"""Loss reports, close notes (the ledger's note column is unbounded; Excel cells stop at 32,767)."""

COLUMN_LIMITS: Mapping[str, int] = MappingProxyType(
    {
        "meeting.code": MEETING_CODE,
        "meeting.title": MEETING_TITLE,
        "meeting.venue": VENUE,
        "meeting.organizer": ORGANIZER,
        "meeting.officer": OFFICER,
        "meeting.closed_by": OPERATOR,
        "meeting.close_approver": OPERATOR,
        "meeting.close_note": NOTE,
        "meeting.filed_ref": FILING_REF,
        "meeting.filed_by": OPERATOR,
        "meeting.plan_title": PLAN_TITLE,
        "attendee.code": ATTENDEE_CODE,
        "attendee.name": ATTENDEE_NAME,
        "attendee.unit": UNIT,
        "attendee.title": POSITION,
        "attendee.pass_number": PASS_NUMBER,
        "document.number": DOCUMENT_NUMBER,
        "document.title": DOCUMENT_TITLE,
        "consignment.number": CONSIGNMENT_NUMBER,
        "consignment.unit": UNIT,
        "consignment.recipient": RECIPIENT,
        "event.operator": OPERATOR,
        "event.station": STATION,
        "event.note": NOTE,
        "event.approver": OPERATOR,
        "operator.name": OPERATOR,
        "systemevent.operator": OPERATOR,
        "systemevent.subject": OPERATOR,
        "systemevent.station": STATION,
        "systemevent.note": NOTE,
        "checklistanswer.note": NOTE,
        "checklistanswer.operator": OPERATOR,
        "checklistanswer.accepted_by": OPERATOR,
        "checklistanswer.accept_note": NOTE,
        "disposition.operator": OPERATOR,
        "disposition.location": ARCHIVE,
        "disposition.witnesses": WITNESSES,
        "disposition.unit": UNIT,
        "place.name": UNIT,
        "place.added_by": OPERATOR,
    }
)
"""Every free-text column a person fills, as ``table.column`` → maximum length (README table)."""

# Code points that change nothing visible: zero-width and format characters (category Cf:
# U+200B…U+200F, U+2060, U+FEFF, bidi overrides, …), control characters (Cc), lone surrogates
# (Cs: undecodable bytes), line/paragraph separators, and variation selectors.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_WHITE = re.compile(r"\s+")


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in _INVISIBLE_CATEGORIES or bool(_VARIATION_SELECTORS.match(ch))


def normalize_code(text: str) -> str:
    """A code as stored and compared: meeting codes, attendee codes, document and consignment
    numbers, pass numbers.

    NFKC (full-width letters, digits, hyphens and spaces become ASCII), then every invisible
    character (zero-width, control, format, variation selector) and every white space removed —
    codes never contain spaces, as the import has always treated them. Two codes that look the
    same therefore compare equal.

    Args:
        text: the code as typed, pasted or read from a cell.

    Returns:
        The normalised code (possibly empty).
    """
    folded = unicodedata.normalize("NFKC", text)
    if folded.isascii() and folded.isprintable() and " " not in folded:
        return folded  # the common case: nothing to strip
    # Removing characters can bring combining marks together: normalise once more, so the
    # result is stable (normalising a code again never changes it).
    once = _strip(folded)
    return _strip(unicodedata.normalize("NFKC", once))


def code_key(text: str) -> str:
    """What two codes are compared by when a new one is created: :func:`normalize_code`, then
    case folding.

    Codes are looked up in any letter case (``hy2026-12`` finds ``HY2026-12``), so two codes
    that differ only in case (or width, or invisible characters) must never both exist: the
    import and every command that creates a code refuse a new one whose key is taken. Case
    folding folds at least what the lookups' ``lower()`` folds.

    Args:
        text: the code as typed, or as stored.

    Returns:
        The key (possibly empty).
    """
    return normalize_code(text).casefold()


def _strip(text: str) -> str:
    return _WHITE.sub("", "".join(ch for ch in text if not _invisible(ch)))


def check_text(label: str, value: str, max_len: int, *, required: bool = False) -> str:
    """Validate free text at entry: trimmed, no control or invisible format characters, not
    longer than ``max_len`` characters, and not empty when ``required``.

    Args:
        label: how the field is named to the user (e.g. ``--operator（操作员）``).
        value: the text.
        max_len: the field's documented maximum length (a constant of this module).
        required: refuse an empty (or all-blank) value.

    Returns:
        The trimmed text.

    Raises:
        TextError: the value breaks a rule; the message names the field and the rule.
    """
    text = value.strip()
    # A printable text holds none of those categories (isprintable refuses a superset of them):
    # the common case, with no look at each character.
    for i, ch in enumerate(() if text.isprintable() else text, start=1):
        if unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
            raise TextError(
                messages.text("text_control", label=label, char=f"U+{ord(ch):04X}", pos=i)
            )
    if len(text) > max_len:
        raise TextError(
            messages.text("text_too_long", label=label, length=len(text), limit=max_len)
        )
    if required and not text:
        raise TextError(messages.text("text_empty", label=label))
    return text


def check_code(label: str, value: str, max_len: int, *, required: bool = True) -> str:
    """Normalise a code (:func:`normalize_code`) and check its length.

    Raises:
        TextError: empty (when required) or too long after normalisation.
    """
    code = normalize_code(value)
    return check_text(label, code, max_len, required=required)


def printable(text: str, limit: int = 80) -> str:
    """User input made safe to echo in a message: invisible and control characters shown as
    ``\\u200b``-style escapes (a terminal never receives an escape sequence from a workbook),
    and cut to ``limit`` characters with the full length named.

    Args:
        text: the text to show.
        limit: the most characters to keep.

    Returns:
        One printable line.
    """
    shown = "".join(
        ch.encode("unicode_escape", "backslashreplace").decode("ascii") if _invisible(ch) else ch
        for ch in text[: limit + 1]
    )
    if len(text) > limit:
        shown = messages.text("text_shortened", head=shown[:limit], length=len(text))
    return shown


def check_who(*, station: str = "", operator: str = "", note: str = "") -> None:
    """Check what a desk records with every ledger event (services call this, so the TUI and
    the CLI refuse the same values before the database sees them).

    Raises:
        TextError: a value is too long or holds control characters.
    """
    check_text(messages.FIELD_LABEL["station"], station, STATION)
    check_text(messages.FIELD_LABEL["operator"], operator, OPERATOR)
    check_text(messages.FIELD_LABEL["note"], note, NOTE)


def check_consignment(*, number: str, unit: str, recipient: str = "") -> tuple[str, str, str]:
    """A consignment as it may be stored: the number normalised, unit and number required.

    Returns:
        ``(number, unit, recipient)``, normalised and trimmed.

    Raises:
        TextError: a value is empty (number, unit), too long or holds control characters.
    """
    label = messages.FIELD_LABEL
    return (
        check_code(label["consignment"], number, CONSIGNMENT_NUMBER),
        check_text(label["unit"], unit, UNIT, required=True),
        check_text(label["recipient"], recipient, RECIPIENT),
    )
