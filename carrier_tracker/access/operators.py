"""Accountable operators: roles, argon2id PINs, authentication with lockout, the system chain.

Every authentication failure, lockout, operator change and role grant is an event of the system
chain (``SystemEvent``, head ``SystemHead``), chained and head-MACed like a meeting's events.
:func:`audit_system` verifies it and replays the operator changes against the ``operator`` table.
Services elsewhere take names the caller (CLI, TUI) has authenticated; only this module checks PINs.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from sqlalchemy import select as core_select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from carrier_tracker import ledger, messages
from carrier_tracker.access import pin_check
from carrier_tracker.enums import Role
from carrier_tracker.errors import CarrierTrackerError, ConflictError, LedgerError, NotFoundError
from carrier_tracker.storage.models import Operator, SystemEvent, SystemHead, table_of, utcnow

MAX_FAILURES = 5
"""Failed authentications in a row that lock an operator."""
LOCK_FOR = timedelta(minutes=15)
"""How long a lockout lasts."""
PIN_DIGITS = (6, 12)

_DUMMY: list[str] = []


class AuthError(CarrierTrackerError):
    """An authentication was refused (unknown, disabled or locked operator, wrong PIN, a role
    that may not do this); the attempt, when it was one, is in the system chain."""


class Action:
    """System-chain actions."""

    AUTH_FAILED = "auth_failed"
    LOCKED = "locked"
    ADDED = "operator_added"
    ROLE = "role_granted"
    DISABLED = "operator_disabled"
    ENABLED = "operator_enabled"
    PIN_RESET = "pin_reset"
    CARD_BOUND = "card_bound"


CHANGES = frozenset(
    {
        Action.ADDED,
        Action.ROLE,
        Action.DISABLED,
        Action.ENABLED,
        Action.PIN_RESET,
        Action.CARD_BOUND,
    }
)
"""Actions whose payload is the operator's state after the change (name, role, disabled, card)."""


@dataclass(frozen=True)
class Authenticated:
    """An operator whose PIN was checked."""

    name: str
    role: Role

    @property
    def is_officer(self) -> bool:
        """True for an officer."""
        return self.role is Role.OFFICER


def check_pin(pin: str) -> str:
    """A PIN of 6–12 ASCII digits.

    Raises:
        CarrierTrackerError: it is not one.
    """
    low, high = PIN_DIGITS
    if not (low <= len(pin) <= high and pin.isascii() and pin.isdigit()):
        raise CarrierTrackerError(messages.text("pin_format"))
    return pin


def hash_pin(pin: str) -> bytes:
    """The PIN's argon2id hash (PHC string, UTF-8)."""
    return pin_check.HASHER.hash(check_pin(pin)).encode()


def _pin_matches(stored: bytes | None, pin: str) -> bool:
    return stored is not None and pin_check.matches(stored, pin)


def find_operator(session: Session, name: str) -> Operator | None:
    """The operator with this name, or None."""
    return session.exec(select(Operator).where(Operator.name == name)).first()


def _sign_in_row(session: Session, name: str) -> Any:
    """What a sign-in checks of the operator with this name (None: no such operator), read as
    a Core row: the clean success never touches the ORM, whose first query configures every
    mapper (10-15 ms of each CLI command's start)."""
    t = table_of(Operator)
    return session.execute(
        core_select(
            t.c.name, t.c.role, t.c.pin_hash, t.c.disabled, t.c.failed_attempts, t.c.locked_until
        ).where(t.c.name == name)
    ).first()


def _state(op: Operator) -> str:
    state: dict[str, Any] = {"disabled": bool(op.disabled), "name": op.name, "role": op.role}
    if op.card_uid is not None:  # only when bound: states recorded before cards existed still match
        state["card_uid"] = op.card_uid
    return canonical(state)


