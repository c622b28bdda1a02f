"""Tag UIDs as stored: upper-case hex of 4, 7 or 10 bytes, whatever a person typed."""

from __future__ import annotations

import re
import unicodedata

from carrier_tracker import messages
from carrier_tracker.errors import CarrierTrackerError

UID_BYTES = (4, 7, 10)
_SEPARATORS = re.compile(r"[\s:\-_.]")
_HEX = re.compile(r"[0-9A-F]+")
_STORED = re.compile("|".join(f"[0-9A-F]{{{2 * n}}}" for n in UID_BYTES))
"""A UID already as stored (what a reader sends): returned as it is, with no work."""


class BadUid(CarrierTrackerError):
    """A text that is not a tag UID."""


def normalize_uid(raw: object) -> str:
    """Normalise a UID typed or pasted by a person.

    Accepts lower case, full-width characters, and ``:``, ``-``, ``.`` or space separators
    (``04:a2:…``); an optional ``0x`` prefix.

    Args:
        raw: the text (or a value from a spreadsheet cell).

    Returns:
        Upper-case hex with no separators.

    Raises:
        BadUid: not hex, or not 4, 7 or 10 bytes.
    """
    if type(raw) is str and _STORED.fullmatch(raw):
        return raw
    text = unicodedata.normalize("NFKC", str(raw)).strip().upper()
    if text.startswith("0X"):
        text = text[2:]
    compact = _SEPARATORS.sub("", text)
    if not _HEX.fullmatch(compact) or len(compact) % 2 or len(compact) // 2 not in UID_BYTES:
        raise BadUid(messages.text("bad_uid", uid=str(raw).strip() or messages.text("not_filled")))
    return compact
