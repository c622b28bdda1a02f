"""The distribution plan (分发范围) of a document: everyone, some attendees, some units.

Pure values and parsing, shared by the import, the ``plan`` command, the rules' guard and the
views. The syntax, one cell or one ``--to`` argument:

- empty, ``全体`` or ``全部``: everyone;
- otherwise entries separated by ``、`` ``,`` ``，`` ``;`` ``；`` or a line break, each an attendee
  code of the meeting (``A001``, any letter case) or the exact name of a unit that attendees
  belong to (``国家保密局``). ``单位：名称`` (or ``单位:名称``) names a unit explicitly; an entry
  that is both a code and a unit must be written that way.

A unit entry covers everyone of that unit, including attendees registered later; a substitute
(代会) inherits the plan of the delegate whose place they take.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from carrier_tracker import messages
from carrier_tracker.errors import CarrierTrackerError
from carrier_tracker.text_fields import normalize_code, printable

_SEPARATORS = re.compile(r"[、,，;；\n\r]+")
_SPACES = re.compile(r"\s+")
EVERYONE_WORDS = messages.PLAN_EVERYONE_WORDS
_UNIT_PREFIXES = messages.PLAN_UNIT_PREFIXES


@dataclass(frozen=True)
class Plan:
    """Who should receive a document: attendee codes and units (both empty: everyone)."""

    codes: tuple[str, ...] = ()
    units: tuple[str, ...] = ()

    @property
    def everyone(self) -> bool:
        """True when the plan names nobody in particular: everyone receives the document."""
        return not self.codes and not self.units

    def includes(self, code: str, unit: str, stands_for: tuple[str, str] | None = None) -> bool:
        """Whether an attendee (or the absent delegate they substitute for) is in the plan.

        Args:
            code: the attendee's code.
            unit: the attendee's unit.
            stands_for: (code, unit) of the absent delegate a substitute replaces, if any.
        """
        if self.everyone:
            return True
        people = [(code, unit), *([stands_for] if stands_for else [])]
        return any(c in self.codes or (u and u in self.units) for c, u in people)

    def stored(self) -> str:
        """The canonical text stored in ``Document.plan`` (empty for everyone)."""
        if self.everyone:
            return ""
        return json.dumps(
            {"codes": sorted(self.codes), "units": sorted(self.units)},
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def loads(cls, text: str | None) -> Plan:
        """The plan stored in ``Document.plan``."""
        if not text:
            return cls()
        data = json.loads(text)
        return cls(tuple(sorted(data.get("codes", ()))), tuple(sorted(data.get("units", ()))))

    def describe(self, names: dict[str, str] | None = None) -> str:
        """The plan as people read it: ``全体`` or ``A001 张三、A003 王五、单位：某所``."""
        if self.everyone:
            return messages.text("plan_everyone")
        names = names or {}
        parts = [f"{c} {names[c]}" if c in names else c for c in self.codes]
        parts += [messages.text("plan_unit", unit=u) for u in self.units]
        return "、".join(parts)


EVERYONE = Plan()
"""The plan of a document with no 分发范围: everyone receives it."""


class PlanError(CarrierTrackerError):
    """A distribution plan that cannot be read; ``problems`` names each bad entry."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(messages.text("plan_bad", problems="；".join(problems)))
        self.problems = problems


def _entries(text: str) -> list[str]:
    return [e for e in (_SPACES.sub(" ", part).strip() for part in _SEPARATORS.split(text)) if e]


def no_entries(text: str) -> bool:
    """Nothing but spaces and separators: a list left empty (a cell's everyone, a forgotten
    ``--to``)."""
    return not _entries(text)


def parse_plan(text: str, people: Iterable[tuple[str, str]]) -> Plan:
    """Read a distribution plan against the meeting's attendees.

    Args:
        text: the plan as typed (see the module's docstring for the syntax).
        people: (code, unit) of every attendee of the meeting.

    Returns:
        The plan (codes as the meeting spells them, units as typed).

    Raises:
        PlanError: an entry is neither a code nor a unit, is ambiguous, or ``全体`` is mixed
            with other entries.
    """
    entries = _entries(text or "")
    if not entries:
        return Plan()
    codes_by_key: dict[str, str] = {}
    units: set[str] = set()
    for code, unit in people:
        codes_by_key[normalize_code(code).lower()] = code
        if unit:
            units.add(_SPACES.sub(" ", unit).strip())
    problems: list[str] = []
    if any(e in EVERYONE_WORDS for e in entries):
        if len(entries) > 1:
            problems.append(messages.text("plan_everyone_mixed", entry=_first_everyone(entries)))
            raise PlanError(problems)
        return Plan()
    codes: list[str] = []
    named_units: list[str] = []
    for entry in entries:
        shown = printable(entry, 40)
        explicit = next((p for p in _UNIT_PREFIXES if entry.startswith(p)), None)
        if explicit is not None:
            unit = entry[len(explicit) :].strip()
            if unit in units:
                named_units.append(unit)
            else:
                problems.append(messages.text("plan_no_unit", unit=printable(unit, 40)))
            continue
        found = codes_by_key.get(normalize_code(entry).lower())
        if found is not None and entry in units:
            problems.append(messages.text("plan_ambiguous", entry=shown))
        elif found is not None:
            codes.append(found)
        elif entry in units:
            named_units.append(entry)
        else:
            problems.append(messages.text("plan_unknown_entry", entry=shown))
    if problems:
        raise PlanError(problems)
    return Plan(tuple(sorted(set(codes))), tuple(sorted(set(named_units))))


def _first_everyone(entries: list[str]) -> str:
    return next(e for e in entries if e in EVERYONE_WORDS)
