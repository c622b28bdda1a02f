"""Distribution plans during a meeting: changing a document's plan (a ledger event); the
by-document view (planned, issued, 未领取, out, recovered; what each attendee should still
receive) and the break view (休会收回: flagged copies still out, by attendee), read set-based in
:mod:`carrier_tracker.storage.planview` and re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from carrier_tracker import ledger, messages
from carrier_tracker.custody.plan import Plan, parse_plan
from carrier_tracker.custody.service import NewEvent, approval, find_meeting, stamp
from carrier_tracker.enums import Action, MeetingStatus, Verdict
from carrier_tracker.errors import NotFoundError
from carrier_tracker.ledger import events as ev
from carrier_tracker.storage.models import Attendee, Document, Meeting, utcnow
from carrier_tracker.storage.planview import (
    VOID_ACTION,
    AttendeeDue,
    BreakGroup,
    BreakView,
    DocumentPlan,
    Person,
    PlanView,
    break_view,
    break_view_json,
    plan_view,
    plan_view_json,
)
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


def check_plan(*, session: Session, meeting_code: str, doc_no: str, to: str | None) -> None:
    """Check what a plan change names before anyone authenticates — the meeting, the document and
    every entry of ``to`` — with the finders and the parser :func:`set_plan` uses, so that nobody
    types a PIN (or calls an officer over) for a typo. Records nothing; :func:`set_plan` checks it
    all again under the meeting's head lock.

    Raises:
        NotFoundError: no such meeting or document.
        PlanError: an entry is neither an attendee code nor a unit of the meeting.
    """
    meeting = find_meeting(session, meeting_code)
    assert meeting.id is not None
    find_document(session, meeting, doc_no)
    if to is not None:
        parse_plan(to, [(a.code, a.unit) for a in _attendees(session, meeting.id)])


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


__all__ = [
    "VOID_ACTION",
    "AttendeeDue",
    "BreakGroup",
    "BreakView",
    "DocumentPlan",
    "Person",
    "PlanView",
    "Step",
    "append_event",
    "break_view",
    "break_view_json",
    "find_document",
    "plan_view",
    "plan_view_json",
    "set_plan",
]
