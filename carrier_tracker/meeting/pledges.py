"""Pledges (保密承诺书) and the secrecy briefing, per attendee: each recorded as a ledger event.

An attendee's pledge day and briefing day live on the attendee row; every change to them is a
``pledge`` event of the meeting whose payload holds the new values, so ``verify`` replays them
(``audit.Expected``) and names a row changed behind the ledger's back. A day once recorded is not
rewritten: asking for another day is refused, asking for the same again is a harmless "already".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from carrier_tracker import messages
from carrier_tracker.custody.service import append_event, find_attendee, find_meeting, stamp
from carrier_tracker.enums import MeetingStatus, Verdict
from carrier_tracker.errors import CarrierTrackerError, ConflictError
from carrier_tracker.ledger import as_utc, codec
from carrier_tracker.ledger import events as ev
from carrier_tracker.storage.models import Attendee
from carrier_tracker.storage.tap_store import TapStore


@dataclass(frozen=True)
class PledgeChange:
    """What :func:`decide_pledge` asks for: the verdict and the attendee's days afterwards."""

    verdict: Verdict
    pledge_on: date | None
    briefed_on: date | None


def decide_pledge(
    pledge_on: date | None,
    briefed_on: date | None,
    *,
    day: date,
    day_given: bool,
    briefed: bool,
) -> PledgeChange:
    """The outcome of recording a pledge (pure).

    Args:
        pledge_on: the pledge day on record (None: none).
        briefed_on: the briefing day on record (None: none).
        day: the day asked for (``--date``, or today).
        day_given: the day was given explicitly (a different recorded day is then a conflict).
        briefed: the briefing is to be recorded too.

    Returns:
        Accepted with the new days, already (nothing to add), or refused (another day on record).
    """
    if pledge_on is not None and day_given and day != pledge_on:
        return PledgeChange(Verdict.REFUSED, pledge_on, briefed_on)
    new_pledge = pledge_on if pledge_on is not None else day
    new_briefed = briefed_on if briefed_on is not None or not briefed else day
    if (new_pledge, new_briefed) == (pledge_on, briefed_on):
        return PledgeChange(Verdict.ALREADY, pledge_on, briefed_on)
    return PledgeChange(Verdict.ACCEPTED, new_pledge, new_briefed)


@dataclass(frozen=True)
class PledgeOutcome:
    """One attendee's line of a pledge command."""

    code: str
    name: str
    verdict: Verdict
    message: str


def earliest_day(imported: date, starts: date | None = None) -> date:
    """The earliest pledge day accepted for a meeting imported on ``imported`` that starts on
    ``starts``: 1 January of the year before the earlier of the two (a pledge may be signed
    ahead of a meeting early in the year, or before its workbook is typed in; a day before that
    is a typing error, and a recorded day can never be rewritten)."""
    first = min(imported, starts) if starts is not None else imported
    return date(first.year - 1, 1, 1)


def parse_day(text: str) -> date:
    """A ``YYYY-MM-DD`` day from the command line.

    Raises:
        CarrierTrackerError: not such a day.
    """
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CarrierTrackerError(messages.text("pledge_bad_date", date=text)) from None


def record_pledges(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    attendee_codes: Sequence[str] | None,
    today: date,
    day: date | None = None,
    briefed: bool = False,
    operator: str = "",
    station: str = "",
    now: datetime | None = None,
) -> list[PledgeOutcome]:
    """Record that attendees signed the 保密承诺书 (and attended the briefing): one ledger event
    per attendee whose record changes, all in the caller's transaction.

    Args:
        session: the open session (its transaction is the whole command's).
        key: the ledger key.
        meeting_code: the meeting.
        attendee_codes: the attendees; None for every attendee of the meeting.
        today: the local date (a pledge cannot be dated later).
        day: the day signed (default ``today``).
        briefed: record the briefing too (on the same day).
        operator: who records it (authenticated by the caller).
        station: the desk's name.
        now: the time of the events (default: now).

    Returns:
        One outcome per attendee, in the order asked (by code for all).

    Raises:
        NotFoundError: no such meeting or attendee (nothing is recorded).
        ConflictError: the meeting is closed.
        CarrierTrackerError: the day is later than today, or earlier than
            :func:`earliest_day` of the meeting's import.
    """
    day_given = day is not None
    signed = day or today
    if signed > today:
        raise CarrierTrackerError(
            messages.text("pledge_future", date=signed.isoformat(), today=today.isoformat())
        )
    meeting = find_meeting(session, meeting_code)
    assert meeting.id is not None
    imported = as_utc(meeting.created_at).astimezone().date()
    starts = as_utc(meeting.starts_at).astimezone().date() if meeting.starts_at else None
    floor = earliest_day(imported, starts)
    if signed < floor:
        raise CarrierTrackerError(
            messages.text(
                "pledge_too_early", date=signed.isoformat(), code=meeting.code, floor=floor
            )
        )
    TapStore(session).lock_head(meeting.id)  # serialise with desks and a close
    session.refresh(meeting)
    if meeting.status == MeetingStatus.CLOSED:
        raise ConflictError(messages.text("pledge_closed", code=meeting.code))
    if attendee_codes is None:
        people = list(
            session.exec(
                select(Attendee)
                .where(Attendee.meeting_id == meeting.id)
                .order_by(col(Attendee.code))
            ).all()
        )
    else:
        people = []
        for code in attendee_codes:
            person = find_attendee(session, meeting, code)
            if all(p.id != person.id for p in people):
                people.append(person)
    outcomes = []
    for person in people:
        change = decide_pledge(
            person.pledge_on, person.briefed_on, day=signed, day_given=day_given, briefed=briefed
        )
        outcomes.append(_outcome(person, change, signed))
        if change.verdict is not Verdict.ACCEPTED:
            continue
        person.pledge_on, person.briefed_on = change.pledge_on, change.briefed_on
        session.add(person)
        record = codec.attendee_record(person)
        assert meeting.id is not None and person.id is not None
        append_event(
            session=session,
            key=key,
            meeting_id=meeting.id,
            event=ev.Pledged(
                stamp(
                    operator=operator,
                    station=station,
                    note=_outcome(person, change, signed).message,
                    now=now,
                ),
                attendee_id=person.id,
                pledge_on=record.pledge_on,
                briefed_on=record.briefed_on,
            ),
        )
    session.flush()
    return outcomes


def _outcome(person: Attendee, change: PledgeChange, asked: date) -> PledgeOutcome:
    fields = {"code": person.code, "name": person.name}
    if change.verdict is Verdict.REFUSED:
        assert change.pledge_on is not None
        message = messages.text(
            "pledge_other_date", **fields, have=change.pledge_on, want=asked.isoformat()
        )
    elif change.verdict is Verdict.ALREADY:
        briefed = (
            messages.text("pledge_already_briefed", date=change.briefed_on)
            if change.briefed_on
            else ""
        )
        message = messages.text("pledge_already", **fields, date=change.pledge_on, briefed=briefed)
    elif change.briefed_on is not None:
        message = messages.text(
            "pledge_briefed", **fields, date=change.pledge_on, briefed=change.briefed_on
        )
    else:
        message = messages.text("pledge_recorded", **fields, date=change.pledge_on)
    return PledgeOutcome(person.code, person.name, change.verdict, message)
