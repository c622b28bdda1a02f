"""Opening the ledger key for a database, and the database-side chain reads that go with it."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from carrier_tracker import messages
from carrier_tracker.errors import LedgerError
from carrier_tracker.ledger.chain import ChainReport, head_mac, verify_events
from carrier_tracker.ledger.keys import FINGERPRINT_SETTING, key_fingerprint, load_key
from carrier_tracker.storage.models import Event, LedgerHead, Meeting


def open_key(engine: Any, path: Path, *, writes: bool) -> bytes:
    """The ledger key for this database, checked against the fingerprint the database holds.

    A database that already holds events never gets a new key: without its key file the
    command stops and says so. A command that writes records the fingerprint the first time
    (a new database, or one made before fingerprints).

    Args:
        engine: the database.
        path: the key file.
        writes: the command may create a key (for a database with no events) and record the
            fingerprint.

    Raises:
        LedgerError: the key is missing for a database with events, or is not this database's.
    """
    from carrier_tracker.storage.db import read_scope, session_scope
    from carrier_tracker.storage.models import Setting, SystemEvent, table_of

    # Core reads, not ORM ones: every writing command opens the key, and the ORM's first query
    # configures every mapper (10-15 ms of the CLI's start).
    setting = table_of(Setting)
    with read_scope(engine) as session:
        recorded = session.execute(
            select(setting.c.value).where(setting.c.name == FINGERPRINT_SETTING)
        ).scalar()
        # Whether any event exists (one row looked at, not a count of 200,000), asked only
        # when no fingerprint says so already.
        has_events = recorded is not None or any(
            session.execute(select(table_of(model).c.id).limit(1)).first() is not None
            for model in (Event, SystemEvent)
        )
    if not path.exists() and has_events:
        raise LedgerError(messages.text("key_missing_for_db", path=path))
    key = load_key(path, create=writes)
    fingerprint = key_fingerprint(key)
    if recorded is not None and not hmac.compare_digest(recorded, fingerprint):
        raise LedgerError(
            messages.text("key_mismatch", path=path, have=fingerprint[:12], want=recorded[:12])
        )
    if recorded is None and writes:
        with session_scope(engine) as session:
            if session.get(Setting, FINGERPRINT_SETTING) is None:
                session.add(Setting(name=FINGERPRINT_SETTING, value=fingerprint))
    return key


def seal_heads(session: Session, key: bytes) -> int:
    """Bind heads written before head MACs existed (schema 0001) to the key; returns how many."""
    count = 0
    for head in session.exec(select(LedgerHead).where(LedgerHead.mac == "")).all():
        if head.seq:
            head.mac = head_mac(key, head.meeting_id, head.seq, head.hash)
            session.add(head)
            count += 1
    return count


def event_rows(session: Session, meeting: Meeting) -> Iterable[Any]:
    """A meeting's events in ``seq`` order as plain rows (attribute access like Event), streamed."""
    table = Event.__table__  # type: ignore[attr-defined]
    # Plain rows: 200,000 ORM objects would dominate the time.
    return (
        session.connection()
        .execute(select(table).where(table.c.meeting_id == meeting.id).order_by(table.c.seq))
        .yield_per(5000)
    )


def verify_meeting(session: Session, key: bytes, meeting: Meeting) -> ChainReport:
    """Verify one meeting's chain as stored."""
    assert meeting.id is not None
    events = event_rows(session, meeting)
    head = session.get(LedgerHead, meeting.id)
    return verify_events(key, meeting.code, events, head)
