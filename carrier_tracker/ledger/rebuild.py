"""``rebuild``: a fresh database written from an old one's chains alone — the system chain and
every meeting it registers — never in place.

The chains are copied verbatim (same seqs, hashes and heads); every table row is the fold's
projection; an operator keeps the PIN hash of the old table only when its digest is the one the
system chain set (otherwise the operator is rebuilt without a PIN: an officer resets it). It
refuses, naming the first break, when a chain does not verify with the key; a meeting the system
chain does not register, or whose import recorded no snapshot, cannot be rebuilt and is named.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.engine import Engine

from carrier_tracker import messages
from carrier_tracker.errors import CarrierTrackerError
from carrier_tracker.ledger import codec
from carrier_tracker.ledger.audit import MeetingAudit, audit_system, event_rows, system_rows
from carrier_tracker.ledger.chain import head_mac, pin_digest
from carrier_tracker.ledger.fold import MeetingWorld, SystemWorld
from carrier_tracker.ledger.keys import FINGERPRINT_SETTING, key_fingerprint
from carrier_tracker.storage import db
from carrier_tracker.storage.models import (
    Attendee,
    Carrier,
    ChecklistAnswer,
    Consignment,
    Disposition,
    Document,
    Event,
    LedgerHead,
    Meeting,
    Operator,
    Place,
    RetiredTag,
    Setting,
    SystemEvent,
    SystemHead,
    table_of,
)

BATCH = 5000


class RebuildError(CarrierTrackerError):
    """The old database cannot be rebuilt (a chain breaks, the target is not empty, …)."""


@dataclass
class Rebuilt:
    """What ``rebuild`` wrote."""

    meetings: list[tuple[str, int]] = field(default_factory=list)
    """(code, events) of each meeting rebuilt."""
    system_events: int = 0
    operators: int = 0
    without_pin: list[str] = field(default_factory=list)
    """Operators whose old PIN hash was not the one the system chain set."""
    skipped: list[str] = field(default_factory=list)
    """Meetings the chains cannot rebuild, named with why."""


def rebuild(
    *,
    old: Engine,
    new: Engine,
    key: bytes,
    say: Callable[[str], None] = lambda _line: None,
) -> Rebuilt:
    """Write ``new`` (an empty database) from the chains of ``old``.

    Args:
        old: the database to rebuild from (only read).
        new: the database to write (its schema is created; it must hold no rows).
        key: the ledger key of ``old``.
        say: called with a line of progress now and then.

    Raises:
        RebuildError: a chain does not verify (named with its first break), or ``new`` holds
            data already.
    """
    _refuse_same(old, new)
    done = Rebuilt()
    with db.read_scope(old) as session:
        system = audit_system(session, key)
        if not system.chain_ok:
            raise RebuildError(
                messages.text(
                    "rebuild_broken",
                    chain=messages.text("system_chain"),
                    seq=system.broken_seq,
                    problem=system.problem,
                )
            )
        say(messages.text("rebuild_system", count=system.count))
        m = table_of(Meeting)
        rows = {r.id: r for r in session.connection().execute(select(m.c.id, m.c.code))}
        for mid, code in sorted((mid, r.code) for mid, r in rows.items()):
            if mid not in system.world.meetings:
                done.skipped.append(messages.text("rebuild_unregistered", code=code))
        db.upgrade(new)
        _refuse_nonempty(new)
        with new.begin() as target:
            done.system_events = _copy_system(session, target, system.world, key, done)
            for mid, reg in sorted(system.world.meetings.items()):
                audit = MeetingAudit(key, rows.get(mid) or _Named(mid, reg.code), system)
                events: list[Any] = []
                for row in event_rows(session, mid):
                    audit.feed(row)
                    events.append(row)
                head = session.get(LedgerHead, mid)
                chain = audit.verifier.report(head)
                if not chain.ok:
                    raise RebuildError(
                        messages.text(
                            "rebuild_broken",
                            chain=reg.code,
                            seq=chain.broken_seq,
                            problem=chain.problem,
                        )
                    )
                world = audit.world
                if not world.meeting.snapshot:
                    done.skipped.append(messages.text("rebuild_no_snapshot", code=reg.code))
                    continue
                _write_meeting(target, mid, world, events, head, key)
                done.meetings.append((reg.code, len(events)))
                say(messages.text("rebuild_meeting", code=reg.code, count=len(events)))
            _advance_sequences(target)
    return done


@dataclass(frozen=True)
class _Named:
    id: int
    code: str


def _refuse_same(old: Engine, new: Engine) -> None:
    if old is new:
        raise RebuildError(messages.text("rebuild_in_place"))
    in_memory = old.url.get_backend_name() == "sqlite" and old.url.database in (
        None,
        "",
        ":memory:",
    )
    if not in_memory and old.url.render_as_string(hide_password=False) == new.url.render_as_string(
        hide_password=False
    ):
        raise RebuildError(messages.text("rebuild_in_place"))
    old_file, new_file = db.sqlite_file(old.url), db.sqlite_file(new.url)
    if old_file is not None and new_file is not None and old_file.resolve() == new_file.resolve():
        raise RebuildError(messages.text("rebuild_in_place"))


def _refuse_nonempty(new: Engine) -> None:
    with new.connect() as conn:
        for model in (Meeting, Event, SystemEvent, Operator):
            if conn.execute(select(table_of(model).c[_first_key(model)]).limit(1)).first():
                url = new.url.render_as_string(hide_password=True)
                raise RebuildError(messages.text("rebuild_not_empty", url=url))


def _first_key(model: Any) -> str:
    return str(next(iter(table_of(model).primary_key.columns)).name)


def _copy_system(session: Any, target: Any, world: SystemWorld, key: bytes, done: Rebuilt) -> int:
    count = 0
    table = table_of(SystemEvent)
    columns = [c.name for c in table.c]
    batch: list[dict[str, Any]] = []
    last = None
    for row in system_rows(session):
        batch.append({c: getattr(row, c) for c in columns})
        last = row
        count += 1
        if len(batch) >= BATCH:
            target.execute(insert(table), batch)
            batch = []
    if batch:
        target.execute(insert(table), batch)
    if last is not None:
        target.execute(
            insert(table_of(SystemHead)),
            [
                {
                    "id": 1,
                    "seq": last.seq,
                    "hash": last.hash,
                    "mac": head_mac(key, "system", last.seq, last.hash),
                }
            ],
        )
    if world.fingerprint is not None or count:
        target.execute(
            insert(table_of(Setting)),
            [{"name": FINGERPRINT_SETTING, "value": key_fingerprint(key)}],
        )
    old_hashes = {
        name: pin_hash
        for name, pin_hash in session.connection().execute(
            select(table_of(Operator).c.name, table_of(Operator).c.pin_hash)
        )
    }
    operators = []
    for op in world.operators.values():
        stored = old_hashes.get(op.name)
        keep = (
            stored is not None and op.pin is not None and pin_digest(key, bytes(stored)) == op.pin
        )
        if not keep:
            done.without_pin.append(op.name)
        operators.append(
            {
                "name": op.name,
                "role": op.role,
                "disabled": op.disabled,
                "card_uid": op.card_uid,
                "pin_hash": bytes(stored) if keep and stored is not None else None,
                "failed_attempts": op.failed_attempts,
                "locked_until": op.locked_until,
                "created_at": op.added_at,
            }
        )
    if operators:
        target.execute(insert(table_of(Operator)), operators)
    places = [
        {"kind": p.kind, "name": p.name, "added_by": p.added_by, "added_at": p.added_at}
        for p in world.places.values()
    ]
    if places:
        target.execute(insert(table_of(Place)), places)
    done.operators = len(operators)
    return count


def _write_meeting(
    target: Any, mid: int, world: MeetingWorld, events: list[Any], head: Any, key: bytes
) -> None:
    m = world.meeting
    target.execute(
        insert(table_of(Meeting)),
        [
            {
                "id": mid,
                "code": m.code,
                "title": m.title,
                "level": m.level,
                "venue": m.venue,
                "starts_at": codec.time_of(m.starts_at),
                "ends_at": codec.time_of(m.ends_at),
                "organizer": m.organizer,
                "officer": m.officer,
                "requires_passes": m.requires_passes,
                "kind": m.kind,
                "due_on": codec.date_of(m.due_on),
                "status": m.status.value,
                "closed_at": m.closed_at,
                "closed_by": m.closed_by,
                "close_note": m.close_note,
                "close_approver": m.close_approver,
                "created_at": m.created_at,
                "filed_ref": m.filed_ref,
                "filed_on": codec.date_of(m.filed_on),
                "filed_by": m.filed_by,
                "plan_title": m.plan_title,
            }
        ],
    )
    people = sorted(world.attendees.values(), key=lambda a: a.id)  # absent before substitutes
    _insert(
        target,
        Attendee,
        [
            {
                "id": a.id,
                "meeting_id": mid,
                "code": a.code,
                "name": a.name,
                "unit": a.unit,
                "title": a.title,
                "out_of_town": a.out_of_town,
                "clearance": a.clearance,
                "pass_number": a.pass_number,
                "pledge_on": codec.date_of(a.pledge_on),
                "briefed_on": codec.date_of(a.briefed_on),
                "substitute_for_id": a.substitute_for_id,
            }
            for a in people
        ],
    )
    _insert(
        target,
        Document,
        [
            {
                "id": d.id,
                "meeting_id": mid,
                "number": d.number,
                "title": d.title,
                "level": d.level,
                "copies": d.copies,
                "collect_at_breaks": d.collect_at_breaks,
                "may_take_away": d.may_take_away,
                "plan": d.plan,
            }
            for d in sorted(world.documents.values(), key=lambda d: d.id)
        ],
    )
    _insert(
        target,
        Consignment,
        [
            {
                "id": k.id,
                "meeting_id": mid,
                "number": k.number,
                "unit": k.unit,
                "recipient": k.recipient,
                "attendee_id": k.attendee_id,
                "state": k.state,
                "created_at": k.created_at,
                "dispatched_at": k.dispatched_at,
                "received_at": k.received_at,
            }
            for k in sorted(world.consignments.values(), key=lambda k: k.id)
        ],
    )
    _insert(
        target,
        Carrier,
        [
            {
                "id": c.id,
                "meeting_id": mid,
                "kind": c.kind,
                "document_id": c.document_id,
                "copy_number": c.copy_number,
                "owner_id": c.owner_id,
                "tag_uid": c.tag_uid,
                "tag_released": c.tag_released,
                "state": c.custody.state.value,
                "holder_id": c.custody.holder_id,
                "remembered_holder_id": c.custody.remembered_id,
                "consignment_id": c.custody.consignment_id,
                "state_since": c.state_since,
                "version": len(world.later_moves.get(c.id, ())),
            }
            for c in sorted(world.carriers.values(), key=lambda c: c.id)
        ],
    )
    columns = [c.name for c in table_of(Event).c]
    _insert(target, Event, [{c: getattr(row, c, None) for c in columns} for row in events])
    if head is not None:
        _insert(
            target,
            LedgerHead,
            [
                {
                    "meeting_id": mid,
                    "seq": head.seq,
                    "hash": head.hash,
                    "mac": head_mac(key, mid, head.seq, head.hash),
                }
            ],
        )
    _insert(
        target,
        ChecklistAnswer,
        [
            {
                "meeting_id": mid,
                "checklist": a.checklist,
                "item": a.item,
                "answer": a.answer,
                "note": a.note,
                "operator": a.operator,
                "answered_at": a.answered_at,
                "accepted_by": a.accepted_by,
                "accept_note": a.accept_note,
                "accepted_at": a.accepted_at,
            }
            for a in world.answers.values()
        ],
    )
    _insert(
        target,
        RetiredTag,
        [
            {
                "uid": r.uid,
                "meeting_id": mid,
                "carrier_id": r.carrier_id,
                "replaced_by": r.replaced_by,
                "at": r.at,
            }
            for r in world.retired.values()
        ],
    )
    _insert(
        target,
        Disposition,
        [
            {
                "carrier_id": d.carrier_id,
                "meeting_id": mid,
                "kind": d.kind,
                "seq": d.seq,
                "at": d.at,
                "operator": d.operator,
                "witnesses": d.witnesses,
                "method": d.method,
                "location": d.location,
                "unit": d.unit,
            }
            for d in sorted(world.dispositions.values(), key=lambda d: d.carrier_id)
        ],
    )


def _insert(target: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    table = table_of(model)
    for start in range(0, len(rows), BATCH):
        target.execute(insert(table), rows[start : start + BATCH])


def _advance_sequences(target: Any) -> None:
    """PostgreSQL hands out ids from sequences: rows inserted with their ids leave them behind."""
    if target.dialect.name != "postgresql":
        return
    for model in (
        Meeting,
        Attendee,
        Document,
        Consignment,
        Carrier,
        Event,
        SystemEvent,
        Operator,
        ChecklistAnswer,
    ):
        name = table_of(model).name
        target.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'),"
                f" COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            )
        )
