"""Ledger: the chain verifies, and editing, deleting, reordering or truncating is detected."""

from __future__ import annotations

import json
import os
import re
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import Session

from carrier_tracker import ledger
from carrier_tracker.custody import checklists
from carrier_tracker.custody.service import record_tap
from carrier_tracker.enums import Action, Mode, Verdict
from carrier_tracker.errors import LedgerError
from carrier_tracker.ledger import keyring
from carrier_tracker.storage.models import LedgerHead
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
    return keyring.verify_meeting(session, key, world.meeting)


def test_intact_chain_verifies(session: Session, key: bytes) -> None:
    world = _walk(session, key)
    report = _verify(session, key, world)
    assert report.ok and report.count == BASE + 6
    assert report.head_hash == session.get(LedgerHead, world.meeting.id).hash  # type: ignore[union-attr]


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


@pytest.mark.parametrize("size", [16, 32, 64, 65, 131])
def test_mac_is_hmac_sha256(size: int) -> None:
    """The keyed MAC set up once per key gives HMAC-SHA256, for keys shorter and longer than
    the hash's block, and never mixes two keys up (it keeps one set-up MAC per key)."""
    import hmac

    keys = [bytes([i % 251]) * size for i in (1, 2)]
    for data in (b"", b"head|1|7|" + b"0" * 64, bytes(range(256)) * 3):
        for k in keys + keys[::-1]:
            assert ledger.mac(k, data) == hmac.digest(k, data, "sha256").hex()


def test_mac_known_answer() -> None:
    """RFC 4231 test case 2 (HMAC-SHA256)."""
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert ledger.mac(b"Jefe", b"what do ya want for nothing?") == expected


def _reference_canonical(event: Any) -> bytes:
    """The canonical form as the json module writes it: the oracle for canonical_bytes."""
    at = event.at
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    body = {name: getattr(event, name) for name in _CANONICAL_FIELDS}
    body["at"] = at.isoformat(timespec="microseconds")
    if event.approver:
        body["approver"] = event.approver
    if event.payload is not None:
        body["payload"] = event.payload
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


_CANONICAL_FIELDS = (
    "action",
    "attendee_id",
    "carrier_id",
    "consignment_id",
    "from_state",
    "meeting_id",
    "note",
    "operator",
    "reason",
    "seq",
    "station",
    "tag_uid",
    "to_state",
    "verdict",
)
_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)  # no lone surrogates
_VALUE = st.one_of(
    st.none(),
    _TEXT,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([Action.ISSUE, Verdict.REFUSED, True, False]),  # subclasses of str and int
)
_AT = st.one_of(
    st.datetimes(),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=8))])),
)


@settings(max_examples=400, deadline=None)
@given(
    values=st.fixed_dictionaries({name: _VALUE for name in _CANONICAL_FIELDS}),
    at=_AT,
    approver=st.one_of(st.just(""), _TEXT),
    payload=st.one_of(st.none(), _TEXT),
)
def test_canonical_bytes_is_sorted_compact_json(
    values: dict[str, Any], at: datetime, approver: str, payload: str | None
) -> None:
    """Byte for byte what ``json.dumps(sort_keys=True)`` writes, for any text (quotes,
    backslashes, control characters, any script), number, null or enum value — every event's
    hash, and so every chain already written, depends on it."""
    event = SimpleNamespace(**values, at=at, approver=approver, payload=payload)
    assert ledger.canonical_bytes(event) == _reference_canonical(event)