def canonical(data: Any) -> str:
    """Canonical JSON (sorted keys, no spaces, UTF-8 kept)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# --- the system chain ---------------------------------------------------------------------------


def _lock_head(session: Session) -> SystemHead:
    stmt = select(SystemHead).where(SystemHead.id == 1).with_for_update()
    head = session.exec(stmt.execution_options(populate_existing=True)).first()
    if head is None:
        conn = session.connection()
        dialect = import_module(f"sqlalchemy.dialects.{conn.dialect.name}")
        table = SystemHead.__table__  # type: ignore[attr-defined]
        conn.execute(
            dialect.insert(table)
            .values(id=1, seq=0, hash=ledger.GENESIS, mac="")
            .on_conflict_do_nothing(index_elements=["id"])
        )
        head = session.exec(stmt.execution_options(populate_existing=True)).one()
    return head


def append_system_event(
    *,
    session: Session,
    key: bytes,
    action: str,
    operator: str = "",
    subject: str = "",
    station: str = "",
    note: str = "",
    payload: str | None = None,
    verdict: str = "accepted",
    now: datetime | None = None,
) -> SystemEvent:
    """Append one event to the system chain under its head's lock (the caller commits).

    Raises:
        LedgerError: another writer took the same sequence number.
    """
    head = _lock_head(session)
    event = SystemEvent(
        seq=head.seq + 1,
        action=action,
        verdict=verdict,
        operator=operator,
        subject=subject,
        station=station,
        at=ledger.as_utc(now or utcnow()),
        note=note,
        payload=payload,
        prev_hash=head.hash,
        hash="",
    )
    event.hash = ledger.system_event_hash(key, head.hash, event)
    session.add(event)
    head.seq, head.hash = event.seq, event.hash
    head.mac = ledger.head_mac(key, "system", head.seq, head.hash)
    session.add(head)
    try:
        session.flush()
    except IntegrityError as e:
        raise LedgerError(messages.text("system_seq_conflict", seq=event.seq)) from e
    return event


def _record_change(
    session: Session,
    key: bytes,
    action: str,
    op: Operator,
    by: str,
    station: str,
    now: datetime | None,
) -> None:
    """The system-chain event of an operator change; its payload is the operator's new state."""
    append_system_event(
        session=session,
        key=key,
        action=action,
        operator=by,
        subject=op.name,
        station=station,
        payload=_state(op),
        now=now,
    )


# --- authentication -----------------------------------------------------------------------------


def _until(at: datetime) -> str:
    return messages.local_iso(ledger.as_utc(at).isoformat())


