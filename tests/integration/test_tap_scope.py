"""``db.tap_scope``: the desk's and the CLI's one-tap transaction without an ORM session (on an
SQLite file the engine's tap line, a ``sqlite3`` connection kept outside the pool) — commits a
tap whole, rolls it back whole, and maintains what the session path maintains (consignment
state and times, the chain)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel, select

from carrier_tracker.custody.service import find_meeting, record_tap
from carrier_tracker.enums import Mode, State
from carrier_tracker.errors import DatabaseError
from carrier_tracker.ledger.audit import audit_meeting
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Carrier, Consignment, Event
from tests.conftest import KEY
from tests.factories import World, make_world

T0 = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)


def world_on(engine: Engine) -> World:
    with db.session_scope(engine) as s:
        return make_world(s)


def tap(engine: Engine, uid: str, mode: Mode, minute: int = 0, **kw: str) -> str:
    with db.tap_scope(engine) as conn:
        outcome = record_tap(
            session=conn,
            key=KEY,
            meeting_code="M1",
            uid=uid,
            mode=mode,
            operator="小孙",
            now=T0 + timedelta(minutes=minute),
            **kw,
        )
    assert not outcome.refused, outcome.message
    return outcome.message


def events(engine: Engine) -> int:
    with db.read_scope(engine) as s:
        return len(s.exec(select(Event.id)).all())


def test_a_tap_commits_whole_and_the_chain_verifies(engine: Engine) -> None:
    world = world_on(engine)
    before = events(engine)
    tap(engine, world.pass_uid("A001"), Mode.ISSUE)
    tap(engine, world.copy_uid("D1", 1), Mode.ISSUE, 1, attendee_code="A001")
    with db.read_scope(engine) as s:
        copy = s.exec(select(Carrier).where(Carrier.tag_uid == world.copy_uid("D1", 1))).one()
        assert copy.state == State.ISSUED and copy.holder_id == world.people["A001"].id
        report = audit_meeting(s, KEY, find_meeting(s, "M1"))
        assert report.ok, report.findings()
    assert events(engine) == before + 2


def die_after_a_tap(engine: Engine, uid: str) -> Connection | sqlite3.Connection:
    """A tap recorded inside ``tap_scope``, then an error before the commit; the scope's
    connection."""
    with pytest.raises(RuntimeError), db.tap_scope(engine) as conn:
        record_tap(session=conn, key=KEY, meeting_code="M1", uid=uid, mode=Mode.ISSUE)
        raise RuntimeError("the desk died after the tap, before the commit")
    return conn


def test_an_error_inside_leaves_nothing(engine: Engine) -> None:
    world = world_on(engine)
    before = events(engine)
    die_after_a_tap(engine, world.pass_uid("A001"))
    assert events(engine) == before
    with db.read_scope(engine) as s:
        card = s.exec(select(Carrier).where(Carrier.tag_uid == world.pass_uid("A001"))).one()
        assert card.state == State.REGISTERED
    tap(engine, world.pass_uid("A001"), Mode.ISSUE)  # and the next tap works


def test_the_courier_keeps_its_consignment(engine: Engine) -> None:
    """Dispatch and delivery through the bare connection set the consignment's state and its
    first dispatch / receipt times, as the session path does."""
    world = world_on(engine)
    uid = world.copy_uid("D1", 1)  # a document that may leave the venue
    tap(engine, uid, Mode.DISPATCH, 1, consignment_no="K1")
    with db.read_scope(engine) as s:
        cons = s.exec(select(Consignment).where(Consignment.number == "K1")).one()
        assert cons.state == "in_transit"
        assert cons.dispatched_at == (T0 + timedelta(minutes=1)).replace(tzinfo=None) or (
            cons.dispatched_at == T0 + timedelta(minutes=1)
        )
        assert cons.received_at is None
    tap(engine, uid, Mode.DELIVER, 2, consignment_no="K1")
    with db.read_scope(engine) as s:
        cons = s.exec(select(Consignment).where(Consignment.number == "K1")).one()
        assert cons.state == "delivered"
        assert cons.received_at is not None
        assert cons.dispatched_at is not None  # kept as it was: written back as read
        assert abs((cons.received_at - cons.dispatched_at).total_seconds() - 60) < 1
        report = audit_meeting(s, KEY, find_meeting(s, "M1"))
        assert report.ok, report.findings()


def test_a_locked_database_is_a_clear_error(tmp_path: Path) -> None:
    """Another process holding the write lock past the busy timeout: a DatabaseError in plain
    words (what the desk shows), and the connection is usable again."""
    path = tmp_path / "locked.db"
    engine = db.make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    world = world_on(engine)
    with db.tap_scope(engine) as line:  # the engine's tap line: wait 50 ms, not 30 s
        line.execute("PRAGMA busy_timeout=50")  # type: ignore[call-arg, arg-type]
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with (
            pytest.raises(DatabaseError, match=r"正被另一个程序写入.*本次操作未记录"),
            db.tap_scope(engine),
        ):
            raise AssertionError("tap_scope began while another writer held the lock")
    finally:
        other.execute("ROLLBACK")
        other.close()
    tap(engine, world.pass_uid("A001"), Mode.ISSUE)


def test_a_meetings_first_event_creates_its_head(engine: Engine) -> None:
    """A meeting with no event yet (a row made outside the import): the tap creates the ledger
    head and is its first event."""
    from carrier_tracker.enums import Level, MeetingStatus
    from carrier_tracker.storage.models import LedgerHead, Meeting

    with db.session_scope(engine) as s:
        s.add(Meeting(code="M9", title="无事件", level=Level.NEIBU, status=MeetingStatus.OPEN))
    with db.tap_scope(engine) as conn:
        outcome = record_tap(
            session=conn, key=KEY, meeting_code="m9", uid="04AABBCCDDEEFF", mode=Mode.ISSUE
        )
    assert outcome.refused and outcome.seq == 1  # an unknown tag, recorded as the first event
    with db.read_scope(engine) as s:
        head = s.exec(select(LedgerHead)).one()
        assert (head.seq, head.hash) == (1, s.exec(select(Event.hash)).one())


# --- the tap line: on an SQLite file, taps run on one connection kept outside the pool ---------


@pytest.fixture
def file_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


def test_taps_on_a_file_share_one_connection_outside_the_pool(file_engine: Engine) -> None:
    world = world_on(file_engine)
    seen = []
    for uid in (world.pass_uid("A001"), world.pass_uid("A002")):
        with db.tap_scope(file_engine) as conn:
            assert file_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
            seen.append(conn)
            record_tap(session=conn, key=KEY, meeting_code="M1", uid=uid, mode=Mode.ISSUE)
        assert isinstance(conn, sqlite3.Connection) and not conn.in_transaction
    assert seen[0] is seen[1]
    with db.read_scope(file_engine) as s:
        assert audit_meeting(s, KEY, find_meeting(s, "M1")).ok


def test_an_error_on_the_tap_line_leaves_nothing_and_the_line_works_on(
    file_engine: Engine,
) -> None:
    world = world_on(file_engine)
    before = events(file_engine)
    conn = die_after_a_tap(file_engine, world.pass_uid("A001"))
    assert isinstance(conn, sqlite3.Connection) and not conn.in_transaction
    assert events(file_engine) == before
    with db.tap_scope(file_engine) as again:  # the line was given back: the next tap has it
        assert again is conn
        record_tap(
            session=again, key=KEY, meeting_code="M1", uid=world.pass_uid("A001"), mode=Mode.ISSUE
        )
    assert events(file_engine) == before + 1


def test_a_failed_commit_rolls_back_on_the_tap_line(file_engine: Engine) -> None:
    """A constraint that fails only at COMMIT (a deferred foreign key): a DatabaseError, nothing
    kept, and the line is out of its transaction for the next tap."""
    world = world_on(file_engine)
    before = events(file_engine)
    with pytest.raises(DatabaseError), db.tap_scope(file_engine) as conn:
        assert isinstance(conn, sqlite3.Connection)
        conn.execute("PRAGMA defer_foreign_keys=ON")
        conn.execute("UPDATE carrier SET holder_id = 999999 WHERE id = 1")
    assert not conn.in_transaction
    assert events(file_engine) == before
    with db.tap_scope(file_engine) as again:  # the line was given back after the failed COMMIT
        assert again is conn
    tap(file_engine, world.pass_uid("A001"), Mode.ISSUE)


def test_taps_from_two_threads_at_once_all_land(file_engine: Engine) -> None:
    """The line serves one tap at a time; a tap that finds it busy takes a pooled connection.
    Two desks' threads tapping together: every tap lands, once, and the chain verifies."""
    world = world_on(file_engine)
    # the copies that may be sent by courier (their document may leave the venue)
    copies = [world.copy_uid(doc, n) for doc, n in sorted(world.copies) if doc == "D1"]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def desk(uids: list[str]) -> None:
        try:
            start.wait()
            for uid in uids:
                for mode in (Mode.DISPATCH, Mode.RETURN):
                    tap(file_engine, uid, mode, consignment_no="K1")
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    before = events(file_engine)
    threads = [threading.Thread(target=desk, args=(copies[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert events(file_engine) == before + 2 * len(copies)
    with db.read_scope(file_engine) as s:
        assert audit_meeting(s, KEY, find_meeting(s, "M1")).ok


def test_dispose_closes_the_tap_line(file_engine: Engine) -> None:
    world = world_on(file_engine)
    with db.tap_scope(file_engine) as conn:
        record_tap(
            session=conn, key=KEY, meeting_code="M1", uid=world.pass_uid("A001"), mode=Mode.ISSUE
        )
    assert isinstance(conn, sqlite3.Connection)
    file_engine.dispose()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        conn.execute("SELECT 1")
    tap(file_engine, world.pass_uid("A002"), Mode.ISSUE)  # a new line after the dispose
