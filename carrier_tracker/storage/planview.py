"""The by-document view (planned, issued, 未领取, out, recovered; what each attendee should still
receive) and the break view (休会收回: flagged copies still out, by attendee), read set-based.

Each view is a handful of statements whose rows are its answer — the attendees once, the
documents once, the (document, attendee) pairs of the hand-outs, the counts per document, the
flagged copies out — put together in Python by lookups, never a scan of attendees × documents.
``status --by-document`` / ``--break``, the desk's 分发情况 and 休会收回 panel and the export's
分发情况 sheet all read them (``carrier_tracker.meeting.distribution`` re-exports them).

应发 (planned) and 尚应领取 count only attendees who may receive the document: the plan covers
them and their clearance reaches its level; those the plan covers but whose clearance does not
are counted apart (``excluded``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from carrier_tracker.custody.plan import Plan
from carrier_tracker.enums import DISPOSED, OUTSTANDING, Action, Level, State, Verdict
from carrier_tracker.storage.direct import ADMIN_EVENTS_WHERE, bulk, rows
from carrier_tracker.storage.readmodel import OutItem, item_of, meeting_row


@dataclass(frozen=True)
class Person:
    """An attendee as the views name them."""

    code: str
    name: str
    unit: str


@dataclass(frozen=True)
class DocumentPlan:
    """One document: who should receive it and how far the hand-out has got."""

    number: str
    title: str
    copies: int
    plan: Plan
    plan_text: str
    planned: tuple[Person, ...]
    """Everyone who may receive it: the plan covers them (everyone, for an open plan) and their
    clearance reaches the document's level."""
    issued: tuple[Person, ...]
    """Attendees who have received a copy (the ledger's accepted hand-outs)."""
    not_collected: tuple[Person, ...]
    """Planned attendees who have not received a copy yet (未领取)."""
    outside_plan: tuple[Person, ...]
    """Attendees who received a copy although the plan does not cover them (officer override)."""
    out: int
    """Copies outstanding now (the read model)."""
    recovered: int
    """Copies back in custody after leaving it, disposed of since (archived, destroyed, sent
    back) included — as :class:`~carrier_tracker.storage.readmodel.Reconciliation` counts them."""
    excluded: int = 0
    """Attendees the plan covers whose clearance is below the document's level: not in
    ``planned`` (they may not receive it)."""


@dataclass(frozen=True)
class AttendeeDue:
    """What one attendee should still receive."""

    person: Person
    documents: tuple[str, ...]


@dataclass(frozen=True)
class PlanView:
    """``status --by-document``: per document, then per attendee."""

    code: str
    documents: tuple[DocumentPlan, ...]
    attendees: tuple[AttendeeDue, ...]


VOID_ACTION = Action.VOID.value
"""The ledger action of a void (``void MEETING SEQ``): its payload names the voided event as
``{"voids": seq}``. A voided hand-out does not count as received."""

_PEOPLE = (
    "SELECT id, code, name, unit, clearance, substitute_for_id FROM attendee"
    " WHERE meeting_id = ? ORDER BY code"
)
_DOCUMENTS = (
    "SELECT id, number, title, level, copies, plan FROM document WHERE meeting_id = ?"
    " ORDER BY number"
)
_VOIDS = (
    "SELECT payload FROM event WHERE meeting_id = ? AND action = ? AND verdict = ?"
    f" AND {ADMIN_EVENTS_WHERE}"
)
# Who received which document: the accepted hand-outs, one row per (event, document, person).
_HANDED_OUT = (
    "SELECT c.document_id, e.attendee_id, e.seq FROM event e JOIN carrier c ON c.id = e.carrier_id"
    " WHERE e.meeting_id = ? AND e.action IN (?, ?) AND e.verdict = ?"
    " AND e.attendee_id IS NOT NULL AND c.document_id IS NOT NULL"
)
_HANDED_OUT_PAIRS = _HANDED_OUT.replace(
    "SELECT c.document_id, e.attendee_id, e.seq", "SELECT DISTINCT c.document_id, e.attendee_id"
)
_PER_DOCUMENT = (
    "SELECT document_id, state, count(*) FROM carrier"
    " WHERE meeting_id = ? AND state IN ({states}) AND tag_uid IS NOT NULL"
    " AND document_id IS NOT NULL GROUP BY document_id, state"
)
# 已收回 counts a copy disposed of after it came back (as the read model's counts do).
_BACK = frozenset({State.RECOVERED, *DISPOSED})
_COUNTED = tuple(sorted({*(s.value for s in OUTSTANDING), *(s.value for s in _BACK)}))


def _voided(bind: Any, meeting_id: int) -> set[int]:
    """Seqs of events voided by an accepted void."""
    found = rows(bind, _VOIDS, (meeting_id, VOID_ACTION, Verdict.ACCEPTED.value))
    return {int(json.loads(payload)["voids"]) for (payload,) in found if payload}


