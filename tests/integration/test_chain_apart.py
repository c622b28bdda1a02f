"""``verify`` of a long chain checks its links in a child process while this one re-decides and
folds (``audit_meeting(..., apart=N)``): its report is the inline one, whatever the ledger holds
— intact, a row edited, a row deleted, a head rewound past rows, the child failing.

On a SQLite file and on PostgreSQL (an in-memory database cannot be opened by a child: inline).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from carrier_tracker.custody.service import find_meeting, record_tap
from carrier_tracker.enums import Mode, Verdict
from carrier_tracker.ledger import audit as audit_mod
from carrier_tracker.ledger.audit import CHAIN_APART_MIN, AuditReport, audit_meeting
from carrier_tracker.ledger.replay import Judge
from carrier_tracker.storage import db
from tests.factories import World, make_world

KEY = b"a" * 32


@pytest.fixture
def stored(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database another process can open: a SQLite file, or the PostgreSQL test database."""
    if backend == "postgres":
        yield request.getfixturevalue("engine")
        return
    eng = db.make_engine(f"sqlite:///{tmp_path / 'apart.db'}", create=True)
    SQLModel.metadata.create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def meeting(stored: Engine) -> World:
    """A meeting with its passes out and copies issued and recalled: ~20 events."""
    with Session(stored, expire_on_commit=False) as s:
        world = make_world(s, key=KEY)
    for code in world.passes:
        assert _tap(stored, world.pass_uid(code), Mode.ISSUE)
    holding: set[tuple[str, str]] = set()
    tagged = [k for k, c in world.copies.items() if c.tag_uid]
    for doc, n in tagged:  # to the first who may have it (a refusal is an event too)
        for code in sorted(world.people):
            if (code, doc) not in holding and _tap(
                stored, world.copy_uid(doc, n), Mode.ISSUE, attendee_code=code
            ):
                holding.add((code, doc))
                break
    assert _tap(stored, world.copy_uid(*tagged[0]), Mode.RECALL)
    return world


def _tap(engine: Engine, uid: str, mode: Mode, **kw: Any) -> bool:
    with db.session_scope(engine) as s:
        out = record_tap(
            session=s, key=KEY, meeting_code="M1", uid=uid, mode=mode, operator="小孙", **kw
        )
    return out.verdict is Verdict.ACCEPTED


def _both(engine: Engine) -> tuple[AuditReport, AuditReport]:
    with db.read_scope(engine) as s:
        m = find_meeting(s, "M1")
        inline = audit_meeting(s, KEY, m)
        apart = audit_meeting(s, KEY, m, apart=1)
    return inline, apart


def _same(inline: AuditReport, apart: AuditReport) -> None:
    assert apart == inline  # chain, differences, snapshot, forbidden, registry
    assert inline.links == "here"


def test_an_intact_chain(stored: Engine, meeting: World) -> None:
    inline, apart = _both(stored)
    _same(inline, apart)
    assert apart.ok and apart.links == "apart"
    assert apart.chain.count > 10


def test_the_links_give_the_fold_the_cores(
    stored: Engine, meeting: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The links' child asks for a lower CPU priority: the fold is what the verdict waits for."""
    asked: list[int] = []
    real = audit_mod.start_apart

    def start(session: Session, work: Any, *args: Any, niceness: int = 0) -> Any:
        asked.append(niceness)
        return real(session, work, *args, niceness=niceness)

    monkeypatch.setattr(audit_mod, "start_apart", start)
    inline, apart = _both(stored)
    _same(inline, apart)
    assert apart.links == "apart" and asked == [audit_mod.LINKS_NICENESS] and asked[0] > 0


def test_a_row_edited_or_deleted(stored: Engine, meeting: World) -> None:
    with stored.begin() as conn:
        conn.execute(text("UPDATE event SET note = 'edited' WHERE seq = 7"))
    inline, apart = _both(stored)
    _same(inline, apart)
    assert apart.chain.broken_seq == 7 and apart.links == "apart"
    with stored.begin() as conn:
        conn.execute(text("DELETE FROM event WHERE seq = 5"))
    inline, apart = _both(stored)
    _same(inline, apart)
    assert apart.chain.broken_seq == 5 and not apart.forbidden


def test_a_head_rewound_past_rows_is_walked_again(stored: Engine, meeting: World) -> None:
    """The child reads no further than the head; rows beyond it are walked here as inline."""
    with stored.begin() as conn:
        conn.execute(text("UPDATE ledgerhead SET seq = seq - 2"))
    inline, apart = _both(stored)
    _same(inline, apart)
    assert not apart.chain.ok and apart.links == "again"


def test_the_child_failing_is_done_here(
    stored: Engine, meeting: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*args: Any) -> Any:
        if args[-1] is None:  # inline asked for
            return None
        pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
        return pool, pool.submit(int, "no chain here")  # raises ValueError in the child

    monkeypatch.setattr(audit_mod, "_links_apart", failing)
    inline, apart = _both(stored)
    _same(inline, apart)
    assert apart.ok and apart.links == "again"


def test_short_chains_and_memory_stay_inline(stored: Engine, meeting: World) -> None:
    with db.read_scope(stored) as s:
        m = find_meeting(s, "M1")
        assert audit_meeting(s, KEY, m, apart=CHAIN_APART_MIN).links == "here"
        assert audit_meeting(s, KEY, m, apart=None).links == "here"
    memory = db.make_engine("sqlite://")
    SQLModel.metadata.create_all(memory)
    with Session(memory, expire_on_commit=False) as s:
        make_world(s, key=KEY)
    with db.read_scope(memory) as s:
        assert audit_meeting(s, KEY, find_meeting(s, "M1"), apart=1).links == "here"


def test_a_step_the_replay_cannot_judge_fails_as_inline(
    stored: Engine, meeting: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A re-decide that raises (a bug) stops verify as inline does — but only where inline
    would have judged the row: never past a break in the chain."""
    real = Judge.problems

    def failing_at_9(self: Judge, world: Any, event: Any) -> list[str]:
        if event.stamp.seq == 9:
            raise RuntimeError("the replay failed at 9")
        return real(self, world, event)

    monkeypatch.setattr(Judge, "problems", failing_at_9)

    def each(apart: int | None) -> AuditReport:
        with db.read_scope(stored) as s:
            return audit_meeting(s, KEY, find_meeting(s, "M1"), apart=apart)

    for apart in (None, 1):  # intact, then broken after the row: it was judged either way
        with pytest.raises(RuntimeError, match="at 9"):
            each(apart)
    with stored.begin() as conn:
        conn.execute(text("UPDATE event SET note = 'edited' WHERE seq = 12"))
    for apart in (None, 1):
        with pytest.raises(RuntimeError, match="at 9"):
            each(apart)
    with stored.begin() as conn:  # broken before the row: inline never judges it
        conn.execute(text("UPDATE event SET note = 'edited' WHERE seq = 7"))
    inline, apart = each(None), each(1)
    _same(inline, apart)
    assert apart.chain.broken_seq == 7 and apart.links == "apart"
