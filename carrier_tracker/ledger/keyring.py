"""Opening the ledger key for a database, and the database-side chain reads that go with it."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select as core_select
from sqlmodel import Session, select

from carrier_tracker import messages
from carrier_tracker.errors import LedgerError
from carrier_tracker.ledger.chain import ChainReport, head_mac, verify_events
from carrier_tracker.ledger.keys import FINGERPRINT_SETTING, key_fingerprint, load_key
from carrier_tracker.storage.models import Event, LedgerHead, Meeting


def recorded_fingerprints(session: Session) -> tuple[str | None, str | None]:
    """The key fingerprints this database records: the system chain's genesis (its first
    ``key_recorded`` event, read without verifying the chain) and the settings row."""
    from carrier_tracker.ledger.codec import SystemAction, decode_system
    from carrier_tracker.ledger.events import KeyRecorded
    from carrier_tracker.storage.models import Setting, SystemEvent, table_of

    setting, system = table_of(Setting), table_of(SystemEvent)
    row = session.execute(
        select(setting.c.value).where(setting.c.name == FINGERPRINT_SETTING)
    ).scalar()
    genesis = session.execute(
        core_select(system)
        .where(system.c.action == SystemAction.KEY_RECORDED)
        .order_by(system.c.seq)
        .limit(1)
    ).first()
    event = decode_system(genesis) if genesis is not None else None
    chained = event.fingerprint if isinstance(event, KeyRecorded) else None
    return chained, row


def open_key(engine: Any, path: Path, *, writes: bool) -> bytes:
    """The ledger key for this database, checked against the fingerprints the database holds:
    the one in the system chain's genesis (``key_recorded``), and the settings row.

    Every door opens the key this way (the CLI, the desk, the demo, the export). A database
    that already holds events never gets a new key: without its key file the command stops and
    says so; a key whose fingerprint is not the genesis's is refused, whatever the settings row
    says (it may have been deleted or rewritten). A command that writes records the
    fingerprint row the first time; the genesis event is written with the system chain's first
    event (``storage.system_chain``), or by ``init`` for a database made before it.

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
    with read_scope(engine) as session:
        chained, recorded = recorded_fingerprints(session)
        # Whether any event exists (one row looked at, not a count of 200,000), asked only
        # when no fingerprint says so already.
        has_events = (
            chained is not None
            or recorded is not None
            or any(
                session.execute(select(table_of(model).c.id).limit(1)).first() is not None
                for model in (Event, SystemEvent)
            )
        )
    if not path.exists() and has_events:
        raise LedgerError(messages.text("key_missing_for_db", path=path))
    key = load_key(path, create=writes and not has_events)
    fingerprint = key_fingerprint(key)
    for want in (chained, recorded):
        if want is not None and not hmac.compare_digest(want, fingerprint):
            raise LedgerError(
                messages.text("key_mismatch", path=path, have=fingerprint[:12], want=want[:12])
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
