"""The courier as practised: the signed 回执 of a consignment recorded by its number.

Copies that have left town cannot be tapped again: when the receipt comes back, every copy of the
consignment still in transit is delivered by one ledger event (``receipt``), which ``verify``
replays as a 签收 of each of them.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from carrier_tracker import ledger, messages
from carrier_tracker.custody.service import NewEvent, find_meeting, stamp
from carrier_tracker.enums import Action, MeetingStatus, State, Verdict
from carrier_tracker.errors import NotFoundError
from carrier_tracker.ledger import events as ev
from carrier_tracker.meeting.distribution import Step, append_event
from carrier_tracker.storage.models import Carrier, Consignment, utcnow
from carrier_tracker.storage.tap_store import TapStore
from carrier_tracker.text_fields import check_who, normalize_code


def find_consignment(session: Session, meeting_id: int, number: str) -> Consignment | None:
    """The consignment with this number in the meeting (any letter case), or None."""
    number = normalize_code(number)
    rows = session.exec(
        select(Consignment)
        .where(Consignment.meeting_id == meeting_id)
        .execution_options(populate_existing=True)  # taps change rows behind the session
    ).all()
    exact = [c for c in rows if c.number == number]
    folded = [c for c in rows if c.number.lower() == number.lower()]
    return (exact or folded)[0] if (exact or folded) else None


def record_receipt(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    number: str,
    note: str = "",
    operator: str = "",
    station: str = "",
    now: datetime | None = None,
) -> Step:
    """Record a consignment's signed receipt: its in-transit copies become delivered.

    One ledger event, accepted (copies delivered), already (received before, nothing in
    transit) or refused (nothing was dispatched, or the meeting is closed) — refusals recorded.

    Args:
        session: the open session (its transaction is this step's).
        key: the ledger key.
        meeting_code: the meeting.
        number: the consignment number (机要编号).
        note: what the 回执 says (signed by whom, its number …).
        operator: who records it (authenticated by the caller).
        station: the desk.
        now: the time (default: now).

    Returns:
        What was recorded.

    Raises:
        NotFoundError: no such meeting or consignment.
    """
    check_who(station=station, operator=operator, note=note)
    meeting = find_meeting(session, meeting_code)
    assert meeting.id is not None
    store = TapStore(session)
    head = store.lock_head(meeting.id)
    session.refresh(meeting)
    consignment = find_consignment(session, meeting.id, number)
    if consignment is None:
        raise NotFoundError(messages.text("consignment_unknown", number=normalize_code(number)))
    at = ledger.as_utc(now or utcnow())
    members = list(
        session.exec(
            select(Carrier)
            .where(Carrier.consignment_id == consignment.id)
            .order_by(col(Carrier.id))
            .execution_options(populate_existing=True)  # taps change carriers with core SQL
        ).all()
    )
    moving = [c for c in members if c.state == State.IN_TRANSIT.value]

    def event(verdict: Verdict, reason: str = "", moved: tuple[int, ...] = ()) -> NewEvent:
        assert meeting.id is not None
        when = stamp(
            operator=operator, station=station, note=note, now=at, verdict=verdict, reason=reason
        )
        if verdict is Verdict.ACCEPTED:
            return NewEvent.of(meeting.id, ev.ReceiptRecorded(when, consignment.id, moved))
        return NewEvent.of(
            meeting.id,
            ev.Declined(when, refused_action=Action.RECEIPT, consignment_id=consignment.id),
        )

    refusal = ""
    if meeting.status == MeetingStatus.CLOSED:
        refusal = messages.text("meeting_closed")
    elif not moving and consignment.received_at is None:
        refusal = messages.text("receipt_nothing", number=consignment.number)
    if refusal:
        return Step(
            Verdict.REFUSED,
            refusal,
            append_event(store, key, head, event(Verdict.REFUSED, refusal)),
        )
    if not moving:
        assert consignment.received_at is not None
        message = messages.text(
            "receipt_already",
            number=consignment.number,
            at=messages.local_time(consignment.received_at),
        )
        return Step(
            Verdict.ALREADY, message, append_event(store, key, head, event(Verdict.ALREADY))
        )
    for c in moving:
        c.state = State.DELIVERED.value
        c.state_since = at
        c.version += 1
        session.add(c)
    states = {c.state for c in members}
    if states == {State.DELIVERED.value}:
        consignment.state = "delivered"
    consignment.received_at = consignment.received_at or at
    session.add(consignment)
    session.flush()
    moved = tuple(c.id for c in moving if c.id is not None)
    seq = append_event(store, key, head, event(Verdict.ACCEPTED, moved=moved))
    message = messages.text(
        "receipt_done", number=consignment.number, count=len(moving), unit=consignment.unit
    )
    return Step(Verdict.ACCEPTED, message, seq)