def _received(bind: Any, meeting_id: int) -> dict[int, set[int]]:
    """Document id → attendees who have received one of its copies (accepted hand-outs that
    were not voided)."""
    params = (meeting_id, Action.ISSUE.value, Action.REISSUE.value, Verdict.ACCEPTED.value)
    voided = _voided(bind, meeting_id)
    out: dict[int, set[int]] = {}
    if voided:
        found = [(d, a) for d, a, seq in rows(bind, _HANDED_OUT, params) if seq not in voided]
    else:  # the common case: each pair once, from SQL
        found = rows(bind, _HANDED_OUT_PAIRS, params)
    for doc_id, person in found:
        got = out.get(doc_id)
        if got is None:
            out[doc_id] = got = set()
        got.add(person)
    return out


def plan_view(bind: Any, meeting_code: str) -> PlanView:
    """The by-document view of a meeting.

    Args:
        bind: a read session, or the ``sqlite3`` connection of ``direct.open_reader``.
        meeting_code: the meeting (any letter case).

    Raises:
        NotFoundError: no such meeting.
    """
    with bulk():
        return _plan_view(bind, meeting_code)


def _plan_view(bind: Any, meeting_code: str) -> PlanView:
    meeting = meeting_row(bind, meeting_code)
    people = rows(bind, _PEOPLE, (meeting.id,))
    persons = [Person(code, name, unit) for _id, code, name, unit, _c, _s in people]
    index = {row[0]: i for i, row in enumerate(people)}  # attendee id → position (by code)
    rank = [Level(row[4]).rank for row in people]
    by_code = {row[1]: i for i, row in enumerate(people)}
    by_unit: dict[str, list[int]] = {}
    for i, row in enumerate(people):
        if row[3]:
            by_unit.setdefault(row[3], []).append(i)
    # A substitute (代会) inherits the plan of the absent delegate: (substitute, absent).
    stands_for = [
        (i, index[row[5]]) for i, row in enumerate(people) if row[5] is not None and row[5] in index
    ]
    may_read = {  # positions, in code order, of the attendees cleared for each level
        level.rank: [i for i, r in enumerate(rank) if r >= level.rank] for level in Level
    }
    names = {row[1]: row[2] for row in people}
    received = _received(bind, meeting.id)
    counts: dict[int, dict[str, int]] = {}
    per_document = _PER_DOCUMENT.format(states=", ".join("?" * len(_COUNTED)))
    for doc_id, state, n in rows(bind, per_document, (meeting.id, *_COUNTED)):
        counts.setdefault(doc_id, {})[state] = n
    due: dict[int, list[str]] = {}
    documents = []
    for doc_id, number, title, level, copies, stored in rows(bind, _DOCUMENTS, (meeting.id,)):
        plan = Plan.loads(stored)
        floor = Level(level).rank
        got = sorted(index[a] for a in received.get(doc_id, ()) if a in index)
        covered: set[int] | None = None  # None: everyone
        if plan.everyone:
            planned = may_read[floor]
            excluded = len(people) - len(planned)
        else:
            covered = _covered(plan, by_code, by_unit, stands_for, people)
            planned = [i for i in sorted(covered) if rank[i] >= floor]
            excluded = len(covered) - len(planned)
        have = set(got)
        missing = [i for i in planned if i not in have]
        for i in missing:
            due.setdefault(i, []).append(number)
        counted = counts.get(doc_id, {})
        documents.append(
            DocumentPlan(
                number=number,
                title=title,
                copies=copies,
                plan=plan,
                plan_text=plan.describe(names),
                planned=tuple(persons[i] for i in planned),
                issued=tuple(persons[i] for i in got),
                not_collected=tuple(persons[i] for i in missing),
                outside_plan=tuple(
                    persons[i] for i in got if covered is not None and i not in covered
                ),
                out=sum(counted.get(s.value, 0) for s in OUTSTANDING),
                recovered=sum(counted.get(s.value, 0) for s in _BACK),
                excluded=excluded,
            )
        )
    attendees = tuple(AttendeeDue(persons[i], tuple(due[i])) for i in sorted(due))
    return PlanView(meeting.code, tuple(documents), attendees)


def _covered(
    plan: Plan,
    by_code: dict[str, int],
    by_unit: dict[str, list[int]],
    stands_for: list[tuple[int, int]],
    people: Sequence[tuple[Any, ...]],
) -> set[int]:
    """Positions of the attendees a plan names — by code, by unit, and substitutes of those it
    names (``Plan.includes`` for each attendee, by lookups)."""
    covered = {by_code[c] for c in plan.codes if c in by_code}
    for unit in plan.units:
        covered.update(by_unit.get(unit, ()))
    for sub, absent in stands_for:
        code, unit = people[absent][1], people[absent][3]
        if code in plan.codes or (unit and unit in plan.units):
            covered.add(sub)
    return covered


def _people_json(people: Sequence[Person]) -> list[dict[str, str]]:
    return [{"code": p.code, "name": p.name, "unit": p.unit} for p in people]


