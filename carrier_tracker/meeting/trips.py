"""Documents carried to a meeting elsewhere (外出携带): a meeting of kind ``trip``, opened with an
officer's approval (涉密载体外出审批), with its documents and a date by which every copy is to be
handed back; and the trips and meetings past that date with copies still out.

A trip is a meeting like any other for custody: ``attendee add`` registers who travels,
``copies add`` and ``bind`` work as ever, a ``发放`` tap hands a copy to its traveller and a
``会后清退`` tap takes it back. It has no passes, no filing, no venue check and no sweep: the
officer's approval when it is opened stands in for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import insert
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from carrier_tracker import ledger, messages
from carrier_tracker import text_fields as tf
from carrier_tracker.custody.service import append_event, approval, stamp
from carrier_tracker.enums import CarrierKind, Level, MeetingKind, MeetingStatus, State
from carrier_tracker.errors import CarrierTrackerError, ConflictError
from carrier_tracker.ledger import codec
from carrier_tracker.ledger import events as ev
from carrier_tracker.storage.models import Attendee, Carrier, Document, Meeting, table_of, utcnow
from carrier_tracker.storage.system_chain import register_meeting
from carrier_tracker.storage.tap_store import TapStore

MAX_COPIES = 10_000
"""A document's copies, as the import allows."""
HELD = (State.ISSUED, State.CARRIED_OUT)
"""A copy someone still has with them."""


@dataclass(frozen=True)
class TripDocument:
    """A document a trip carries, as typed: its number, how many copies, its title."""

    number: str
    copies: int
    title: str


@dataclass(frozen=True)
class NewTrip:
    """A trip as typed on the command line."""

    code: str
    title: str
    destination: str
    level: Level
    due: date
    documents: tuple[TripDocument, ...] = ()


def check_trip(trip: NewTrip, *, today: date) -> NewTrip:
    """The trip's texts checked and normalised (bad input raises, nothing is written).

    Raises:
        CarrierTrackerError: a text too long or malformed, a due date before today, a copy
            count out of range, a document number given twice.
    """
    label = messages.text
    if trip.due < today:
        raise CarrierTrackerError(
            label("trip_due_past", due=trip.due.isoformat(), today=today.isoformat())
        )
    docs: list[TripDocument] = []
    seen: set[str] = set()
    for d in trip.documents:
        number = tf.check_code(label("arg_trip_document"), d.number, tf.DOCUMENT_NUMBER)
        if tf.code_key(number) in seen:
            raise CarrierTrackerError(label("trip_document_twice", number=number))
        seen.add(tf.code_key(number))
        if not 1 <= d.copies <= MAX_COPIES:
            raise CarrierTrackerError(label("copy_no_range", limit=MAX_COPIES, value=d.copies))
        title = tf.check_text(label("arg_trip_document_title"), d.title, tf.DOCUMENT_TITLE)
        docs.append(TripDocument(number, d.copies, title))
    return NewTrip(
        code=tf.check_code(label("arg_trip_code"), trip.code, tf.MEETING_CODE),
        title=tf.check_text(label("arg_trip_title"), trip.title, tf.MEETING_TITLE),
        destination=tf.check_text(label("arg_trip_destination"), trip.destination, tf.VENUE),
        level=trip.level,
        due=trip.due,
        documents=tuple(docs),
    )


def open_trip(
    *,
    session: Session,
    key: bytes,
    trip: NewTrip,
    today: date,
    operator: str = "",
    approver: str = "",
    station: str = "",
    now: datetime | None = None,
) -> Meeting:
    """Open a trip: the meeting (kind ``trip``, no passes), its documents and copies (untagged:
    bind them), its ``import`` event carrying the approving officer, and its registration in the
    system chain.

    Args:
        trip: what was typed (checked here).
        today: the local date (the due date may not be earlier).
        operator: who opens it (an officer, or a custodian with ``approver``).
        approver: an officer the caller authenticated.

    Raises:
        CarrierTrackerError: bad input (see :func:`check_trip`), or the code is taken.
        ConflictError: no officer approves (nothing written).
    """
    tf.check_who(station=station, operator=operator)
    trip = check_trip(trip, today=today)
    for existing in session.exec(select(Meeting.code)).all():
        if existing == trip.code:
            raise CarrierTrackerError(messages.text("meeting_exists", code=trip.code))
        if tf.code_key(existing) == tf.code_key(trip.code):
            raise CarrierTrackerError(
                messages.text(
                    "code_collides",
                    label=messages.text("arg_trip_code"),
                    code=trip.code,
                    other=tf.printable(existing, 40),
                )
            )
    ok, approved_by = approval(TapStore(session), operator, approver)
    if not ok:
        raise ConflictError(
            messages.text("trip_officer", operator=operator or messages.text("not_filled"))
        )
    at = ledger.as_utc(now or utcnow())
    meeting = Meeting(
        code=trip.code,
        title=trip.title,
        level=trip.level.value,
        venue=trip.destination,
        officer=approved_by or operator,
        requires_passes=False,
        kind=MeetingKind.TRIP.value,
        due_on=trip.due,
        created_at=at,
    )
    session.add(meeting)
    session.flush()
    assert meeting.id is not None
    docs = [
        Document(
            meeting_id=meeting.id,
            number=d.number,
            title=d.title,
            level=trip.level.value,
            copies=d.copies,
            may_take_away=True,
        )
        for d in trip.documents
    ]
    session.add_all(docs)
    session.flush()
    rows = [
        {
            "meeting_id": meeting.id,
            "kind": CarrierKind.COPY.value,
            "document_id": d.id,
            "copy_number": n,
            "owner_id": None,
            "tag_uid": None,
            "state": State.REGISTERED.value,
            "version": 0,
        }
        for d in docs
        for n in range(1, d.copies + 1)
    ]
    if rows:
        session.execute(insert(Carrier), rows)
    note = messages.text(
        "trip_opened_note",
        destination=trip.destination,
        due=trip.due.isoformat(),
        documents=len(docs),
        copies=len(rows),
        by=approved_by or operator,
    )
    when = stamp(operator=operator, approver=approved_by, station=station, note=note, now=at)
    append_event(
        session=session, key=key, meeting_id=meeting.id, event=_opened(session, meeting, when)
    )
    register_meeting(session, key, meeting, operator=operator, station=station)
    return meeting


