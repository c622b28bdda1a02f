"""Documents carried to an outside meeting (外出携带): opening a trip with an officer's approval
(涉密载体外出审批), and the list of trips and meetings past their return date (应交回日期).

A trip is a meeting of kind 外出携带: one ``import`` event (from ``trip open`` or a workbook whose
会议 sheet says 类型 外出携带) carries its kind and due date, and the officer who approved it (the
operator, or ``--approver``). ``verify`` re-decides that approval (``ledger/replay.py``); the
custody rules refuse on a trip the taps it has no use for (``custody/rules.py``,
``TRIP_MODES``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from carrier_tracker import messages
from carrier_tracker import text_fields as tf
from carrier_tracker.custody.service import append_event, approval, stamp
from carrier_tracker.enums import OUTSTANDING, CarrierKind, Level, MeetingKind, MeetingStatus
from carrier_tracker.errors import CarrierTrackerError, ConflictError
from carrier_tracker.ledger import codec
from carrier_tracker.ledger import events as ev
from carrier_tracker.storage.models import (
    Attendee,
    Carrier,
    Document,
    Meeting,
    table_of,
    utcnow,
)
from carrier_tracker.storage.system_chain import register_meeting
from carrier_tracker.storage.tap_store import TapStore

MAX_TRIP_COPIES = 500
"""Copies of one document a trip may carry."""


class TripRefused(CarrierTrackerError):
    """A trip was not opened (no officer approved it); nothing was written."""

    exit_code = 1


@dataclass(frozen=True)
class TripDocument:
    """A document the trip carries: its number, copies and title (its level is the trip's)."""

    number: str
    copies: int
    title: str


@dataclass(frozen=True)
class TripAsk:
    """What ``trip open`` asks for, checked (:func:`check_trip`)."""

    code: str
    title: str
    destination: str
    level: Level
    due_on: date
    documents: tuple[TripDocument, ...] = ()


def parse_document(text: str) -> TripDocument:
    """``DOC_NO:COPIES:TITLE`` (the title may hold colons).

    Raises:
        CarrierTrackerError: not of that shape, or copies not 1..500.
    """
    parts = text.split(":", 2)
    if len(parts) != 3 or not parts[1].strip().isdigit():
        raise CarrierTrackerError(messages.text("trip_document_bad", value=tf.printable(text, 60)))
    copies = int(parts[1].strip())
    if not 1 <= copies <= MAX_TRIP_COPIES:
        raise CarrierTrackerError(
            messages.text("trip_copies_bad", value=copies, most=MAX_TRIP_COPIES)
        )
    return TripDocument(parts[0], copies, parts[2])


def parse_due(text: str, today: date) -> date:
    """``--due YYYY-MM-DD``, not before ``today``.

    Raises:
        CarrierTrackerError: not a date of that form, or before today.
    """
    raw = text.strip()
    try:
        due = date.fromisoformat(raw) if len(raw) == 10 and raw[4] == "-" else None
    except ValueError:
        due = None
    if due is None:
        raise CarrierTrackerError(messages.text("trip_due_bad", value=tf.printable(text, 40)))
    if due < today:
        raise CarrierTrackerError(messages.text("trip_due_past", value=due, today=today))
    return due


def check_trip(
    *,
    code: str,
    title: str,
    destination: str,
    level: str,
    due: str,
    documents: tuple[str, ...] = (),
    today: date,
) -> TripAsk:
    """Every argument of ``trip open`` checked before anything is asked or written.

    Raises:
        CarrierTrackerError: the first bad argument, named.
    """
    try:
        parsed_level = Level.parse(level)
    except ValueError:
        raise CarrierTrackerError(
            messages.text("trip_level_bad", value=tf.printable(level, 40))
        ) from None
    docs = tuple(parse_document(d) for d in documents)
    numbers = [
        tf.check_code(messages.text("arg_trip_document_no"), d.number, tf.DOCUMENT_NUMBER)
        for d in docs
    ]
    if len({n.lower() for n in numbers}) != len(numbers):
        raise CarrierTrackerError(messages.text("trip_document_twice"))
    return TripAsk(
        code=tf.check_code(messages.text("arg_trip_code"), code, tf.MEETING_CODE),
        title=tf.check_text(
            messages.text("arg_trip_title"), title, tf.MEETING_TITLE, required=True
        ),
        destination=tf.check_text(
            messages.text("arg_trip_destination"), destination, tf.VENUE, required=True
        ),
        level=parsed_level,
        due_on=parse_due(due, today),
        documents=tuple(
            TripDocument(
                n,
                d.copies,
                tf.check_text(
                    messages.text("arg_trip_document_title"),
                    d.title,
                    tf.DOCUMENT_TITLE,
                    required=True,
                ),
            )
            for n, d in zip(numbers, docs, strict=True)
        ),
    )


def trip_approver(session: Session, operator: str, approver: str) -> str:
    """The approver to record for opening a trip: "" when the operator is an officer, the
    approving officer when a custodian opens it (涉密载体外出审批).

    Raises:
        TripRefused: neither is a registered officer in use.
    """
    approved, recorded = approval(TapStore(session), operator, approver)
    if not approved:
        raise TripRefused(
            messages.text("trip_officer", operator=operator or messages.text("not_filled"))
        )
    return recorded


def open_trip(
    *,
    session: Session,
    key: bytes,
    ask: TripAsk,
    operator: str,
    approver: str = "",
    station: str = "",
    now: datetime | None = None,
) -> Meeting:
    """Write a trip (its meeting row, documents and copies) and its ``import`` event, approved.

    Raises:
        TripRefused: no officer approves it.
        ConflictError: a meeting with this code exists.
    """
    recorded = trip_approver(session, operator, approver)
    code_taken = session.exec(
        select(Meeting).where(func.lower(Meeting.code) == ask.code.lower())
    ).first()
    if code_taken is not None:
        raise ConflictError(messages.text("trip_code_taken", code=ask.code))
    when = now or utcnow()
    meeting = Meeting(
        code=ask.code,
        title=ask.title,
        level=ask.level.value,
        venue=ask.destination,
        starts_at=when,
        officer=recorded or operator,
        requires_passes=False,
        kind=MeetingKind.TRIP.value,
        due_on=ask.due_on,
        created_at=when,
    )
    session.add(meeting)
    session.flush()
    assert meeting.id is not None
    for d in ask.documents:
        doc = Document(
            meeting_id=meeting.id,
            number=d.number,
            title=d.title,
            level=ask.level.value,
            copies=d.copies,
            may_take_away=True,
        )
        session.add(doc)
        session.flush()
        assert doc.id is not None
        session.add_all(
            Carrier(
                meeting_id=meeting.id,
                kind=CarrierKind.COPY.value,
                document_id=doc.id,
                copy_number=n,
            )
            for n in range(1, d.copies + 1)
        )
    session.flush()
    note = messages.text("trip_note", destination=ask.destination, due=ask.due_on.isoformat())
    append_event(
        session=session,
        key=key,
        meeting_id=meeting.id,
        event=_opened_event(
            session,
            meeting,
            stamp(operator=operator, station=station, approver=recorded, note=note, now=when),
        ),
    )
    register_meeting(session, key, meeting, operator=operator, station=station)
    return meeting


def _opened_event(session: Session, meeting: Meeting, when: ev.Stamp) -> ev.Imported:
    conn = session.connection()
    m, d, c = table_of(Meeting), table_of(Document), table_of(Carrier)
    row = conn.execute(core_select(m).where(m.c.id == meeting.id)).one()
    docs = conn.execute(core_select(d).where(d.c.meeting_id == meeting.id).order_by(d.c.id))
    carriers = conn.execute(core_select(c).where(c.c.meeting_id == meeting.id).order_by(c.c.id))
    return ev.Imported(
        when,
        meeting=codec.meeting_record(row),
        documents=tuple(codec.document_record(r) for r in docs),
        carriers=tuple(codec.carrier_record(r) for r in carriers),
    )


# --- overdue ---------------------------------------------------------------------------------


def overdue(session: Session, *, today: date) -> list[dict[str, Any]]:
    """Every trip or meeting whose 应交回日期 is before ``today`` with carriers still out
    (issued, carried out, in transit or lost), oldest due first, each naming who holds what.

    A meeting with no 应交回日期 has no return date and is never listed.
    """
    meetings = session.exec(
        select(Meeting)
        .where(col(Meeting.due_on).is_not(None), col(Meeting.due_on) < today)
        .order_by(col(Meeting.due_on), col(Meeting.code))
    ).all()
    out = []
    out_states = sorted(s.value for s in OUTSTANDING)
    for m in meetings:
        rows = session.exec(
            select(Carrier, Document, Attendee)
            .join(Document, col(Document.id) == Carrier.document_id, isouter=True)
            .join(Attendee, col(Attendee.id) == Carrier.holder_id, isouter=True)
            .where(Carrier.meeting_id == m.id, col(Carrier.state).in_(out_states))
            .order_by(col(Carrier.id))
        ).all()
        if not rows:
            continue
        held: dict[str, list[str]] = defaultdict(list)
        for carrier, doc, person in rows:
            who = f"{person.name}（{person.unit}）" if person else messages.text("overdue_nobody")
            item = (
                messages.text("copy_item", doc=doc.number, copy=carrier.copy_number)
                if doc is not None and carrier.copy_number is not None
                else messages.text("overdue_pass")
            )
            held[who].append(item)
        assert m.due_on is not None
        out.append(
            {
                "code": m.code,
                "title": m.title,
                "kind": m.kind,
                "level": m.level,
                "status": MeetingStatus(m.status).value,
                "due_on": m.due_on.isoformat(),
                "days_overdue": (today - m.due_on).days,
                "outstanding": len(rows),
                "holders": [{"holder": k, "items": v} for k, v in held.items()],
            }
        )
    return out


def overdue_codes(session: Session, *, today: date) -> set[str]:
    """The codes of :func:`overdue` meetings (for marking them in a list)."""
    return {r["code"] for r in overdue(session, today=today)}
