"""The one read model: honest counts, every outstanding item listed once, the close built on it."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from carrier_tracker.custody.service import record_tap
from carrier_tracker.enums import MeetingStatus, Mode, State
from carrier_tracker.errors import ConflictError
from carrier_tracker.meeting.lifecycle import close_meeting, status
from carrier_tracker.storage.models import Event, Meeting
from carrier_tracker.storage.readmodel import reconciliation
from tests.factories import World, make_world

OFFICER = "赵官"


def _tap(session: Session, key: bytes, uid: str, mode: Mode, **kw: object) -> None:
    o = record_tap(session=session, key=key, meeting_code="M1", uid=uid, mode=mode, **kw)  # type: ignore[arg-type]
    session.commit()
    assert not o.refused, o.message


def _busy_world(session: Session, key: bytes) -> World:
    """A001 holds D1/1 and its pass; D1/2 is in transit in K1; D2/1 was lost from the store;
    D2/2 went out and came back; A002's pass never left."""
    w = make_world(session, status=MeetingStatus.PLANNED)
    _tap(session, key, w.pass_uid("A001"), Mode.ISSUE)
    _tap(session, key, w.copy_uid("D1", 1), Mode.ISSUE, attendee_code="A001")
    _tap(session, key, w.copy_uid("D1", 2), Mode.DISPATCH, consignment_no="K1")
    _tap(session, key, w.copy_uid("D2", 1), Mode.LOST, operator=OFFICER, note="库房缺失")
    _tap(session, key, w.pass_uid("A003"), Mode.ISSUE)
    _tap(session, key, w.copy_uid("D2", 2), Mode.ISSUE, attendee_code="A003")
    _tap(session, key, w.copy_uid("D2", 2), Mode.RECALL)
    return w


def test_every_outstanding_item_is_listed_once(session: Session, key: bytes) -> None:
    w = _busy_world(session, key)
    r = reconciliation(session, w.meeting)
    listed = [it.label for g in r.groups for it in g.items]
    assert len(listed) == r.outstanding == len(r.items) == 5
    assert sorted(listed) == sorted(
        ["D1 第001份", "会议证 P001（张三）", "会议证 P003（王五）", "D1 第002份", "D2 第001份"]
    )
    keys = [g.key for g in r.groups]
    assert keys == ["a:A001", "a:A003", "c:K1", "none"]
    assert [it.label for it in r.groups[-1].items] == [
        "D2 第001份"
    ]  # lost from the store: no holder


def test_counts_are_honest(session: Session, key: bytes) -> None:
    w = _busy_world(session, key)
    r = reconciliation(session, w.meeting)
    # Tagged: 3 passes + D1×3 + D2×2 = 8. Out: D1/1, two passes, D1/2 in transit, D2/1 lost.
    assert (r.total, r.outstanding, r.lost, r.in_transit) == (8, 5, 1, 1)
    assert r.recovered == 1  # only D2/2 went out and came back
    assert r.never_issued == 2  # D1/3 and A002's pass never left custody
    assert r.left_custody == 6
    assert not r.all_back
    assert "已收回 1/6" in r.summary() and "未发放 2" in r.summary()


def test_nothing_issued_is_not_all_recovered(session: Session, key: bytes) -> None:
    w = make_world(session, status=MeetingStatus.PLANNED)
    r = reconciliation(session, w.meeting)
    assert r.recovered == 0 and r.never_issued == r.total == 8
    assert r.all_back and r.verdict() == "全部收回（另有 8 件未发放）"
    data = status(session, "m1")  # codes match in any letter case
    assert (
        data["counts"]["recovered"] == 0
        and data["counts"]["never_issued"] == 8
        and data["all_back"]
    )


def test_filter_by_attendee_keeps_meeting_counts(session: Session, key: bytes) -> None:
    w = _busy_world(session, key)
    only = reconciliation(session, w.meeting, attendee_ids=[w.people["A003"].id or 0])
    assert [it.label for it in only.items] == ["会议证 P003（王五）"]
    assert only.outstanding == 5


def test_status_json_groups_match_the_read_model(session: Session, key: bytes) -> None:
    _busy_world(session, key)
    data = status(session, "M1")
    assert [(p["code"], p["name"], p["unit"]) for p in data["attendees"]] == [
        ("A001", "张三", "某单位"),
        ("A003", "王五", "某单位"),
    ]
    assert [(it["label"], it["consignment"]) for it in data["in_transit"]] == [("D1 第002份", "K1")]
    assert [it["label"] for it in data["unassigned"]] == ["D2 第001份"]
    assert data["outstanding"] == 5 and data["counts"]["left_custody"] == 6