def _document_json(d: DocumentPlan) -> dict[str, Any]:
    return {
        "number": d.number,
        "title": d.title,
        "copies": d.copies,
        "plan": {
            "everyone": d.plan.everyone,
            "codes": list(d.plan.codes),
            "units": list(d.plan.units),
            "text": d.plan_text,
        },
        "planned": len(d.planned),
        "excluded_by_clearance": d.excluded,
        "issued": len(d.issued),
        "not_collected": _people_json(d.not_collected),
        "outside_plan": _people_json(d.outside_plan),
        "out": d.out,
        "recovered": d.recovered,
    }


def _attendee_json(a: AttendeeDue) -> dict[str, Any]:
    return {**_people_json([a.person])[0], "to_receive": list(a.documents)}


def plan_view_json(view: PlanView) -> dict[str, Any]:
    """``status --by-document --json`` (shape documented in the README)."""
    return {
        "meeting": view.code,
        "documents": [_document_json(d) for d in view.documents],
        "attendees": [_attendee_json(a) for a in view.attendees],
    }


def plan_view_json_text(view: PlanView) -> Iterator[str]:
    """The text of ``json.dumps(plan_view_json(view), ensure_ascii=False, indent=2)``, piece by
    piece: one document or attendee's dict at a time, so a national meeting's answer (44 MB,
    every 未领取 name of every document) is never held whole (bench/README.md, #24)."""

    def dumps(value: Any, depth: int) -> str:  # as json.dumps indents it at that depth
        return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * depth)

    yield '{\n  "meeting": ' + json.dumps(view.code, ensure_ascii=False)
    for key, items in (
        ("documents", (_document_json(d) for d in view.documents)),
        ("attendees", (_attendee_json(a) for a in view.attendees)),
    ):
        yield f',\n  "{key}": '
        first = True
        for item in items:
            yield ("[\n    " if first else ",\n    ") + dumps(item, 2)
            first = False
        yield "[]" if first else "\n  ]"
    yield "\n}"


# --- the break view ----------------------------------------------------------------------


@dataclass(frozen=True)
class BreakGroup:
    """One attendee's flagged copies still out."""

    code: str
    name: str
    items: tuple[OutItem, ...]


@dataclass(frozen=True)
class BreakView:
    """休会收回: the copies of documents flagged 休会收回 still out, by attendee."""

    code: str
    flagged: tuple[str, ...]
    """Numbers of the documents collected at breaks."""
    groups: tuple[BreakGroup, ...]

    @property
    def remaining(self) -> int:
        """How many flagged copies must still come in."""
        return sum(len(g.items) for g in self.groups)


_FLAGGED = (
    "SELECT number FROM document WHERE meeting_id = ? AND collect_at_breaks = ? ORDER BY number"
)
# The flagged copies issued now, by holder: carried-out, in-transit and lost copies are not
# collected at a break. The columns of readmodel's items, then the holder's name.
_AT_BREAK = (
    "SELECT c.id, c.kind, d.number, c.copy_number, NULL, NULL, NULL, c.state, c.state_since,"
    " h.code, NULL, h.name"
    " FROM carrier c"
    " JOIN document d ON d.id = c.document_id"
    " JOIN attendee h ON h.id = c.holder_id"
    " WHERE c.meeting_id = ? AND c.state = ? AND c.tag_uid IS NOT NULL AND d.collect_at_breaks = ?"
    " ORDER BY h.code, d.number, c.copy_number"
)


def break_view(bind: Any, meeting: Any) -> BreakView:
    """What must still come in at a break: flagged copies issued to attendees, by attendee.

    Args:
        bind: a read session, or the ``sqlite3`` connection of ``direct.open_reader``.
        meeting: the meeting (anything with its ``id`` and ``code``).
    """
    assert meeting.id is not None
    flagged = tuple(n for (n,) in rows(bind, _FLAGGED, (meeting.id, True)))
    groups: list[BreakGroup] = []
    if flagged:
        held: dict[str, tuple[str, list[OutItem]]] = {}  # by holder code, in the rows' order
        for row in rows(bind, _AT_BREAK, (meeting.id, State.ISSUED.value, True)):
            held.setdefault(row[9], (row[11], []))[1].append(item_of(row))
        groups = [BreakGroup(code, name, tuple(items)) for code, (name, items) in held.items()]
    return BreakView(meeting.code, flagged, tuple(groups))


def break_view_json(view: BreakView) -> dict[str, Any]:
    """``status --break --json`` (shape documented in the README)."""
    return {
        "meeting": view.code,
        "flagged_documents": list(view.flagged),
        "remaining": view.remaining,
        "attendees": [
            {
                "code": g.code,
                "name": g.name,
                "items": [
                    {"label": it.label, "document": it.document, "copy": it.copy} for it in g.items
                ],
            }
            for g in view.groups
        ],
    }
