"""Close racing a tap, on both backends: whichever holds the meeting's ledger head first wins,
and the other sees its result — never a tap recorded after the close, never a close with an
item out."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from carrier_tracker.custody.service import record_tap
from carrier_tracker.enums import MeetingStatus, Mode, State, Verdict
from carrier_tracker.errors import ConflictError
from carrier_tracker.meeting.lifecycle import close_meeting
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Carrier, Event, Meeting
from tests.conftest import KEY, fresh_pg_url
from tests.factories import make_world

# How long the first transaction keeps its lock after the second one has started: long enough
# for the second to reach its reads (it must then wait on the head lock, not read stale rows).
HOLD = 0.5


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    url = (
        f"sqlite:///{tmp_path / 'close.db'}"
        if request.param == "sqlite"
        else fresh_pg_url("ct_close_race")
    )
    engine = db.make_engine(url)
    db.upgrade(engine)
    with Session(engine) as session:
        world = make_world(session, requires_passes=False)
        for mode in (Mode.ISSUE, Mode.RECALL):  # the meeting ran; everything is back
            record_tap(
                session=session,
                key=KEY,
                meeting_code="M1",
                uid=world.copy_uid("D1", 1),
                mode=mode,
                attendee_code="A001",
            )
            session.commit()
    engine.dispose()
    return url


def _uid(engine: object, doc_id: int = 1, copy: int = 1) -> str:
    with Session(engine) as s:  # type: ignore[call-overload]
        c = s.exec(
            select(Carrier).where(Carrier.document_id == doc_id, Carrier.copy_number == copy)
        ).one()
        return str(c.tag_uid)


def test_tap_in_flight_makes_close_refuse(url: str) -> None:
    engine = db.make_engine(url)
    uid = _uid(engine)
    tapped, release = threading.Event(), threading.Event()
    outcome: list[Verdict] = []

    def desk() -> None:
        with db.session_scope(engine) as s:
            o = record_tap(
                session=s,
                key=KEY,
                meeting_code="M1",
                uid=uid,
                mode=Mode.ISSUE,
                attendee_code="A001",
            )
            outcome.append(o.verdict)
            tapped.set()
            release.wait(10)

    t = threading.Thread(target=desk)
    t.start()
    assert tapped.wait(10)
    threading.Timer(HOLD, release.set).start()
    with pytest.raises(ConflictError, match="尚有 1 件未收回"), db.session_scope(engine) as s:
        close_meeting(session=s, key=KEY, meeting_code="M1", operator="赵官")
    t.join(10)
    assert outcome == [Verdict.ACCEPTED]
    with Session(engine) as s:
        assert s.exec(select(Meeting)).one().status == MeetingStatus.OPEN
    engine.dispose()


def test_close_in_flight_makes_tap_refuse(url: str) -> None:
    engine = db.make_engine(url)
    uid = _uid(engine)
    closing, release = threading.Event(), threading.Event()

    def officer() -> None:
        with db.session_scope(engine) as s:
            close_meeting(session=s, key=KEY, meeting_code="M1", operator="赵官")
            closing.set()
            release.wait(10)

    t = threading.Thread(target=officer)
    t.start()
    assert closing.wait(10)
    threading.Timer(HOLD, release.set).start()
    started = time.monotonic()
    with db.session_scope(engine) as s:
        o = record_tap(
            session=s, key=KEY, meeting_code="M1", uid=uid, mode=Mode.ISSUE, attendee_code="A001"
        )
    t.join(10)
    assert time.monotonic() - started >= HOLD * 0.8, "the tap did not wait for the close's lock"
    assert o.refused and o.message == "会议已结束"
    with Session(engine) as s:
        assert s.exec(select(Meeting)).one().status == MeetingStatus.CLOSED
        card = s.exec(select(Carrier).where(Carrier.tag_uid == uid)).one()
        assert card.state == State.RECOVERED and card.holder_id is None
        last = s.exec(select(Event).order_by(Event.seq.desc())).first()  # type: ignore[attr-defined]
        assert last is not None and (last.action, last.verdict, last.reason) == (
            "issue",
            "refused",
            "会议已结束",
        )
    engine.dispose()