def test_close_with_exactly_one_item_out_is_refused(session: Session, key: bytes) -> None:
    w = make_world(session, requires_passes=False)
    _tap(session, key, w.copy_uid("D2", 1), Mode.ISSUE, attendee_code="A003")
    with pytest.raises(ConflictError) as e:
        close_meeting(session=session, key=key, meeting_code="M1", operator=OFFICER)
    session.rollback()
    assert "尚有 1 件未收回" in str(e.value) and "D2 第001份  已发放  王五" in str(e.value)
    assert session.exec(select(Meeting)).one().status == MeetingStatus.OPEN
    _tap(session, key, w.copy_uid("D2", 1), Mode.RECALL)
    close_meeting(session=session, key=key, meeting_code="M1", operator="小孙")
    session.commit()
    assert session.exec(select(Meeting)).one().status == MeetingStatus.CLOSED


def test_close_names_what_is_out_and_what_is_lost_at_once(session: Session, key: bytes) -> None:
    w = make_world(session, requires_passes=False)
    _tap(session, key, w.copy_uid("D2", 1), Mode.ISSUE, attendee_code="A003")
    _tap(session, key, w.copy_uid("D2", 2), Mode.LOST, operator=OFFICER, note="遗失")
    with pytest.raises(ConflictError) as e:
        close_meeting(session=session, key=key, meeting_code="M1", operator=OFFICER)
    session.rollback()
    said = str(e.value)
    assert "尚有 1 件未收回" in said and "D2 第001份  已发放  王五" in said
    assert "有 1 件挂失" in said and "D2 第002份" in said
    with pytest.raises(ConflictError) as e:  # with exceptions: the lost one no longer blocks
        close_meeting(
            session=session,
            key=key,
            meeting_code="M1",
            operator=OFFICER,
            with_exceptions=True,
            note="已报告",
        )
    session.rollback()
    assert "尚有 1 件未收回" in str(e.value) and "挂失" not in str(e.value)


def test_lost_item_needs_officer_exception(session: Session, key: bytes) -> None:
    w = make_world(session, requires_passes=False)
    _tap(session, key, w.copy_uid("D2", 1), Mode.LOST, operator=OFFICER, note="遗失")
    with pytest.raises(ConflictError, match="有 1 件挂失"):
        close_meeting(session=session, key=key, meeting_code="M1", operator=OFFICER)
    session.rollback()
    with pytest.raises(ConflictError, match="需保密负责人"):
        close_meeting(
            session=session,
            key=key,
            meeting_code="M1",
            operator="小孙",
            with_exceptions=True,
            note="已报告",
        )
    session.rollback()
    close_meeting(
        session=session,
        key=key,
        meeting_code="M1",
        operator=OFFICER,
        with_exceptions=True,
        note="已报告",
    )
    session.commit()
    assert session.exec(select(Meeting)).one().status == MeetingStatus.CLOSED


def test_closing_a_meeting_that_never_opened_needs_never_opened(
    session: Session, key: bytes
) -> None:
    make_world(session, status=MeetingStatus.PLANNED)
    with pytest.raises(ConflictError, match=r"从未开始.*--never-opened"):
        close_meeting(session=session, key=key, meeting_code="M1", operator=OFFICER)
    session.rollback()
    with pytest.raises(ConflictError, match="需保密负责人"):
        close_meeting(
            session=session, key=key, meeting_code="M1", operator="小孙", never_opened=True
        )
    session.rollback()
    assert session.exec(select(Meeting)).one().status == MeetingStatus.FILED
    close_meeting(session=session, key=key, meeting_code="M1", operator=OFFICER, never_opened=True)
    session.commit()
    assert session.exec(select(Meeting)).one().status == MeetingStatus.CLOSED
    last = session.exec(select(Event).order_by(Event.seq.desc())).first()  # type: ignore[attr-defined]
    assert last is not None and last.action == "close" and "未开始即结束" in last.note


def test_never_opened_flag_refused_on_an_open_meeting(session: Session, key: bytes) -> None:
    make_world(session)
    with pytest.raises(ConflictError, match="只用于从未开始的会议"):
        close_meeting(
            session=session, key=key, meeting_code="M1", operator=OFFICER, never_opened=True
        )


def test_collected_copies_count_as_back_in_custody(session: Session, key: bytes) -> None:
    w = make_world(session, requires_passes=False)
    _tap(session, key, w.copy_uid("D1", 1), Mode.ISSUE, attendee_code="A001")
    _tap(session, key, w.copy_uid("D1", 1), Mode.COLLECT)
    r = reconciliation(session, w.meeting)
    assert r.outstanding == 0 and r.collected == 1 and r.recovered == 0
    assert State.COLLECTED not in {it.state for it in r.items}
