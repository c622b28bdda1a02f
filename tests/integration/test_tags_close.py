"""Tags that live longer than a meeting, and a lost item found after the close (issue 11, items
5 and 1): on SQLite and PostgreSQL, through the services the CLI and the desk call."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from carrier_tracker.custody.service import Outcome, find_meeting, record_tap
from carrier_tracker.enums import MeetingStatus, Mode, State, Verdict
from carrier_tracker.errors import ConflictError
from carrier_tracker.ledger.audit import audit_meeting
from carrier_tracker.meeting.enrollment import bind_copy, bind_pass
from carrier_tracker.meeting.lifecycle import close_meeting
from carrier_tracker.storage.models import Carrier, Event, Meeting
from carrier_tracker.storage.readmodel import found_after_close, released_tags
from tests.factories import World, make_world

OFFICER = "赵官"


def _tap(session: Session, key: bytes, code: str, uid: str, mode: Mode, **kw: Any) -> Outcome:
    o = record_tap(session=session, key=key, meeting_code=code, uid=uid, mode=mode, **kw)
    session.commit()
    return o


def _differences(session: Session, key: bytes, code: str) -> tuple[str, ...]:
    report = audit_meeting(session, key, find_meeting(session, code))
    assert report.chain.ok
    return report.differences


def _bind(session: Session, key: bytes, code: str, what: tuple[str, Any], uid: str) -> None:
    """Bind ``uid`` to a copy (``("D1", 1)``) or a pass (``("pass", "A001")``) of ``code``."""
    kind, which = what
    if kind == "pass":
        bind_pass(session=session, key=key, meeting_code=code, attendee_code=which, uid=uid)
    else:
        bind_copy(session=session, key=key, meeting_code=code, doc_no=kind, copy_no=which, uid=uid)
    session.commit()


def _refused(session: Session, key: bytes, code: str, what: tuple[str, Any], uid: str) -> str:
    with pytest.raises(ConflictError) as e:
        _bind(session, key, code, what, uid)
    session.rollback()
    return str(e.value)


def _closed_m1(session: Session, key: bytes, *, release_copies: bool) -> World:
    """M1 walked to its close: A001's pass and D1/1 out and back, D2/1 never issued."""
    m1 = make_world(session, code="M1", requires_passes=False)
    for uid in (m1.pass_uid("A001"), m1.copy_uid("D1", 1)):
        assert not _tap(session, key, "M1", uid, Mode.ISSUE, attendee_code="A001").refused
        assert not _tap(session, key, "M1", uid, Mode.RECALL).refused
    close_meeting(
        session=session,
        key=key,
        meeting_code="M1",
        operator="小孙",
        release_copy_tags=release_copies,
    )
    session.commit()
    return m1


def test_a_bound_uid_is_refused_with_where_it_is_bound(session: Session, key: bytes) -> None:
    m1 = make_world(session, code="M1", requires_passes=False)
    make_world(session, code="M2", requires_passes=False, status=MeetingStatus.PLANNED, tags=False)
    copy_uid, pass_uid = m1.copy_uid("D1", 3), m1.pass_uid("A001")
    at_copy = f"标签 {copy_uid} 已绑定：M1 D1 第003份"
    at_pass = f"标签 {pass_uid} 已绑定：M1 会议证 P001 张三"
    cases = [
        ("M2", ("D1", 1), copy_uid, at_copy),  # another meeting's copy …
        ("M2", ("pass", "A002"), copy_uid, at_copy),  # … onto a pass
        ("M2", ("pass", "A001"), pass_uid, at_pass),  # another meeting's pass
        ("M2", ("D2", 2), pass_uid, at_pass),
        ("M1", ("D3", 1), copy_uid, at_copy),  # the same meeting's other carrier
        ("M1", ("D3", 1), pass_uid, at_pass),
    ]
    for code, what, uid, message in cases:
        assert _refused(session, key, code, what, uid) == message, (code, what)
    # Nothing changed: the tags are where they were, the ledgers say so.
    assert [c.id for c in session.exec(select(Carrier).where(Carrier.tag_uid == copy_uid))] == [
        m1.copies[("D1", 3)].id
    ]
    assert _differences(session, key, "M1") == () and _differences(session, key, "M2") == ()


def test_close_releases_pass_tags_for_another_meeting(session: Session, key: bytes) -> None:
    m1 = _closed_m1(session, key, release_copies=False)
    make_world(session, code="M2", requires_passes=False, status=MeetingStatus.PLANNED, tags=False)
    meeting = find_meeting(session, "M1")
    assert released_tags(session, meeting) == {"pass": 3, "copy": 0}
    close = session.exec(
        select(Event).where(Event.meeting_id == meeting.id, Event.action == "close")
    ).one()
    assert "释放标签：会议证 3 枚，文件 0 枚" in close.note and close.payload is not None
    # Passes are free again; copies still belong to M1 (no --release-tags).
    _bind(session, key, "M2", ("pass", "A002"), m1.pass_uid("A001"))
    copy_uid = m1.copy_uid("D1", 1)
    assert _refused(session, key, "M2", ("D1", 1), copy_uid) == (
        f"标签 {copy_uid} 已绑定：M1 D1 第001份"
    )
    # Bound in M2 now: a third place is refused, naming M2.
    assert _refused(session, key, "M2", ("pass", "A003"), m1.pass_uid("A001")) == (
        f"标签 {m1.pass_uid('A001')} 已绑定：M2 会议证 P002 李四"
    )
    assert _differences(session, key, "M1") == () and _differences(session, key, "M2") == ()


