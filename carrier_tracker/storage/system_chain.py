"""Appending to the system chain: operators, authentication, the key's fingerprint and the
meetings that exist (docs/architecture.md, "The system chain")."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from carrier_tracker import ledger, messages
from carrier_tracker.errors import LedgerError
from carrier_tracker.ledger import codec
from carrier_tracker.ledger import events as ev
from carrier_tracker.storage.models import Event, SystemEvent, SystemHead, table_of


def lock_system_head(session: Session) -> SystemHead:
    """The system chain's head, locked (created on first use)."""
    stmt = select(SystemHead).where(SystemHead.id == 1).with_for_update()
    head = session.exec(stmt.execution_options(populate_existing=True)).first()
    if head is None:
        conn = session.connection()
        dialect = import_module(f"sqlalchemy.dialects.{conn.dialect.name}")
        conn.execute(
            dialect.insert(table_of(SystemHead))
            .values(id=1, seq=0, hash=ledger.GENESIS, mac="")
            .on_conflict_do_nothing(index_elements=["id"])
        )
        head = session.exec(stmt.execution_options(populate_existing=True)).one()
    return head


def append_system(session: Session, key: bytes, event: ev.SystemEvent) -> SystemEvent:
    """Append one typed event to the system chain under its head's lock (the caller commits).

    Raises:
        LedgerError: another writer took the same sequence number.
    """
    head = lock_system_head(session)
    if head.seq == 0 and not isinstance(
        event, ev.KeyRecorded
    ):  # the genesis: the key's fingerprint
        genesis = ev.KeyRecorded(
            ev.SystemStamp(seq=0, at=event.stamp.at, operator=event.stamp.operator),
            fingerprint=ledger.key_fingerprint(key),
        )
        append_system(session, key, genesis)
    row = SystemEvent(seq=head.seq + 1, prev_hash=head.hash, hash="", **codec.encode_system(event))
    row.hash = ledger.system_event_hash(key, head.hash, row)
    session.add(row)
    head.seq, head.hash = row.seq, row.hash
    head.mac = ledger.head_mac(key, "system", head.seq, head.hash)
    session.add(head)
    try:
        session.flush()
    except IntegrityError as e:
        raise LedgerError(messages.text("system_seq_conflict", seq=row.seq)) from e
    return row


def register_meeting(
    session: Session, key: bytes, meeting: Any, *, operator: str = "", station: str = ""
) -> None:
    """Record in the system chain that this meeting exists, with the first hash of its chain
    (call it once the meeting's first event is appended)."""
    e = table_of(Event)
    first = (
        session.connection()
        .execute(core_select(e.c.hash, e.c.at).where(e.c.meeting_id == meeting.id, e.c.seq == 1))
        .one()
    )
    append_system(
        session,
        key,
        ev.MeetingRegistered(
            ev.SystemStamp(
                seq=0, at=first.at, operator=operator, subject=meeting.code, station=station
            ),
            meeting_id=meeting.id,
            code=meeting.code,
            first_hash=first.hash,
        ),
    )


def recorded_pin(session: Session, name: str) -> str | None:
    """The digest of the PIN hash the system chain last set for this operator (None: it never
    recorded one), read without verifying the chain (``verify`` does that)."""
    t = table_of(SystemEvent)
    rows = session.connection().execute(
        core_select(t).where(t.c.subject == name, t.c.payload.is_not(None)).order_by(t.c.seq.desc())
    )
    for row in rows:
        event = codec.decode_system(row)
        if isinstance(event, ev.OperatorChanged) and event.state.pin is not None:
            return event.state.pin
        if isinstance(event, ev.PinRekeyed):
            return event.pin
    return None
