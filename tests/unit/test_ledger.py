"""Ledger: the chain verifies, and editing, deleting, reordering or truncating is detected."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from carrier_tracker import checklists, ledger
from carrier_tracker.custody import record_tap
from carrier_tracker.enums import Mode
from carrier_tracker.errors import LedgerError
from tests.factories import World, make_world

_DEFS = checklists.load()
BASE = 4 + len(_DEFS["venue"].items) + len(_DEFS["sweep"].items)
"""make_world's own events: import, consignment, file, the venue and sweep answers, open."""


def _walk(session: Session, key: bytes) -> World:
    world = make_world(session, key=key)
    taps = [
        (world.pass_uid("A001"), Mode.ISSUE, {}),
        (world.copy_uid("D1", 1), Mode.ISSUE, {"attendee_code": "A001"}),
        (world.copy_uid("D1", 2), Mode.ISSUE, {"attendee_code": "A003"}),  # refused: clearance
        (world.copy_uid("D1", 1), Mode.COLLECT, {}),
        (world.copy_uid("D1", 1), Mode.REISSUE, {}),
        (world.copy_uid("D1", 1), Mode.RECALL, {}),
    ]
    for uid, mode, kw in taps:
        record_tap(session=session, key=key, meeting_code="M1", uid=uid, mode=mode, **kw)
        session.commit()
    return world


def _verify(session: Session, key: bytes, world: World) -> ledger.ChainReport:
    session.expire_all()
    return ledger.verify_meeting(session, key, world.meeting)


def test_intact_chain_verifies(session: Session, key: bytes) -> None:
    world = _walk(session, key)
    report = _verify(session, key, world)
    assert report.ok and report.count == BASE + 6
    assert report.head_hash == session.get(ledger.LedgerHead, world.meeting.id).hash  # type: ignore[union-attr]


def test_wrong_key_fails_at_first_event(session: Session, key: bytes) -> None:
    world = _walk(session, key)
    report = _verify(session, b"x" * 32, world)
    assert report.broken_seq == 1


@pytest.mark.parametrize(
    ("sql", "broken"),
    [
        ("UPDATE event SET note = 'edited' WHERE seq = 3", 3),
        ("UPDATE event SET verdict = 'accepted' WHERE seq = 3", 3),
        ("UPDATE event SET at = at + interval '1 second' WHERE seq = 4", 4),
        ("DELETE FROM event WHERE seq = 3", 3),
        ("swap", 2),
        ("DELETE FROM event WHERE seq >= 5", 5),
        ("DELETE FROM ledgerhead", 6),
        ("rewind", 5),
    ],
    ids=[
        "edit-note",
        "edit-verdict",
        "edit-time",
        "delete",
        "reorder",
        "truncate",
        "drop-head",
        "rewind-head",
    ],
)
def test_tampering_is_detected(
    session: Session, key: bytes, backend: str, sql: str, broken: int
) -> None:
    world = _walk(session, key)
    # The cases count the walk's own taps from 1: shift them past the setup events.
    broken += BASE
    sql = re.sub(r"seq (>?=) (\d)", lambda m: f"seq {m.group(1)} {int(m.group(2)) + BASE}", sql)
    if backend == "sqlite":
        sql = sql.replace("at + interval '1 second'", "datetime(at, '+1 second')")
    if sql == "swap":
        # (meeting_id, seq) is unique and checked per row, so swap through a free value.
        session.execute(text(f"UPDATE event SET seq = -2 WHERE seq = {BASE + 2}"))
        session.execute(text(f"UPDATE event SET seq = {BASE + 2} WHERE seq = {BASE + 3}"))
        session.execute(text(f"UPDATE event SET seq = {BASE + 3} WHERE seq = -2"))
    elif sql == "rewind":
        # Delete the tail and point the head at the last remaining event: no key needed for
        # that, but the head's MAC binds it to the key and the event count.
        session.execute(text(f"DELETE FROM event WHERE seq = {BASE + 6}"))
        session.execute(
            text(
                f"UPDATE ledgerhead SET seq = {BASE + 5}, hash = (SELECT hash FROM event WHERE seq = {BASE + 5})"
            )
        )
    else:
        session.execute(text(sql))
    session.commit()
    report = _verify(session, key, world)
    assert not report.ok
    assert report.broken_seq == broken, report.problem


def test_key_file_created_0600(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "ledger.key"
    key = ledger.load_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ledger.load_key(path) == key  # stable across runs


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.key"
    ledger.load_key(path)
    os.chmod(path, 0o644)
    with pytest.raises(LedgerError, match="权限过宽"):
        ledger.load_key(path)


def test_garbage_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.key"
    path.write_text("not hex")
    os.chmod(path, 0o600)
    with pytest.raises(LedgerError, match="无法读取台账密钥"):
        ledger.load_key(path)
