"""The meeting's life cycle with 备案, the venue check that gates opening, the sweep that gates
closing, 巡检 finds — and verify replaying all of it (both database backends)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from carrier_tracker.custody import checklists
from carrier_tracker.custody.service import record_tap
from carrier_tracker.enums import Answer, Level, MeetingStatus, Mode, State, Verdict
from carrier_tracker.errors import ConflictError, NotFoundError
from carrier_tracker.ledger.audit import audit_meeting
from carrier_tracker.meeting.lifecycle import close_meeting
from carrier_tracker.meeting.policy import (
    accept_items,
    answer_items,
    checklist_status,
    file_meeting,
    sweep_findings,
)
from carrier_tracker.storage.models import Carrier, ChecklistAnswer, Event, Meeting
from tests.factories import World, make_world

OFFICER = "赵官"
VENUE = checklists.load()["venue"]
SWEEP = checklists.load()["sweep"]


def _tap(s: Session, key: bytes, w: World, uid: str, mode: Mode, **kw: object) -> object:
    outcome = record_tap(session=s, key=key, meeting_code="M1", uid=uid, mode=mode, **kw)  # type: ignore[arg-type]
    s.commit()
    return outcome


def _file(s: Session, key: bytes, operator: str = OFFICER, **kw: object) -> Meeting:
    m = file_meeting(
        session=s,
        key=key,
        meeting_code="M1",
        ref="保密办〔2026〕7号",
        on=date(2026, 12, 1),
        plan_title="专项保密工作方案",
        operator=operator,
        **kw,  # type: ignore[arg-type]
    )
    s.commit()
    return m


def _answer(s: Session, key: bytes, checklist: checklists.Checklist, **special: Answer) -> None:
    answer_items(
        session=s,
        key=key,
        meeting_code="M1",
        checklist=checklist,
        answers=[
            (it.id, special.get(it.id, Answer.OK), "无线话筒两只" if it.id in special else "")
            for it in checklist.items
        ],
        operator="小孙",
    )
    s.commit()


def _verify(s: Session, key: bytes) -> tuple[str, ...]:
    s.expire_all()
    meeting = s.exec(select(Meeting)).one()
    report = audit_meeting(s, key, meeting)
    assert report.chain.ok
    return report.differences


def test_lifecycle_draft_filed_open_closed(session: Session, key: bytes) -> None:
    w = make_world(session, status=MeetingStatus.DRAFT, filed=False)
    assert w.meeting.status == MeetingStatus.DRAFT
    # A tap before filing is refused, naming the command that files, and recorded.
    out = _tap(session, key, w, w.pass_uid("A001"), Mode.ISSUE)
    assert out.verdict is Verdict.REFUSED  # type: ignore[attr-defined]
    assert "尚未备案" in out.message and "carrier-tracker meeting file M1" in out.message  # type: ignore[attr-defined]
    last = session.exec(select(Event).order_by(Event.seq.desc())).first()  # type: ignore[attr-defined]
    assert last is not None and last.verdict == "refused" and "尚未备案" in last.reason
    session.expire_all()
    assert session.get(Carrier, w.passes["A001"].id).state == State.REGISTERED  # type: ignore[union-attr]

    # Filing needs an officer (or a custodian with an officer's approval).
    with pytest.raises(ConflictError, match="备案需保密负责人"):
        _file(session, key, operator="小孙")
    session.rollback()
    m = _file(session, key, operator="小孙", approver=OFFICER)
    assert (m.status, m.filed_ref, m.filed_by) == (
        MeetingStatus.FILED,
        "保密办〔2026〕7号",
        OFFICER,
    )
    assert m.filed_on == date(2026, 12, 1) and m.plan_title == "专项保密工作方案"
    # Filed, but the venue is not checked: still refused, naming the items.
    out = _tap(session, key, w, w.pass_uid("A001"), Mode.ISSUE)
    assert out.verdict is Verdict.REFUSED and "会场保密检查未完成" in out.message  # type: ignore[attr-defined]
    assert "手机管控" in out.message  # type: ignore[attr-defined]
    _answer(session, key, VENUE)
    out = _tap(session, key, w, w.pass_uid("A001"), Mode.ISSUE)
    assert out.verdict is Verdict.ACCEPTED  # type: ignore[attr-defined]
    session.refresh(m)
    assert m.status == MeetingStatus.OPEN
    # Once open, the filing is history.
    with pytest.raises(ConflictError, match="已进行中，不能再备案"):
        _file(session, key)
    session.rollback()
    assert _verify(session, key) == ()
    # Closing: the sweep (filed=False left it empty) and what is out, said at once.
    with pytest.raises(ConflictError) as e:
        close_meeting(session=session, key=key, meeting_code="M1", operator=OFFICER)
    session.rollback()
    assert "会后清场检查未完成" in str(e.value) and "尚有 1 件未收回" in str(e.value)
    _tap(session, key, w, w.pass_uid("A001"), Mode.RECALL)
    with pytest.raises(ConflictError, match=r"会后清场检查未完成.*hall（会场）"):
        close_meeting(session=session, key=key, meeting_code="M1", operator=OFFICER)
    session.rollback()
    _answer(session, key, SWEEP)
    close_meeting(session=session, key=key, meeting_code="M1", operator=OFFICER)
    session.commit()
    session.refresh(m)
    assert m.status == MeetingStatus.CLOSED
    with pytest.raises(ConflictError, match="已结束"):
        _answer(session, key, SWEEP)
    session.rollback()
    assert _verify(session, key) == ()


@pytest.mark.parametrize("level", [Level.MIMI, Level.JIMI, Level.JUEMI])
def test_secret_and_above_need_filing(session: Session, key: bytes, level: Level) -> None:
    w = make_world(session, status=MeetingStatus.DRAFT, level=level, filed=False)
    out = _tap(session, key, w, w.pass_uid("A001"), Mode.ISSUE)
    assert out.verdict is Verdict.REFUSED and f"（{level.value}）尚未备案" in out.message  # type: ignore[attr-defined]


def test_a_neibu_meeting_needs_no_filing(session: Session, key: bytes) -> None:
    w = make_world(session, status=MeetingStatus.DRAFT, level=Level.NEIBU, filed=False)
    out = _tap(session, key, w, w.pass_uid("A001"), Mode.ISSUE)
    assert out.verdict is Verdict.ACCEPTED  # type: ignore[attr-defined]
    session.refresh(w.meeting)
    assert w.meeting.status == MeetingStatus.OPEN
    _tap(session, key, w, w.pass_uid("A001"), Mode.RECALL)
    close_meeting(session=session, key=key, meeting_code="M1", operator=OFFICER)  # no sweep
    session.commit()
    assert _verify(session, key) == ()


def test_opening_with_a_fail_item_is_refused_until_an_officer_accepts_it(
    session: Session, key: bytes
) -> None:
    w = make_world(session, status=MeetingStatus.DRAFT, filed=False)
    _file(session, key)
    _answer(session, key, VENUE, wireless=Answer.FAIL)
    out = _tap(session, key, w, w.pass_uid("A001"), Mode.ISSUE)
    assert out.verdict is Verdict.REFUSED and "无线设备" in out.message  # type: ignore[attr-defined]
    assert "手机管控" not in out.message  # type: ignore[attr-defined]

    def accept(operator: str, note: str = "已改用有线话筒", item: str | None = "wireless") -> None:
        accept_items(
            session=session,
            key=key,
            meeting_code="M1",
            checklist=VENUE,
            item_id=item,
            note=note,
            operator=operator,
        )
        session.commit()

    with pytest.raises(ConflictError, match="需保密负责人"):
        accept("小孙")
    session.rollback()
    with pytest.raises(ConflictError, match="须同时给出 --note"):
        accept(OFFICER, note="  ")
    session.rollback()
    with pytest.raises(ConflictError, match="phones（手机管控）当前为 符合"):
        accept(OFFICER, item="phones")
    session.rollback()
    with pytest.raises(NotFoundError, match="没有项目“nothing”"):
        accept(OFFICER, item="nothing")
    session.rollback()
    accept(OFFICER, item=None)  # every unaccepted 不符合
    rows = {s.item.id: s for s in checklist_status(session, w.meeting, VENUE)}
    assert rows["wireless"].accepted_by == OFFICER and rows["wireless"].settled
    assert rows["wireless"].accept_note == "已改用有线话筒" and rows["wireless"].operator == "小孙"
    with pytest.raises(ConflictError, match="没有待接受的不符合项"):
        accept(OFFICER, item=None)
    session.rollback()
    # A new answer drops the acceptance: refused again.
    _answer(session, key, VENUE, wireless=Answer.FAIL)
    out = _tap(session, key, w, w.pass_uid("A001"), Mode.ISSUE)
    assert out.verdict is Verdict.REFUSED  # type: ignore[attr-defined]
    accept(OFFICER)
    out = _tap(session, key, w, w.pass_uid("A001"), Mode.ISSUE)
    assert out.verdict is Verdict.ACCEPTED  # type: ignore[attr-defined]
    assert _verify(session, key) == ()
    events = [e.action for e in session.exec(select(Event).order_by(Event.seq)).all()]  # type: ignore[arg-type]
    assert events.count("check_accept") == 2 and events.count("file") == 1


def test_sweep_find_is_recorded_with_its_room_and_recovered(session: Session, key: bytes) -> None:
    w = make_world(session)
    _tap(session, key, w, w.pass_uid("A001"), Mode.ISSUE)
    _tap(session, key, w, w.copy_uid("D1", 1), Mode.ISSUE, attendee_code="A001")
    out = _tap(session, key, w, w.copy_uid("D1", 1), Mode.SWEEP)
    assert out.verdict is Verdict.REFUSED and "检查地点" in out.message  # type: ignore[attr-defined]
    out = _tap(session, key, w, w.copy_uid("D1", 1), Mode.SWEEP, room="客房 301", operator="小孙")
    assert out.verdict is Verdict.ACCEPTED and "客房 301" in out.message  # type: ignore[attr-defined]
    session.expire_all()
    copy = session.get(Carrier, w.copies[("D1", 1)].id)
    assert copy is not None and copy.state == State.RECOVERED and copy.holder_id is None
    out = _tap(session, key, w, w.copy_uid("D1", 1), Mode.SWEEP, room="会场")
    assert out.verdict is Verdict.ALREADY  # type: ignore[attr-defined]
    finds = [f for f in sweep_findings(session, w.meeting) if f.verdict == "accepted"]
    assert len(finds) == 1
    f = finds[0]
    assert (f.room, f.item, f.holder, f.operator) == ("客房 301", "D1 第001份", "张三", "小孙")
    event = session.exec(
        select(Event).where(Event.action == "sweep", Event.verdict == "accepted")
    ).one()
    assert json.loads(event.payload or "{}") == {"room": "客房 301"}
    assert _verify(session, key) == ()


def test_verify_detects_direct_changes_to_filing_and_answers(session: Session, key: bytes) -> None:
    w = make_world(session, status=MeetingStatus.DRAFT, filed=False)
    _file(session, key)
    _answer(session, key, VENUE, wireless=Answer.FAIL)
    assert _verify(session, key) == ()
    mid = w.meeting.id
    tampering = [
        (
            f"UPDATE checklistanswer SET answer = 'ok' WHERE item = 'wireless' AND meeting_id = {mid}",
            "检查表 venue·wireless·答案",
        ),
        (
            f"UPDATE checklistanswer SET accepted_by = '赵官' WHERE item = 'wireless' AND meeting_id = {mid}",
            "检查表 venue·wireless·接受人",
        ),
        (f"UPDATE meeting SET filed_ref = '伪造' WHERE id = {mid}", "备案编号"),
        (f"UPDATE meeting SET filed_on = NULL WHERE id = {mid}", "备案日期"),
        (f"UPDATE meeting SET status = 'open' WHERE id = {mid}", "状态"),
        (
            f"DELETE FROM checklistanswer WHERE item = 'phones' AND meeting_id = {mid}",
            "检查表 venue·phones",
        ),
        (
            f"UPDATE checklistanswer SET item = 'extra' WHERE item = 'recording' AND meeting_id = {mid}",
            "检查表 venue·extra",
        ),
    ]
    for sql, named in tampering:
        session.execute(text("SAVEPOINT t"))
        session.execute(text(sql))
        differences = _verify(session, key)
        assert any(named in d for d in differences), (sql, differences)
        session.execute(text("ROLLBACK TO SAVEPOINT t"))
    assert _verify(session, key) == ()


def test_answers_validate_items_and_replace_earlier_answers(session: Session, key: bytes) -> None:
    w = make_world(session, status=MeetingStatus.DRAFT, filed=False)
    with pytest.raises(NotFoundError, match=r"会场保密检查没有项目“coffee”.*phones（手机管控）"):
        answer_items(
            session=session,
            key=key,
            meeting_code="M1",
            checklist=VENUE,
            answers=[("phones", Answer.OK, ""), ("coffee", Answer.OK, "")],
            operator="小孙",
        )
    session.rollback()
    assert session.exec(select(ChecklistAnswer)).all() == []
    for answer in (Answer.FAIL, Answer.NA):
        answer_items(
            session=session,
            key=key,
            meeting_code="M1",
            checklist=VENUE,
            answers=[("PHONES", answer, "备注")],
            operator="孙文管",
        )
        session.commit()
    rows = session.exec(select(ChecklistAnswer)).all()
    assert [(r.item, r.answer, r.operator) for r in rows] == [("phones", "na", "孙文管")]
    assert w.meeting.id is not None and _verify(session, key) == ()
