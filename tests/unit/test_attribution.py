"""The ledger names only the person an event concerns; repeated admissions are flagged."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from carrier_tracker.custody.service import Outcome, record_tap
from carrier_tracker.enums import MeetingStatus, Mode, Verdict
from carrier_tracker.storage.models import Event
from tests.factories import make_world


def _event(session: Session, seq: int | None) -> Event:
    return session.exec(select(Event).where(Event.seq == seq)).one()


def test_desk_attendee_is_not_written_on_unrelated_events(session: Session, key: bytes) -> None:
    """The desk passes its current attendee with every tap; only issue/reissue may use it."""
    w = make_world(session, requires_passes=False)
    ids = {code: p.id for code, p in w.people.items()}

    def tap(uid: str, mode: Mode, **kw: Any) -> Outcome:
        return record_tap(
            session=session,
            key=key,
            meeting_code="M1",
            uid=uid,
            mode=mode,
            attendee_code="A003",
            **kw,
        )

    o = tap(w.copy_uid("D1", 1), Mode.DISPATCH, consignment_no="K1")
    assert o.verdict is Verdict.ACCEPTED and _event(session, o.seq).attendee_id is None
    assert _event(session, o.seq).consignment_id == w.consignments["K1"].id
    o = tap(w.copy_uid("D1", 1), Mode.DELIVER)
    assert o.verdict is Verdict.ACCEPTED and _event(session, o.seq).attendee_id is None
    o = record_tap(
        session=session,
        key=key,
        meeting_code="M1",
        uid=w.copy_uid("D1", 2),
        mode=Mode.ISSUE,
        attendee_code="A001",
    )
    assert _event(session, o.seq).attendee_id == ids["A001"]
    o = tap(w.copy_uid("D1", 2), Mode.COLLECT)
    assert _event(session, o.seq).attendee_id == ids["A001"], "collected from its holder"
    o = tap(w.copy_uid("D1", 2), Mode.RECALL)
    assert _event(session, o.seq).attendee_id == ids["A001"], (
        "recovered from the holder before the break"
    )
    assert o.message == "会后清退：D1 第002份 ← 张三"
    o = tap(w.copy_uid("D2", 1), Mode.RECALL)  # never issued: "already", about nobody
    assert o.verdict is Verdict.ALREADY and _event(session, o.seq).attendee_id is None
    session.commit()


def test_refused_tap_after_close_names_nobody(session: Session, key: bytes) -> None:
    w = make_world(session, status=MeetingStatus.CLOSED)
    o = record_tap(
        session=session,
        key=key,
        meeting_code="M1",
        uid=w.copy_uid("D1", 1),
        mode=Mode.RECALL,
        attendee_code="A002",
    )
    assert o.refused and o.message == "会议已结束"
    assert _event(session, o.seq).attendee_id is None


def test_result_lines_read_in_the_direction_things_moved(session: Session, key: bytes) -> None:
    w = make_world(session, requires_passes=False)
    o = record_tap(
        session=session,
        key=key,
        meeting_code="m1",
        uid=w.copy_uid("D1", 1),
        mode=Mode.ISSUE,
        attendee_code="a002",
    )
    assert o.message == "发放：D1 第001份 → 李四"
    o = record_tap(
        session=session,
        key=key,
        meeting_code="M1",
        uid=w.copy_uid("D1", 1),
        mode=Mode.CARRY_OUT,
        operator="赵官",
    )
    assert o.message == "带离：D1 第001份 → 李四"
    o = record_tap(
        session=session, key=key, meeting_code="M1", uid=w.copy_uid("D1", 1), mode=Mode.RETURN
    )
    assert o.message == "退回：D1 第001份 ← 李四"
    o = record_tap(
        session=session,
        key=key,
        meeting_code="M1",
        uid=w.copy_uid("D1", 2),
        mode=Mode.DISPATCH,
        consignment_no="k1",
    )
    assert o.message == "机要发出：D1 第002份 → 北京某所"


def test_repeated_admission_is_accepted_but_flagged(session: Session, key: bytes) -> None:
    w = make_world(session)
    record_tap(session=session, key=key, meeting_code="M1", uid=w.pass_uid("A001"), mode=Mode.ISSUE)
    first = record_tap(
        session=session, key=key, meeting_code="M1", uid=w.pass_uid("A001"), mode=Mode.ENTRANCE
    )
    assert (
        first.verdict is Verdict.ACCEPTED
        and first.warning == ""
        and first.message == "准予入场：张三（某单位）"
    )
    second = record_tap(
        session=session, key=key, meeting_code="M1", uid=w.pass_uid("A001"), mode=Mode.ENTRANCE
    )
    assert second.verdict is Verdict.ACCEPTED and second.warning == "已入场（第 2 次）"
    assert "已入场（第 2 次）" in second.message
    third = record_tap(
        session=session, key=key, meeting_code="M1", uid=w.pass_uid("A001"), mode=Mode.ENTRANCE
    )
    assert third.warning == "已入场（第 3 次）"
    assert _event(session, third.seq).attendee_id == w.people["A001"].id
