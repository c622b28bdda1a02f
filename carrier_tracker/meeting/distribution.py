"""Distribution plans during a meeting: changing a document's plan (a ledger event), the
by-document view (planned, issued, 未领取, out, recovered; what each attendee should still
receive) and the break view (休会收回: flagged copies still out, by attendee).

The views ask the one read model (:func:`readmodel.reconciliation`) for what is out; they add
only what it does not know: the plan, who has received a copy (from the ledger), the 休会收回 flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from carrier_tracker import ledger, messages
from carrier_tracker.custody.plan import Plan, parse_plan
from carrier_tracker.custody.service import NewEvent, approval, find_meeting, stamp
from carrier_tracker.enums import Action, MeetingStatus, State, Verdict
from carrier_tracker.errors import NotFoundError
from carrier_tracker.ledger import events as ev
from carrier_tracker.storage.models import Attendee, Carrier, Document, Event, Meeting, utcnow
from carrier_tracker.storage.queries import voided_seqs
from carrier_tracker.storage.readmodel import OutItem, reconciliation
from carrier_tracker.storage.tap_store import TapStore
from carrier_tracker.text_fields import check_who, normalize_code


@dataclass(frozen=True)
class Step:
    """What a plan change (or another recorded step of this area) did."""

    verdict: Verdict
    message: str
    seq: int | None = None

    @property
    def refused(self) -> bool:
        """True when the step was refused (and recorded as such)."""
        return self.verdict is Verdict.REFUSED


def append_event(store: TapStore, key: bytes, head: Any, event: NewEvent) -> int:
    """Append an event of this area (accepted, already or refused) under the held head lock."""
    store.append(key, head, event)
    return event.seq


def find_document(session: Session, meeting: Meeting, number: str) -> Document:
    """The document with this number in the meeting (any letter case).

    Raises:
        NotFoundError: there is none.
    """
    number = normalize_code(number)
    doc = session.exec(
        select(Document)
        .where(Document.meeting_id == meeting.id, func.lower(Document.number) == number.lower())
        .order_by(col(Document.number) != number)
        .execution_options(populate_existing=True)
    ).first()
    if doc is None:
        raise NotFoundError(messages.text("no_document", meeting=meeting.code, number=number))
    return doc


def _attendees(session: Session, meeting_id: int) -> list[Attendee]:
    return list(
        session.exec(
            select(Attendee).where(Attendee.meeting_id == meeting_id).order_by(col(Attendee.code))
        ).all()
    )


def set_plan(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    doc_no: str,
    to: str | None,
    everyone: bool = False,
    operator: str = "",
    station: str = "",
    approver: str = "",
    now: datetime | None = None,
) -> Step:
    """Change a document's distribution plan (an officer's decision; one ledger event).

    A custodian's change, or one on a closed meeting, is refused and the refusal recorded.

    Args:
        session: the open session (its transaction is this change's).
        key: the ledger key.
        meeting_code: the meeting.
        doc_no: the document number.
        to: the new plan (syntax of :mod:`carrier_tracker.custody.plan`); ignored with ``everyone``.
        everyone: the document goes to everyone.
        operator: who changes it (authenticated by the caller).
        station: the desk.
        approver: an officer approving a custodian's change (authenticated by the caller).
        now: the time (default: now).

    Returns:
        Accepted, already (the plan was that already) or refused.

    Raises:
        NotFoundError: no such meeting or document.
        PlanError: the plan names something that is neither an attendee code nor a unit.
    """
    check_who(station=station, operator=operator)
    meeting = find_meeting(session, meeting_code)
    assert meeting.id is not None
    store = TapStore(session)
    head = store.lock_head(meeting.id)
    session.refresh(meeting)
    doc = find_document(session, meeting, doc_no)
    people = _attendees(session, meeting.id)
    names = {a.code: a.name for a in people}
    plan = Plan() if everyone else parse_plan(to or "", [(a.code, a.unit) for a in people])
    shown = plan.describe(names)
    at = ledger.as_utc(now or utcnow())
    officer, approved_by = approval(store, operator, approver)
    note = f"{doc.number} " + messages.text("plan_note", plan=shown)

    def event(verdict: Verdict, reason: str = "") -> NewEvent:
        assert meeting.id is not None
        when = stamp(
            operator=operator,
            station=station,
            note=note,
            now=at,
            verdict=verdict,
            reason=reason,
            approver=approved_by if verdict is Verdict.ACCEPTED else "",
        )
        if verdict is Verdict.ACCEPTED:
            return NewEvent.of(meeting.id, ev.PlanSet(when, doc.id, plan.stored()))
        return NewEvent.of(meeting.id, ev.Declined(when, refused_action=Action.PLAN))

    refusal = ""
    if meeting.status == MeetingStatus.CLOSED:
        refusal = messages.text("plan_closed")
    elif not officer:
        refusal = messages.text("plan_officer", operator=operator or messages.text("not_filled"))
    if refusal:
        return Step(
            Verdict.REFUSED,
            refusal,
            append_event(store, key, head, event(Verdict.REFUSED, refusal)),
        )
    if doc.plan == plan.stored():
        message = messages.text("plan_unchanged", doc=doc.number, plan=shown)
        return Step(
            Verdict.ALREADY, message, append_event(store, key, head, event(Verdict.ALREADY))
        )
    doc.plan = plan.stored()
    session.add(doc)
    session.flush()
    seq = append_event(store, key, head, event(Verdict.ACCEPTED))
    return Step(Verdict.ACCEPTED, messages.text("plan_set", doc=doc.number, plan=shown), seq)


# --- the by-document view -------------------------------------------------------------------


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
    """Everyone the plan covers (everyone, for an open plan)."""
    issued: tuple[Person, ...]
    """Attendees who have received a copy (the ledger's accepted hand-outs)."""
    not_collected: tuple[Person, ...]
    """Planned attendees who have not received a copy yet (未领取)."""
    outside_plan: tuple[Person, ...]
    """Attendees who received a copy although the plan does not cover them (officer override)."""
    out: int
    """Copies outstanding now (the read model)."""
    recovered: int


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


def _stands_for(people: Sequence[Attendee]) -> dict[int, tuple[str, str]]:
    """Substitutes (代会) by id → (code, unit) of the absent delegate they replace.

    The hook for substitutes in the views (``custody.substitute_for`` is the one for taps):
    it reads ``attendee.substitute_for_id`` where the schema has that column.
    """
    by_id = {a.id: a for a in people}
    out: dict[int, tuple[str, str]] = {}
    for a in people:
        absent = by_id.get(getattr(a, "substitute_for_id", None))
        if absent is not None and a.id is not None:
            out[a.id] = (absent.code, absent.unit)
    return out


def _voided(session: Session, meeting_id: int) -> set[int]:
    """Seqs of events voided by an accepted void: a voided hand-out does not count as received."""
    return set(voided_seqs(session, meeting_id))


def _received(session: Session, meeting_id: int) -> dict[int, set[int]]:
    """Document id → attendees who have received one of its copies (accepted hand-outs that
    were not voided)."""
    rows = session.exec(
        select(Carrier.document_id, Event.attendee_id, Event.seq)
        .join(Carrier, col(Carrier.id) == Event.carrier_id)
        .where(
            Event.meeting_id == meeting_id,
            col(Event.action).in_([Action.ISSUE.value, Action.REISSUE.value]),
            Event.verdict == Verdict.ACCEPTED.value,
            col(Event.attendee_id).is_not(None),
        )
    ).all()
    voided = _voided(session, meeting_id)
    out: dict[int, set[int]] = {}
    for doc_id, person, seq in rows:
        if doc_id is not None and person is not None and seq not in voided:
            out.setdefault(doc_id, set()).add(person)
    return out


def plan_view(session: Session, meeting_code: str) -> PlanView:
    """The by-document view of a meeting.

    Raises:
        NotFoundError: no such meeting.
    """
    meeting = find_meeting(session, meeting_code)
    assert meeting.id is not None
    people = _attendees(session, meeting.id)
    docs = list(
        session.exec(
            select(Document).where(Document.meeting_id == meeting.id).order_by(col(Document.number))
        ).all()
    )
    subs = _stands_for(people)
    received = _received(session, meeting.id)
    recovered: dict[int, int] = dict(
        session.exec(  # type: ignore[arg-type]
            select(Carrier.document_id, func.count())
            .where(
                Carrier.meeting_id == meeting.id,
                Carrier.state == State.RECOVERED.value,
                col(Carrier.tag_uid).is_not(None),
            )
            .group_by(col(Carrier.document_id))
        ).all()
    )
    out: dict[str, int] = {}
    for it in reconciliation(session, meeting).items:
        if it.document is not None:
            out[it.document] = out.get(it.document, 0) + 1
    names = {a.code: a.name for a in people}
    due: dict[int, list[str]] = {a.id: [] for a in people if a.id is not None}
    rows = []
    for doc in docs:
        assert doc.id is not None
        plan = Plan.loads(doc.plan)
        got = received.get(doc.id, set())
        planned, issued, missing, outside = [], [], [], []
        for a in people:
            assert a.id is not None
            person = Person(a.code, a.name, a.unit)
            covered = plan.includes(a.code, a.unit, subs.get(a.id))
            if covered:
                planned.append(person)
            if a.id in got:
                issued.append(person)
                if not covered:
                    outside.append(person)
            elif covered:
                missing.append(person)
                due[a.id].append(doc.number)
        rows.append(
            DocumentPlan(
                number=doc.number,
                title=doc.title,
                copies=doc.copies,
                plan=plan,
                plan_text=plan.describe(names),
                planned=tuple(planned),
                issued=tuple(issued),
                not_collected=tuple(missing),
                outside_plan=tuple(outside),
                out=out.get(doc.number, 0),
                recovered=recovered.get(doc.id, 0),
            )
        )
    attendees = tuple(
        AttendeeDue(Person(a.code, a.name, a.unit), tuple(due[a.id]))
        for a in people
        if a.id is not None and due[a.id]
    )
    return PlanView(meeting.code, tuple(rows), attendees)


def _people_json(people: Sequence[Person]) -> list[dict[str, str]]:
    return [{"code": p.code, "name": p.name, "unit": p.unit} for p in people]


def plan_view_json(view: PlanView) -> dict[str, Any]:
    """``status --by-document --json`` (shape documented in the README)."""
    return {
        "meeting": view.code,
        "documents": [
            {
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
                "issued": len(d.issued),
                "not_collected": _people_json(d.not_collected),
                "outside_plan": _people_json(d.outside_plan),
                "out": d.out,
                "recovered": d.recovered,
            }
            for d in view.documents
        ],
        "attendees": [
            {**_people_json([a.person])[0], "to_receive": list(a.documents)} for a in view.attendees
        ],
    }


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


def break_view(session: Session, meeting: Meeting) -> BreakView:
    """What must still come in at a break: flagged copies issued to attendees (the read model's
    outstanding items, filtered by the 休会收回 flag; carried-out, in-transit and lost copies are
    not collected at a break)."""
    assert meeting.id is not None
    flagged = tuple(
        session.exec(
            select(Document.number)
            .where(Document.meeting_id == meeting.id, col(Document.collect_at_breaks))
            .order_by(col(Document.number))
        ).all()
    )
    recon = reconciliation(session, meeting)
    wanted = set(flagged)
    groups = []
    for g in recon.groups:
        if g.attendee_code is None:
            continue
        items = tuple(it for it in g.items if it.state is State.ISSUED and it.document in wanted)
        if items:
            groups.append(BreakGroup(g.attendee_code, g.name, items))
    return BreakView(recon.code, flagged, tuple(groups))


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
