"""Bringing a database written by an earlier version into the chains (run by ``init``): the key's
fingerprint in the system chain, every meeting registered there, every PIN hash's digest
recorded, every head sealed.

A database made by this version needs none of it (import registers its meeting, operator
changes record their PIN's digest, the system chain starts with the key); an older one gets it
once, and only when every chain verifies with the key given, so a wrong key is never adopted.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from carrier_tracker import messages
from carrier_tracker.errors import LedgerError
from carrier_tracker.ledger import events as ev
from carrier_tracker.ledger.audit import audit_meeting, audit_system
from carrier_tracker.ledger.chain import as_utc, pin_digest
from carrier_tracker.ledger.codec import SystemAction
from carrier_tracker.ledger.keyring import seal_heads
from carrier_tracker.ledger.keys import key_fingerprint
from carrier_tracker.storage.models import Meeting, Operator, table_of, utcnow
from carrier_tracker.storage.system_chain import append_system, register_meeting


@dataclass(frozen=True)
class Upgraded:
    """What ``init`` brought into the chains."""

    key_recorded: bool = False
    meetings: int = 0
    pins: int = 0
    heads: int = 0

    @property
    def anything(self) -> bool:
        """True when something was recorded."""
        return self.key_recorded or bool(self.meetings or self.pins or self.heads)


def bring_into_chains(session: Session, key: bytes, *, by: str = "", station: str = "") -> Upgraded:
    """Record what an older database lacks (see the module's docstring).

    Raises:
        LedgerError: a chain does not verify with this key (the wrong key, or a damaged
            database): nothing is recorded.
    """
    heads = seal_heads(session, key)
    system = audit_system(session, key)
    if not system.chain_ok:
        raise LedgerError(
            messages.text(
                "upgrade_broken", chain=messages.text("system_chain"), seq=system.broken_seq
            )
        )
    m = table_of(Meeting)
    meetings = session.connection().execute(select(m.c.id, m.c.code).order_by(m.c.id)).all()
    unregistered = [row for row in meetings if row.id not in system.world.meetings]
    key_recorded = False
    if system.world.fingerprint is None and system.count:
        for row in meetings:  # a wrong key must never be adopted: every chain verifies first
            report = audit_meeting(session, key, row, system=system)
            if not report.chain.ok:
                raise LedgerError(
                    messages.text("upgrade_broken", chain=row.code, seq=report.chain.broken_seq)
                )
        append_system(
            session,
            key,
            ev.KeyRecorded(
                ev.SystemStamp(seq=0, at=as_utc(utcnow()), operator=by, station=station),
                fingerprint=key_fingerprint(key),
            ),
        )
        key_recorded = True
    for row in unregistered:
        report = audit_meeting(session, key, row, system=system)
        if not report.chain.ok:
            raise LedgerError(
                messages.text("upgrade_broken", chain=row.code, seq=report.chain.broken_seq)
            )
        if report.chain.count:
            register_meeting(session, key, row, operator=by, station=station)
    pins = record_pins(session, key, by=by, station=station)
    return Upgraded(key_recorded, len(unregistered), pins, heads)


def record_pins(session: Session, key: bytes, *, by: str = "", station: str = "") -> int:
    """Record in the system chain the digest of every operator's PIN hash it does not know yet
    (an operator made before the system chain is recorded as it is); returns how many."""
    world = audit_system(session, key).world
    t = table_of(Operator)
    rows = session.connection().execute(
        select(t.c.name, t.c.role, t.c.disabled, t.c.card_uid, t.c.pin_hash).order_by(t.c.name)
    )
    count = 0
    for name, role, disabled, card, pin_hash in rows:
        if pin_hash is None:
            continue
        digest = pin_digest(key, bytes(pin_hash))
        known = world.operators.get(name)
        if known is not None and known.pin == digest:
            continue
        at = as_utc(utcnow())
        stamp = ev.SystemStamp(seq=0, at=at, operator=by, subject=name, station=station)
        if known is None:  # made before the system chain: recorded as it is
            state = ev.OperatorState(name, role, bool(disabled), card, digest)
            append_system(session, key, ev.OperatorChanged(stamp, SystemAction.ADDED, state))
        else:
            append_system(session, key, ev.PinRekeyed(stamp, digest, SystemAction.PIN_RECORDED))
        count += 1
    return count
