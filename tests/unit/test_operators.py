"""Operators as a service: PIN hashing, lockout and its expiry (injected clock), officer status
only from registered officers, and the system chain's verification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from carrier_tracker.access.operators import (
    LOCK_FOR,
    AuthError,
    add_operator,
    authenticate,
    find_operator,
    hash_pin,
)
from carrier_tracker.custody.service import record_tap
from carrier_tracker.enums import Mode, Role, Verdict
from carrier_tracker.errors import CarrierTrackerError
from carrier_tracker.ledger.audit import audit_system
from tests.conftest import KEY
from tests.factories import make_world

T0 = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)
PIN = "246810"


@pytest.fixture
def registered(engine: Engine) -> Engine:
    with Session(engine) as s:
        add_operator(session=s, key=KEY, name="赵官", role=Role.OFFICER, pin="135790", by="赵官")
        add_operator(session=s, key=KEY, name="小孙", role=Role.CUSTODIAN, pin=PIN, by="赵官")
        s.commit()
    return engine


def test_pins_are_peppered_argon2id_hashes_of_six_to_twelve_digits() -> None:
    stored = hash_pin(PIN, key=KEY, name="小孙")
    assert stored.startswith(b"ct1$$argon2id$") and PIN.encode() not in stored
    for bad in ("12345", "1234567890123", "12345a", "１２３４５６"):
        with pytest.raises(CarrierTrackerError, match="6–12 位数字"):
            hash_pin(bad, key=KEY, name="小孙")


def test_lockout_and_its_expiry(registered: Engine) -> None:
    for n in range(1, 5):
        with pytest.raises(AuthError, match=f"连续第 {n} 次"):
            authenticate(engine=registered, key=KEY, name="小孙", pin="000000", now=T0)
    with pytest.raises(AuthError, match="已锁定至"):
        authenticate(engine=registered, key=KEY, name="小孙", pin="000000", now=T0)
    almost = T0 + LOCK_FOR - timedelta(seconds=1)
    with pytest.raises(AuthError, match="已锁定至"):  # the right PIN does not help while locked
        authenticate(engine=registered, key=KEY, name="小孙", pin=PIN, now=almost)
    later = T0 + LOCK_FOR + timedelta(seconds=1)
    with pytest.raises(AuthError, match="连续第 1 次"):  # after expiry the count starts afresh
        authenticate(engine=registered, key=KEY, name="小孙", pin="000000", now=later)
    who = authenticate(engine=registered, key=KEY, name="小孙", pin=PIN, now=later)
    assert (who.name, who.role) == ("小孙", Role.CUSTODIAN)
    with Session(registered) as s:
        op = find_operator(s, "小孙")
        assert op is not None and (op.failed_attempts, op.locked_until) == (0, None)
        report = audit_system(s, KEY)
    # genesis, adds, failures, lock, locked, again, the success that cleared the count
    assert report.ok and report.count == 1 + 2 + 5 + 1 + 1 + 1 + 1


def test_the_system_chain_detects_an_edited_event(registered: Engine) -> None:
    with pytest.raises(AuthError):
        authenticate(engine=registered, key=KEY, name="小孙", pin="000000", now=T0)
    with Session(registered) as s:
        s.exec(text("UPDATE systemevent SET subject = '别人' WHERE seq = 3"))  # type: ignore[call-overload]
        s.commit()
        report = audit_system(s, KEY)
    assert (report.ok, report.broken_seq, report.problem) == (False, 3, "内容被修改（哈希不符）")


def test_officer_status_comes_only_from_registered_officers_in_use(session: Session) -> None:
    world = make_world(session)  # the meeting's 保密负责人 赵官 is registered as an officer
    for code in ("A002",):
        record_tap(
            session=session,
            key=KEY,
            meeting_code="M1",
            uid=world.pass_uid(code),
            mode=Mode.ISSUE,
            operator="小孙",
        )
        record_tap(
            session=session,
            key=KEY,
            meeting_code="M1",
            uid=world.copy_uid("D1", 1),
            mode=Mode.ISSUE,
            attendee_code=code,
            operator="小孙",
        )
        session.commit()
    uid = world.copy_uid("D1", 1)
    officer = find_operator(session, "赵官")
    assert officer is not None
    officer.disabled = True
    session.add(officer)
    session.commit()

    def carry_out(**who: str) -> Verdict:
        outcome = record_tap(
            session=session, key=KEY, meeting_code="M1", uid=uid, mode=Mode.CARRY_OUT, **who
        )
        session.commit()
        return outcome.verdict

    # the meeting's typed officer name, once its operator is disabled, approves nothing
    assert carry_out(operator="赵官") is Verdict.REFUSED
    assert carry_out(operator="小孙", approver="赵官") is Verdict.REFUSED
    officer.disabled = False
    session.add(officer)
    session.commit()
    assert (
        carry_out(operator="小孙", approver="小孙") is Verdict.REFUSED
    )  # a custodian is no approver
    assert carry_out(operator="小孙", approver="赵官") is Verdict.ACCEPTED


def test_the_own_card_with_the_pin_passes_a_lockout_of_wrong_pins(registered: Engine) -> None:
    """Five wrong PINs (anyone can type them) lock 赵官 out; 赵官's own card with the right PIN
    still signs in — whoever guessed did not hold the card — and clears the count, as an event."""
    from carrier_tracker.access.operators import bind_card

    with Session(registered) as s:
        bind_card(session=s, key=KEY, name="赵官", uid="04C0FFEE000001", by="赵官")
        s.commit()
    for _ in range(5):
        with pytest.raises(AuthError):
            authenticate(engine=registered, key=KEY, name="赵官", pin="000000", now=T0)
    with pytest.raises(AuthError, match="已锁定至"):
        authenticate(engine=registered, key=KEY, name="赵官", pin="135790", now=T0)
    with pytest.raises(AuthError, match="已锁定至"):  # another card does not help
        authenticate(engine=registered, key=KEY, name="赵官", pin="135790", now=T0, card="04FF")
    with pytest.raises(AuthError, match="已锁定至"):  # nor the card with a wrong PIN
        authenticate(
            engine=registered, key=KEY, name="赵官", pin="000000", now=T0, card="04C0FFEE000001"
        )
    who = authenticate(
        engine=registered, key=KEY, name="赵官", pin="135790", now=T0, card="04C0FFEE000001"
    )
    assert who.is_officer
    with Session(registered) as s:
        op = find_operator(s, "赵官")
        assert op is not None and (op.failed_attempts, op.locked_until) == (0, None)
        report = audit_system(s, KEY)
    assert report.ok, report.findings()
