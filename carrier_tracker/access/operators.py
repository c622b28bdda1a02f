"""Accountable operators: roles, peppered argon2id PINs, authentication with lockout.

Every operator change, authentication failure, lockout and its lifting is an event of the system
chain (typed in :mod:`carrier_tracker.ledger.events`, appended by
:mod:`carrier_tracker.storage.system_chain`); the ``operator`` table is its projection, which
``verify`` compares (:func:`carrier_tracker.ledger.audit.audit_system`). Each PIN hash the chain
sets is recorded as a digest, so a hash swapped in the table is named. Services elsewhere take
names the caller (CLI, TUI) has authenticated; only this module checks PINs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select as core_select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from carrier_tracker import ledger, messages
from carrier_tracker.access import pin_check
from carrier_tracker.enums import Role
from carrier_tracker.errors import CarrierTrackerError, ConflictError, NotFoundError
from carrier_tracker.ledger import events as ev
from carrier_tracker.ledger.codec import SystemAction as Action
from carrier_tracker.ledger.fold import LOCK_FOR, MAX_FAILURES, lockout_after_failure
from carrier_tracker.storage.models import Operator, table_of, utcnow
from carrier_tracker.storage.system_chain import append_system, lock_system_head, recorded_pin

PIN_DIGITS = (6, 12)

_DUMMY: list[str] = []


class AuthError(CarrierTrackerError):
    """An authentication was refused (unknown, disabled or locked operator, wrong PIN, a role
    that may not do this); the attempt, when it was one, is in the system chain."""


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


def hash_pin(pin: str, *, key: bytes, name: str) -> bytes:
    """The stored hash of an operator's PIN: argon2id of the PIN bound to the name and peppered
    with the ledger key (``pin_check.make_hash``)."""
    return pin_check.make_hash(key, name, check_pin(pin))


def _pin_matches(stored: bytes | None, pin: str, key: bytes, name: str) -> bool:
    return stored is not None and pin_check.matches(stored, pin, key=key, name=name)


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


def _system_stamp(
    *,
    operator: str = "",
    subject: str = "",
    station: str = "",
    now: datetime | None = None,
    verdict: str = "accepted",
    note: str = "",
) -> ev.SystemStamp:
    return ev.SystemStamp(
        seq=0,
        at=ledger.as_utc(now or utcnow()),
        verdict=verdict,
        operator=operator,
        subject=subject,
        station=station,
        note=note,
    )


def _operator_state(key: bytes, op: Operator, *, pin: bool) -> ev.OperatorState:
    """The operator as the change leaves them (with the digest of the PIN hash it sets)."""
    return ev.OperatorState(
        name=op.name,
        role=op.role,
        disabled=bool(op.disabled),
        card_uid=op.card_uid,
        pin=ledger.pin_digest(key, bytes(op.pin_hash)) if pin and op.pin_hash else None,
    )


# --- the system chain ---------------------------------------------------------------------------


def _record_change(
    session: Session,
    key: bytes,
    action: str,
    op: Operator,
    by: str,
    station: str,
    now: datetime | None,
    *,
    pin: bool = False,
) -> None:
    """The system-chain event of an operator change: the operator's state after it (``pin``:
    the change set a PIN hash, whose digest it records)."""
    append_system(
        session,
        key,
        ev.OperatorChanged(
            _system_stamp(operator=by, subject=op.name, station=station, now=now),
            kind=action,
            state=_operator_state(key, op, pin=pin),
        ),
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
    card: str | None = None,
) -> Authenticated:
    """Check an operator's PIN; a failure is recorded (in its own transaction) before it is raised.

    Five failures in a row lock the operator for 15 minutes; the count and the lock live in the
    ``operator`` row (so another process sees them) and in the system chain (so ``verify`` names
    a count reset behind its back). A success after failures clears them, as an event too. A PIN
    hash made before PINs were peppered is re-made on success (a ``pin_rekeyed`` event).

    Args:
        engine: the database (the attempt commits on its own, whatever the command does next).
        key: the ledger key.
        name: the operator's name.
        pin: the PIN as typed.
        station: the desk, recorded with a failure.
        now: the time (tests inject it).
        card: the UID of the card the operator tapped with the PIN (a desk's sign-in): the
            operator's own bound card lets them in while a lockout of wrong PINs holds, since
            whoever guessed PINs did not hold the card.

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
        stored = op.pin_hash if op is not None else _dummy_hash()
        matches = _pin_matches(stored, pin, key, name)
        # A hash the system chain never set (swapped in the table) opens nothing.
        chained = recorded_pin(session, name) if op is not None else None
        genuine = chained is None or chained == ledger.pin_digest(key, bytes(stored))
        if (
            op is not None
            and matches
            and genuine
            and not op.disabled
            and not op.failed_attempts
            and op.locked_until is None
            and pin_check.peppered(bytes(stored))
        ):
            return Authenticated(op.name, Role(op.role))
    error: AuthError | None = None
    with session_scope(engine) as session:
        lock_system_head(session)  # one writer at a time: counts from two desks never interleave
        op = find_operator(session, name)  # again, under the lock
        with_card = op is not None and card is not None and op.card_uid == card
        locked = (
            op is not None and op.locked_until is not None and ledger.as_utc(op.locked_until) > now
        )
        note = ""
        if op is None:
            error, note = AuthError(messages.text("auth_unknown", name=name)), "unknown"
        elif op.disabled:
            error, note = AuthError(messages.text("auth_disabled", name=name)), "disabled"
        elif locked and not (with_card and matches):
            assert op.locked_until is not None
            error = AuthError(
                messages.text("auth_locked", name=name, until=_until(op.locked_until))
            )
            note = "locked"
        elif not genuine:  # the hash is not the one the system chain set: an alarm, not a guess
            error, note = AuthError(messages.text("auth_pin_replaced", name=name)), "pin_replaced"
        elif not matches:
            note = "wrong_pin"
            lockout_after_failure(op, note, now)
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
            _signed_in(session, key, op, pin, station, now)
            return Authenticated(op.name, Role(op.role))
        stamp = _system_stamp(
            operator=name, subject=name, station=station, now=now, verdict="refused"
        )
        append_system(session, key, ev.AuthFailed(stamp, why=note))
        if op is not None and note == "wrong_pin" and op.locked_until is not None:
            append_system(
                session,
                key,
                ev.Locked(
                    _system_stamp(operator=name, subject=name, station=station, now=now),
                    until=ledger.as_utc(op.locked_until),
                ),
            )
    raise error


def _signed_in(
    session: Session, key: bytes, op: Operator, pin: str, station: str, now: datetime
) -> None:
    """A successful sign-in under the system head's lock: failures cleared, an old hash re-made
    with the pepper — each an event of the system chain."""
    stamp = _system_stamp(operator=op.name, subject=op.name, station=station, now=now)
    if op.failed_attempts or op.locked_until is not None:
        op.failed_attempts, op.locked_until = 0, None
        session.add(op)
        append_system(session, key, ev.AuthCleared(stamp))
    if op.pin_hash is not None and not pin_check.peppered(bytes(op.pin_hash)):
        op.pin_hash = hash_pin(pin, key=key, name=op.name)
        session.add(op)
        append_system(session, key, ev.PinRekeyed(stamp, pin=ledger.pin_digest(key, op.pin_hash)))


def unlock_operator(
    *,
    session: Session,
    key: bytes,
    name: str,
    by: str,
    station: str = "",
    now: datetime | None = None,
) -> Operator:
    """Lift an operator's lockout (an officer, not the operator: when the only officer is
    locked, a second officer lifts it, or they sign in at a desk with card and PIN).

    Raises:
        NotFoundError: no such operator.
        ConflictError: the operator is not locked, or is the one asking.
    """
    op = _existing(session, name)
    now = ledger.as_utc(now or utcnow())
    if by == op.name:
        raise ConflictError(messages.text("unlock_self", name=name))
    if op.locked_until is None and not op.failed_attempts:
        raise ConflictError(messages.text("unlock_not_locked", name=name))
    op.failed_attempts, op.locked_until = 0, None
    session.add(op)
    append_system(
        session,
        key,
        ev.LockLifted(_system_stamp(operator=by, subject=name, station=station, now=now)),
    )
    return op


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
        return register(
            session=session,
            key=key,
            name=name,
            role=role,
            pin_hash=hash_pin(pin, key=key, name=name),
            by=by,
            station=station,
            now=now,
        ), True
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
    _record_change(session, key, Action.ROLE, op, by, station, now)
    return op, False


def register(
    *,
    session: Session,
    key: bytes,
    name: str,
    role: Role,
    pin_hash: bytes,
    by: str,
    station: str = "",
    now: datetime | None = None,
) -> Operator:
    """Add a new operator row with a PIN hash made by :func:`hash_pin`, and its system event
    (recording the hash's digest)."""
    now = ledger.as_utc(now or utcnow())
    op = Operator(name=name, role=role.value, pin_hash=pin_hash, created_at=now)
    session.add(op)
    session.flush()
    _record_change(session, key, Action.ADDED, op, by, station, now, pin=True)
    return op


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
    op.pin_hash = hash_pin(pin, key=key, name=op.name)
    op.failed_attempts, op.locked_until = 0, None
    session.add(op)
    # (also brings an operator made before the system chain into it)
    _record_change(session, key, Action.PIN_RESET, op, by, station, now, pin=True)
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


def card_holder(engine: Engine, uid: str) -> str | None:
    """The name of the enabled operator whose bound card has this UID (a desk's sign-in fills
    the name from it), or None. Reads only: the PIN typed next is what ``authenticate`` checks
    and records.

    Raises:
        BadUid: the UID is malformed.
    """
    from carrier_tracker.storage.db import read_scope
    from carrier_tracker.uids import normalize_uid

    tag = normalize_uid(uid)
    with read_scope(engine) as session:
        op = session.exec(select(Operator).where(Operator.card_uid == tag)).first()
        return None if op is None or op.disabled else op.name


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
        stamp = _system_stamp(
            operator=name, subject=name or tag, station=station, now=now, verdict="refused"
        )
        why = f"card {note}" if note != "card" else f"card {tag}"
        append_system(session, key, ev.AuthFailed(stamp, why=why))
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