def authenticate(
    *,
    engine: Engine,
    key: bytes,
    name: str,
    pin: str,
    station: str = "",
    now: datetime | None = None,
) -> Authenticated:
    """Check an operator's PIN; a failure is recorded (in its own transaction) before it is raised.

    Five failures in a row lock the operator for 15 minutes; the count and the lock live in the
    ``operator`` row, so another process sees them. A success resets the count.

    Args:
        engine: the database (the attempt commits on its own, whatever the command does next).
        key: the ledger key.
        name: the operator's name.
        pin: the PIN as typed.
        station: the desk, recorded with a failure.
        now: the time (tests inject it).

    Returns:
        The operator and role.

    Raises:
        AuthError: unknown, disabled or locked operator, or a wrong PIN.
    """
    from carrier_tracker.storage.db import read_scope, session_scope

    now = ledger.as_utc(now or utcnow())
    # The PIN is checked outside any write transaction (argon2 takes a while, and a desk must
    # not wait on it); the common case, a clean success, never takes the write lock.
    with read_scope(engine) as session:
        op = _sign_in_row(session, name)
        matches = _pin_matches(op.pin_hash if op is not None else _dummy_hash(), pin)
        if (
            op is not None
            and matches
            and not op.disabled
            and not op.failed_attempts
            and op.locked_until is None
        ):
            return Authenticated(op.name, Role(op.role))
    error: AuthError | None = None
    with session_scope(engine) as session:
        _lock_head(session)  # one writer at a time: counts from two desks never interleave
        op = find_operator(session, name)  # again, under the lock
        if op is None:
            error = AuthError(messages.text("auth_unknown", name=name))
            note = "unknown"
        elif op.disabled:
            error = AuthError(messages.text("auth_disabled", name=name))
            note = "disabled"
        elif op.locked_until is not None and ledger.as_utc(op.locked_until) > now:
            error = AuthError(
                messages.text("auth_locked", name=name, until=_until(op.locked_until))
            )
            note = "locked"
        elif not matches:
            expired = op.locked_until is not None
            op.failed_attempts = (0 if expired else op.failed_attempts) + 1
            op.locked_until = None
            note = "wrong_pin"
            if op.failed_attempts >= MAX_FAILURES:
                op.locked_until = now + LOCK_FOR
                error = AuthError(
                    messages.text(
                        "auth_locked_now",
                        name=name,
                        limit=MAX_FAILURES,
                        until=_until(now + LOCK_FOR),
                    )
                )
            else:
                error = AuthError(
                    messages.text(
                        "auth_wrong_pin",
                        name=name,
                        n=op.failed_attempts,
                        limit=MAX_FAILURES,
                        minutes=int(LOCK_FOR.total_seconds() // 60),
                    )
                )
            session.add(op)
        else:
            if op.failed_attempts or op.locked_until is not None:
                op.failed_attempts, op.locked_until = 0, None
                session.add(op)
            return Authenticated(op.name, Role(op.role))
        append_system_event(
            session=session,
            key=key,
            action=Action.AUTH_FAILED,
            verdict="refused",
            operator=name,
            subject=name,
            station=station,
            note=note,
            now=now,
        )
        if op is not None and note == "wrong_pin" and op.locked_until is not None:
            append_system_event(
                session=session,
                key=key,
                action=Action.LOCKED,
                operator=name,
                subject=name,
                station=station,
                note=ledger.as_utc(op.locked_until).isoformat(),
                now=now,
            )
    raise error


def _dummy_hash() -> bytes:
    if not _DUMMY:
        _DUMMY.append(pin_check.HASHER.hash("000000"))
    return _DUMMY[0].encode()


# --- operator management ------------------------------------------------------------------------


def officers(session: Session) -> list[str]:
    """Names of the officers in use."""
    stmt = select(Operator.name).where(
        Operator.role == Role.OFFICER.value,
        Operator.disabled == False,  # noqa: E712
    )
    return list(session.exec(stmt.order_by(Operator.name)).all())


def add_operator(
    *,
    session: Session,
    key: bytes,
    name: str,
    role: Role,
    pin: str | None,
    by: str,
    station: str = "",
    now: datetime | None = None,
) -> tuple[Operator, bool]:
    """Register an operator, or give a registered one another role (a role grant).

    Args:
        session: the open session (the caller commits).
        key: the ledger key.
        name: the operator.
        role: the role.
        pin: the new operator's PIN (ignored for a role change).
        by: the authenticated officer (or the first officer, at ``init``).
        station: the desk.
        now: the time.

    Returns:
        The operator and whether it was created.

    Raises:
        ConflictError: already registered with that role, disabled, or the last officer
            would lose the role.
        CarrierTrackerError: a malformed PIN.
    """
    now = ledger.as_utc(now or utcnow())
    op = find_operator(session, name)
    if op is None:
        if pin is None:
            raise CarrierTrackerError(messages.text("pin_format"))
        op = Operator(name=name, role=role.value, pin_hash=hash_pin(pin), created_at=now)
        session.add(op)
        session.flush()
        action, created = Action.ADDED, True
    else:
        if op.disabled:
            raise ConflictError(messages.text("operator_is_disabled", name=name))
        if op.role == role.value:
            raise ConflictError(
                messages.text("operator_exists", name=name, role=messages.ROLE_LABEL[op.role])
            )
        _keep_an_officer(session, op)
        op.role = role.value
        session.add(op)
        action, created = Action.ROLE, False
    _record_change(session, key, action, op, by, station, now)
    return op, created


def _existing(session: Session, name: str) -> Operator:
    op = find_operator(session, name)
    if op is None:
        raise NotFoundError(messages.text("operator_unknown", name=name))
    return op


def _keep_an_officer(session: Session, op: Operator) -> None:
    if op.role == Role.OFFICER.value and officers(session) == [op.name]:
        raise ConflictError(messages.text("operator_last_officer", name=op.name))


def disable_operator(
    *,
    session: Session,
    key: bytes,
    name: str,
    by: str,
    station: str = "",
    now: datetime | None = None,
) -> Operator:
    """Disable an operator (the row and its history stay).

    Raises:
        NotFoundError: no such operator.
        ConflictError: already disabled, or the last officer in use.
    """
    op = _existing(session, name)
    if op.disabled:
        raise ConflictError(messages.text("operator_is_disabled", name=name))
    _keep_an_officer(session, op)
    op.disabled = True
    session.add(op)
    _record_change(session, key, Action.DISABLED, op, by, station, now)
    return op


def reset_pin(
    *,
    session: Session,
    key: bytes,
    name: str,
    pin: str,
    by: str,
    station: str = "",
    now: datetime | None = None,
) -> Operator:
    """Give an operator a new PIN and lift a lockout.

    Raises:
        NotFoundError: no such operator.
        CarrierTrackerError: a malformed PIN.
    """
    op = _existing(session, name)
    op.pin_hash = hash_pin(pin)
    op.failed_attempts, op.locked_until = 0, None
    session.add(op)
    # (also brings an operator made before the system chain into it)
    _record_change(session, key, Action.PIN_RESET, op, by, station, now)
    return op


def enable_operator(
    *,
    session: Session,
    key: bytes,
    name: str,
    by: str,
    station: str = "",
    now: datetime | None = None,
) -> Operator:
    """Put a disabled operator back in use (its PIN, role and card are as they were).

    Raises:
        NotFoundError: no such operator.
        ConflictError: the operator is not disabled.
    """
    op = _existing(session, name)
    if not op.disabled:
        raise ConflictError(messages.text("operator_not_disabled", name=name))
    op.disabled = False
    session.add(op)
    _record_change(session, key, Action.ENABLED, op, by, station, now)
    return op


def bind_card(
    *,
    session: Session,
    key: bytes,
    name: str,
    uid: str,
    by: str,
    station: str = "",
    now: datetime | None = None,
) -> Operator:
    """Bind a tag to an operator (an officer taps it to approve at a desk); replaces an earlier one.

    Raises:
        NotFoundError: no such operator.
        BadUid: the UID is malformed.
        ConflictError: the tag is a carrier's (a copy or a pass, in any meeting, or retired from
            one by a retag), another operator's card, or already this operator's.
    """
    from carrier_tracker.storage.models import Carrier, RetiredTag
    from carrier_tracker.uids import normalize_uid

    tag = normalize_uid(uid)
    op = _existing(session, name)
    carrier = session.exec(select(Carrier.id).where(Carrier.tag_uid == tag)).first()
    if carrier is not None:
        raise ConflictError(messages.text("card_is_carrier", uid=tag))
    if session.get(RetiredTag, tag) is not None:  # retired by a retag: a carrier's for good
        raise ConflictError(messages.text("card_is_retired", uid=tag))
    other = session.exec(select(Operator).where(Operator.card_uid == tag)).first()
    if other is not None:
        key_ = "card_is_own" if other.id == op.id else "card_is_other"
        raise ConflictError(messages.text(key_, uid=tag, name=other.name))
    op.card_uid = tag
    session.add(op)
    try:
        session.flush()
    except IntegrityError as e:  # another desk bound it meanwhile
        raise ConflictError(messages.text("card_is_other", uid=tag, name="?")) from e
    _record_change(session, key, Action.CARD_BOUND, op, by, station, now)
    return op


def authenticate_card(
    *,
    engine: Engine,
    key: bytes,
    uid: str,
    station: str = "",
    now: datetime | None = None,
) -> Authenticated:
    """The operator whose bound card was tapped; a tag bound to no one, or a disabled or locked
    operator's, is a failed attempt recorded in the system chain (its own transaction).

    Raises:
        AuthError: no operator has this card, or the operator may not sign now.
        BadUid: the UID is malformed.
    """
    from carrier_tracker.storage.db import read_scope, session_scope
    from carrier_tracker.uids import normalize_uid

    tag = normalize_uid(uid)
    now = ledger.as_utc(now or utcnow())
    with read_scope(engine) as session:
        op = session.exec(select(Operator).where(Operator.card_uid == tag)).first()
        if op is None:
            error, note, name = AuthError(messages.text("card_unknown", uid=tag)), "card", ""
        elif op.disabled:
            error, note, name = (
                AuthError(messages.text("auth_disabled", name=op.name)),
                "disabled",
                op.name,
            )
        elif op.locked_until is not None and ledger.as_utc(op.locked_until) > now:
            until = _until(op.locked_until)
            error = AuthError(messages.text("auth_locked", name=op.name, until=until))
            note, name = "locked", op.name
        else:
            return Authenticated(op.name, Role(op.role))
    with session_scope(engine) as session:
        append_system_event(
            session=session,
            key=key,
            action=Action.AUTH_FAILED,
            verdict="refused",
            operator=name,
            subject=name or tag,
            station=station,
            note=f"card {note}" if note != "card" else f"card {tag}",
            now=now,
        )
    raise error


def list_operators(session: Session, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every operator: name, role, disabled, locked_until (ISO, UTC, or None), created_at."""
    now = ledger.as_utc(now or utcnow())
    rows = []
    for op in session.exec(select(Operator).order_by(Operator.name)).all():
        locked = op.locked_until is not None and ledger.as_utc(op.locked_until) > now
        rows.append(
            {
                "name": op.name,
                "role": op.role,
                "disabled": bool(op.disabled),
                "locked_until": ledger.as_utc(op.locked_until).isoformat().replace("+00:00", "Z")
                if locked and op.locked_until is not None
                else None,
                "created_at": ledger.as_utc(op.created_at).isoformat().replace("+00:00", "Z")
                if op.created_at is not None
                else None,
            }
        )
    return rows


# --- verify -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SystemReport:
    """The system chain verified and its operator changes replayed against the table."""

    count: int
    head_hash: str
    broken_seq: int | None = None
    problem: str = ""
    differences: list[str] = field(default_factory=list)

    @property
    def chain_ok(self) -> bool:
        """True when the hash chain and its head verify."""
        return self.broken_seq is None

    @property
    def ok(self) -> bool:
        """True when the chain verifies and the table is what it says."""
        return self.chain_ok and not self.differences


def audit_system(session: Session, key: bytes) -> SystemReport:
    """Verify the system chain and compare its replay with the ``operator`` table."""
    prev, count = ledger.GENESIS, 0
    expected: dict[str, dict[str, Any]] = {}
    for ev in session.exec(select(SystemEvent).order_by(col(SystemEvent.seq))).all():
        count += 1
        problem = ""
        if ev.seq != count:
            problem = messages.text("chain_gap", expected=count, seq=ev.seq)
        elif ev.prev_hash != prev:
            problem = messages.text("chain_prev_hash")
        elif not hmac.compare_digest(ledger.system_event_hash(key, prev, ev), ev.hash):
            problem = messages.text("chain_content_changed")
        if problem:
            return SystemReport(count, prev, count, problem)
        prev = ev.hash
        if ev.action in CHANGES and ev.payload:
            state = json.loads(ev.payload)
            expected[state["name"]] = state
    head = session.get(SystemHead, 1)
    if head is None and count:
        return SystemReport(count, prev, count, messages.text("chain_head_missing"))
    if head is not None and (head.seq != count or head.hash != prev):
        return SystemReport(
            count, prev, count + 1, messages.text("chain_tail_missing", seq=head.seq)
        )
    if head is not None and count:
        mac = ledger.head_mac(key, "system", head.seq, head.hash)
        if not hmac.compare_digest(head.mac or "", mac):
            return SystemReport(count, prev, count, messages.text("chain_head_mac"))
    return SystemReport(count, prev, differences=_compare(session, expected))


def _shown(state: dict[str, Any]) -> str:
    disabled = messages.text("system_disabled") if state["disabled"] else ""
    role = messages.ROLE_LABEL.get(state["role"], state["role"])
    shown = messages.text("system_operator_state", role=role, disabled=disabled)
    card = state.get("card_uid")
    return shown + (messages.text("system_card", uid=card) if card else "")


def _compare(session: Session, expected: dict[str, dict[str, Any]]) -> list[str]:
    rows = {op.name: op for op in session.exec(select(Operator).order_by(Operator.name)).all()}
    out = []
    for name in sorted(expected.keys() | rows.keys()):
        want, op = expected.get(name), rows.get(name)
        if op is None:
            assert want is not None
            out.append(messages.text("system_missing_row", name=name, want=_shown(want)))
            continue
        have = json.loads(_state(op))
        if want is None:
            out.append(messages.text("system_extra_row", name=name, have=_shown(have)))
        elif want != have:
            what = messages.text("system_operator", name=name)
            out.append(
                messages.text("audit_difference", what=what, want=_shown(want), have=_shown(have))
            )
    return out