def _opened(session: Session, meeting: Meeting, when: ev.Stamp) -> ev.Imported:
    """The trip's ``import`` event: its reference facts as the rows just written hold them (as
    the importer's ``imported_event`` reads them)."""
    conn = session.connection()

    def rows(model: type[Any]) -> Any:
        t = table_of(model)
        return conn.execute(core_select(t).where(t.c.meeting_id == meeting.id).order_by(t.c.id))

    m = table_of(Meeting)
    return ev.Imported(
        when,
        meeting=codec.meeting_record(
            conn.execute(core_select(m).where(m.c.id == meeting.id)).one()
        ),
        attendees=(),
        documents=tuple(codec.document_record(d) for d in rows(Document)),
        carriers=tuple(codec.carrier_record(c) for c in rows(Carrier)),
    )


# --- past the return date ------------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """One person's copies still out of a meeting past its return date."""

    code: str
    name: str
    unit: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Overdue:
    """A trip or meeting past its return date with copies still out."""

    code: str
    title: str
    kind: str
    level: str
    due: date
    days: int
    """Days past the return date."""
    holders: tuple[Held, ...]

    @property
    def count(self) -> int:
        """Copies still out."""
        return sum(len(h.items) for h in self.holders)

    def as_json(self) -> dict[str, object]:
        """The JSON shape of ``meetings --overdue --json``."""
        return {
            "code": self.code,
            "title": self.title,
            "kind": self.kind,
            "level": self.level,
            "due": self.due.isoformat(),
            "days_overdue": self.days,
            "out": self.count,
            "holders": [
                {"code": h.code, "name": h.name, "unit": h.unit, "items": list(h.items)}
                for h in self.holders
            ],
        }


def return_date(meeting: Meeting, tz: tzinfo | None = None) -> date | None:
    """The day everything of a meeting is due back: its 应交回日期, else (a meeting) the day it
    ends; None when neither is known."""
    if meeting.due_on is not None:
        return meeting.due_on
    if meeting.ends_at is not None:
        return ledger.as_utc(meeting.ends_at).astimezone(tz).date()
    return None


def overdue(session: Session, *, today: date, tz: tzinfo | None = None) -> list[Overdue]:
    """Every trip and meeting not closed whose return date is before ``today`` and whose copies
    are still out (issued or carried away), with who holds them; most overdue first."""
    meetings = session.exec(
        select(Meeting).where(Meeting.status != MeetingStatus.CLOSED.value)
    ).all()
    due = {m.id: day for m in meetings if (day := return_date(m, tz)) is not None and day < today}
    if not due:
        return []
    c, d, a = table_of(Carrier), table_of(Document), table_of(Attendee)
    rows = session.connection().execute(
        core_select(c.c.meeting_id, a.c.code, a.c.name, a.c.unit, d.c.number, c.c.copy_number)
        .select_from(c)
        .join(d, d.c.id == c.c.document_id)
        .join(a, a.c.id == c.c.holder_id)
        .where(
            c.c.meeting_id.in_(list(due)),
            c.c.kind == CarrierKind.COPY.value,
            c.c.state.in_([s.value for s in HELD]),
        )
        .order_by(c.c.meeting_id, a.c.code, d.c.number, c.c.copy_number)
    )
    held: dict[int, dict[tuple[str, str, str], list[str]]] = {}
    for mid, code, name, unit, number, copy_no in rows:
        item = messages.text("copy_item", doc=number, copy=copy_no)
        held.setdefault(mid, {}).setdefault((code, name, unit), []).append(item)
    by_id = {m.id: m for m in meetings}
    out = []
    for mid, people in held.items():
        m = by_id[mid]
        out.append(
            Overdue(
                m.code,
                m.title,
                m.kind,
                m.level,
                due[mid],
                (today - due[mid]).days,
                tuple(
                    Held(code, name, unit, tuple(items))
                    for (code, name, unit), items in people.items()
                ),
            )
        )
    return sorted(out, key=lambda o: (-o.days, o.code))


def trips(session: Session) -> Sequence[Meeting]:
    """Every trip, newest first."""
    return session.exec(
        select(Meeting)
        .where(Meeting.kind == MeetingKind.TRIP.value)
        .order_by(col(Meeting.id).desc())
    ).all()