def test_release_tags_frees_copies_and_taps_find_the_right_meeting(
    session: Session, key: bytes
) -> None:
    m1 = _closed_m1(session, key, release_copies=True)
    make_world(session, code="M2", requires_passes=False, status=MeetingStatus.PLANNED, tags=False)
    assert released_tags(session, find_meeting(session, "M1")) == {"pass": 3, "copy": 5}
    copy_uid, pass_uid, idle_uid = m1.copy_uid("D1", 1), m1.pass_uid("A001"), m1.copy_uid("D2", 1)
    _bind(session, key, "M2", ("D2", 1), copy_uid)
    _bind(session, key, "M2", ("pass", "A003"), pass_uid)

    # In M2 the UIDs are M2's carriers.
    o = _tap(session, key, "M2", copy_uid, Mode.ISSUE, attendee_code="A001")
    assert o.verdict is Verdict.ACCEPTED and o.item == "D2 第001份", o.message
    o = _tap(session, key, "M2", pass_uid, Mode.ISSUE)
    assert o.verdict is Verdict.ACCEPTED and "王五" in o.message
    # In closed M1 they are still M1's carriers: refused as closed, M2's untouched.
    for uid in (copy_uid, pass_uid):
        o = _tap(session, key, "M1", uid, Mode.RECALL)
        assert o.refused and o.reason == "会议已结束"
        assert o.carrier_id in (m1.copies[("D1", 1)].id, m1.passes["A001"].id)
    states = {
        c.tag_uid: c.state
        for c in session.exec(
            select(Carrier).where(Carrier.meeting_id == find_meeting(session, "M2").id)
        )
    }
    assert states[copy_uid] == State.ISSUED and states[pass_uid] == State.ISSUED
    # A released tag bound nowhere: a third meeting's desk says where it was released.
    make_world(session, code="M3", requires_passes=False, tags=False)
    o = _tap(session, key, "M3", idle_uid, Mode.ISSUE, attendee_code="A001")
    assert o.refused and o.reason == f"标签 {idle_uid} 已于会议 M1 结束时释放，尚未在本会议绑定"
    # And a tag bound in M2 is another meeting's at M3's desk.
    o = _tap(session, key, "M3", copy_uid, Mode.RECALL)
    assert o.refused and o.reason == "标签属于其他会议 M2"
    for code in ("M1", "M2", "M3"):
        assert _differences(session, key, code) == (), code


def test_verify_names_a_released_flag_changed_in_sql(session: Session, key: bytes) -> None:
    m1 = _closed_m1(session, key, release_copies=False)
    # Releasing a copy's tag behind the ledger's back (to reuse it) …
    session.connection().execute(
        text("UPDATE carrier SET tag_released = :t WHERE id = :id"),
        {"t": True, "id": m1.copies[("D1", 2)].id},
    )
    # … and un-releasing a pass.
    session.connection().execute(
        text("UPDATE carrier SET tag_released = :t WHERE id = :id"),
        {"t": False, "id": m1.passes["A002"].id},
    )
    session.commit()
    assert _differences(session, key, "M1") == (
        "会议证 P002（李四）·标签已释放：台账为 是，数据库为 否",
        "D1 第002份·标签已释放：台账为 否，数据库为 是",
    )


def test_a_lost_item_found_after_close(session: Session, key: bytes) -> None:
    w = make_world(session, code="M1", requires_passes=False)
    uid, other_uid = w.copy_uid("D1", 1), w.copy_uid("D1", 2)
    lost = _tap(session, key, "M1", uid, Mode.ISSUE, attendee_code="A001")
    assert not lost.refused
    assert not _tap(session, key, "M1", uid, Mode.LOST, operator=OFFICER, note="遗失在会场").refused
    close_meeting(
        session=session,
        key=key,
        meeting_code="M1",
        operator=OFFICER,
        with_exceptions=True,
        note="已报告保密办",
    )
    session.commit()
    # Every other step after the close is refused; a find of something not lost too.
    for u, mode in [(uid, Mode.RECALL), (uid, Mode.ISSUE), (other_uid, Mode.FOUND)]:
        o = _tap(session, key, "M1", u, mode, attendee_code="A001")
        assert o.refused and o.reason == "会议已结束", (u, mode)
    o = _tap(session, key, "M1", uid, Mode.FOUND, note="会后在会场找到", operator="小孙")
    assert o.verdict is Verdict.ACCEPTED and o.state is State.RECOVERED
    assert o.warning == "会后找回，会议 M1 仍为已结束" and "张三" in o.message
    # The meeting stays closed; the find is on record; the replay agrees.
    meeting = session.exec(select(Meeting).where(Meeting.code == "M1")).one()
    assert meeting.status == MeetingStatus.CLOSED
    later = found_after_close(session, meeting)
    assert [(f.label, f.attendee_code, f.operator, f.note) for f in later] == [
        ("D1 第001份", "A001", "小孙", "会后在会场找到")
    ]
    assert _differences(session, key, "M1") == ()
    # Found once: again is refused (the meeting is closed), not "already".
    o = _tap(session, key, "M1", uid, Mode.FOUND)
    assert o.refused and o.reason == "会议已结束"
    # A direct SQL change to the found copy is named by verify.
    session.connection().execute(
        text("UPDATE carrier SET state = 'lost' WHERE tag_uid = :u"), {"u": uid}
    )
    session.commit()
    assert _differences(session, key, "M1") == ("D1 第001份：台账为 已收回，数据库为 已挂失",)
