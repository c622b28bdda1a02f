"""Changes during a meeting (issue 11): each change accepted and refused (table-driven), recorded
in the ledger, replayed by verify (which then names a direct SQL edit of what it created), and
shown in the 保密办 workbook read back with openpyxl."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from carrier_tracker.custody.service import find_meeting, record_tap
from carrier_tracker.enums import Action, Level, MeetingStatus, Mode, State, Verdict
from carrier_tracker.errors import CarrierTrackerError, ConflictError, NotFoundError
from carrier_tracker.ledger.audit import audit_meeting
from carrier_tracker.meeting.changes import (
    ChangeOutcome,
    NewPerson,
    Refused,
    add_attendee,
    add_copies,
    check_names,
    check_void,
    retag,
    substitute_attendee,
    void_event,
    withdraw_copy,
)
from carrier_tracker.meeting.enrollment import bind_copy, bind_pass
from carrier_tracker.meeting.lifecycle import status
from carrier_tracker.paper.export import export_meeting
from carrier_tracker.storage.models import Attendee, Carrier, Document, Event, RetiredTag
from carrier_tracker.storage.readmodel import reconciliation
from tests.factories import World, make_world, uid
from tests.paper_tables import summary, table

# The worlds here skip the paperwork (filed=False): the cases count ledger seqs from the
# world's own three events (import, consignment, open), and none closes through close_meeting.

OFFICER, CUSTODIAN = "赵官", "小孙"
NEW_UID = uid(900_001)


def tap(session: Session, key: bytes, tag: str, mode: Mode, **kw: Any) -> int:
    out = record_tap(
        session=session, key=key, meeting_code="M1", uid=tag, mode=mode, operator=CUSTODIAN, **kw
    )
    session.commit()
    assert out.seq is not None
    return out.seq


def person(code: str = "A010", **kw: Any) -> NewPerson:
    return NewPerson(
        code=code, name=kw.pop("name", "赵六"), unit="某所", clearance=Level.JIMI, **kw
    )


def verify_ok(engine: Engine, key: bytes, session: Session) -> None:
    """verify on a fresh session (as the CLI runs it): the chain and the tables agree."""
    session.commit()  # the test's transaction ends (in-memory SQLite has one connection)
    with Session(engine) as fresh:
        report = audit_meeting(fresh, key, find_meeting(fresh, "M1"))
    assert report.ok, report.findings()


def differences(engine: Engine, key: bytes, session: Session) -> tuple[str, ...]:
    session.commit()
    with Session(engine) as fresh:
        report = audit_meeting(fresh, key, find_meeting(fresh, "M1"))
    assert report.chain.ok
    return report.differences


# --- the table --------------------------------------------------------------------------------

Setup = Callable[[Session, bytes, World], None]
Change = Callable[[Session, bytes, World], ChangeOutcome]


def _nothing(_s: Session, _k: bytes, _w: World) -> None:
    return None


def _issue_d1(s: Session, k: bytes, w: World) -> None:
    tap(s, k, w.pass_uid("A001"), Mode.ISSUE)
    tap(s, k, w.copy_uid("D1", 1), Mode.ISSUE, attendee_code="A001")


def _issue_a003_pass(s: Session, k: bytes, w: World) -> None:
    tap(s, k, w.pass_uid("A003"), Mode.ISSUE)


def _close(s: Session, k: bytes, w: World) -> None:
    w.meeting.status = MeetingStatus.CLOSED
    s.add(w.meeting)
    from carrier_tracker.custody.service import append_event, stamp
    from carrier_tracker.ledger import events as ev

    assert w.meeting.id is not None
    closing = stamp()
    w.meeting.closed_at = closing.at
    append_event(session=s, key=k, meeting_id=w.meeting.id, event=ev.Closed(closing, detailed=True))
    s.commit()


def _lose_d1(s: Session, k: bytes, w: World) -> None:
    _issue_d1(s, k, w)
    record_tap(
        session=s,
        key=k,
        meeting_code="M1",
        uid=w.copy_uid("D1", 1),
        mode=Mode.LOST,
        operator=OFFICER,
        note="遗失",
    )
    s.commit()


def _substitute_a003(s: Session, k: bytes, w: World) -> None:
    out = substitute_attendee(
        session=s,
        key=k,
        meeting_code="M1",
        absent_code="A003",
        person=person("A011", name="钱八"),
        operator=OFFICER,
    )
    s.commit()
    assert out.accepted


def _add(code: str = "A010", op: str = CUSTODIAN, approver: str = OFFICER, **kw: Any) -> Change:
    def run(s: Session, k: bytes, w: World) -> ChangeOutcome:
        args = dict(kw)
        if args.get("pass_uid") == "D2/1":  # a tag bound to a copy
            args["pass_uid"] = w.copy_uid("D2", 1)
        return add_attendee(
            session=s,
            key=k,
            meeting_code="M1",
            person=person(code, **args),
            operator=op,
            approver=approver,
        )

    return run


def _sub(absent: str = "A003", code: str = "A010", op: str = OFFICER, **kw: Any) -> Change:
    def run(s: Session, k: bytes, _w: World) -> ChangeOutcome:
        return substitute_attendee(
            session=s,
            key=k,
            meeting_code="M1",
            absent_code=absent,
            person=person(code),
            operator=op,
            **kw,
        )

    return run


def _copies(doc: str = "D1", count: int = 2) -> Change:
    def run(s: Session, k: bytes, _w: World) -> ChangeOutcome:
        return add_copies(
            session=s, key=k, meeting_code="M1", doc_no=doc, count=count, operator=CUSTODIAN
        )

    return run


def _withdraw(copy: int = 2, note: str = "印坏", op: str = OFFICER, **kw: Any) -> Change:
    def run(s: Session, k: bytes, _w: World) -> ChangeOutcome:
        return withdraw_copy(
            session=s,
            key=k,
            meeting_code="M1",
            doc_no="D1",
            copy_no=copy,
            note=note,
            operator=op,
            **kw,
        )

    return run


def _retag(old: str = "D1/1", new: str = NEW_UID, op: str = CUSTODIAN, **kw: Any) -> Change:
    def run(s: Session, k: bytes, w: World) -> ChangeOutcome:
        doc, _, n = old.partition("/")
        old_uid = w.copy_uid(doc, int(n)) if n else w.pass_uid(doc)
        target = new if new != "D2/1" else w.copy_uid("D2", 1)
        return retag(
            session=s, key=k, meeting_code="M1", old_uid=old_uid, new_uid=target, operator=op, **kw
        )

    return run


def _void(
    seq: Callable[[Session], int], op: str = OFFICER, note: str = "误刷", **kw: Any
) -> Change:
    def run(s: Session, k: bytes, _w: World) -> ChangeOutcome:
        return void_event(
            session=s, key=k, meeting_code="M1", seq=seq(s), note=note, operator=op, **kw
        )

    def ask(s: Session) -> None:  # what a front end asks before anyone authenticates
        check_void(session=s, meeting_code="M1", seq=seq(s), note=note)

    run.ask = ask  # type: ignore[attr-defined]
    return run


def _seq_of(action: Action, nth: int = -1) -> Callable[[Session], int]:
    def find(s: Session) -> int:
        rows = s.exec(
            select(Event.seq).where(Event.action == action.value).order_by(col(Event.seq))
        ).all()
        return int(rows[nth])

    return find


def _issue_d1_twice(s: Session, k: bytes, w: World) -> None:
    _issue_d1(s, k, w)
    tap(s, k, w.copy_uid("D1", 1), Mode.ISSUE, attendee_code="A002")  # refused: held by 张三


def _withdraw_d1_2(s: Session, k: bytes, w: World) -> None:
    assert _withdraw()(s, k, w).accepted


def _recall_d1(s: Session, k: bytes, w: World) -> None:
    _issue_d1(s, k, w)
    tap(s, k, w.copy_uid("D1", 1), Mode.RECALL)


def _issue_then_recall_then_void_recall(s: Session, k: bytes, w: World) -> None:
    _recall_d1(s, k, w)
    out = void_event(
        session=s,
        key=k,
        meeting_code="M1",
        seq=_seq_of(Action.RECALL)(s),
        note="x",
        operator=OFFICER,
    )
    s.commit()
    assert out.accepted


@dataclass
class Case:
    name: str
    change: Change
    accepted: bool
    says: str
    setup: Setup = _nothing
    check: Callable[[Session, World], None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _late_attendee_row(s: Session, _w: World) -> None:
    a = s.exec(select(Attendee).where(Attendee.code == "A010")).one()
    card = s.exec(select(Carrier).where(Carrier.owner_id == a.id)).one()
    assert (a.clearance, a.out_of_town, a.pass_number, card.tag_uid) == (
        "机密",
        True,
        "P010",
        NEW_UID,
    )


def _substitute_row(s: Session, w: World) -> None:
    a = s.exec(select(Attendee).where(Attendee.code == "A010")).one()
    assert a.substitute_for_id == w.people["A003"].id
    card = s.exec(select(Carrier).where(Carrier.owner_id == a.id)).one()
    assert card.id != w.passes["A003"].id  # a pass of their own: the absent one's is not lent


def _copies_rows(s: Session, w: World) -> None:
    numbers = s.exec(
        select(Carrier.copy_number)
        .where(Carrier.document_id == w.docs["D1"].id)
        .order_by(col(Carrier.copy_number))
    ).all()
    assert list(numbers) == [1, 2, 3, 4, 5]
    assert s.get(Document, w.docs["D1"].id).copies == 5  # type: ignore[union-attr]


def _withdrawn_row(s: Session, w: World) -> None:
    s.refresh(w.copies[("D1", 2)])
    assert w.copies[("D1", 2)].state == State.WITHDRAWN
    counts = reconciliation(s, w.meeting).counts()
    assert counts["withdrawn"] == 1 and counts["never_issued"] == 8 - 1
    assert counts["total"] == 8 - 1 and counts["left_custody"] == 0
    assert counts["outstanding"] == 0


def _retagged(s: Session, w: World) -> None:
    card = s.get(Carrier, w.copies[("D1", 1)].id)
    assert card is not None and card.tag_uid == NEW_UID
    assert s.exec(select(RetiredTag)).one().replaced_by == NEW_UID


def _restored_issued(s: Session, w: World) -> None:
    card = s.get(Carrier, w.copies[("D1", 1)].id)
    assert card is not None
    s.refresh(card)
    assert (card.state, card.holder_id) == (State.ISSUED, w.people["A001"].id)


def _restored_registered(s: Session, w: World) -> None:
    card = s.get(Carrier, w.copies[("D1", 1)].id)
    assert card is not None
    s.refresh(card)
    assert (card.state, card.holder_id, card.remembered_holder_id) == (State.REGISTERED, None, None)


CASES = [
    # --- attendee add ---
    Case(
        "late attendee",
        _add(out_of_town=True, pass_number="P010", pass_uid=NEW_UID),
        True,
        "已增补参会人员 A010",
        check=_late_attendee_row,
    ),
    Case(
        "late attendee in a planned meeting",
        _add(),
        True,
        "已增补",
        extra={"status": MeetingStatus.PLANNED},
    ),
    Case(
        "late attendee by a custodian alone (clearance is an officer's decision)",
        _add(approver=""),
        False,
        "增补参会人员（知悉范围、外地代表由保密负责人决定）需保密负责人批准（当前操作员：小孙",
    ),
    Case("late attendee by an officer", _add(op=OFFICER, approver=""), True, "已增补参会人员 A010"),
    Case("attendee code taken", _add("A001"), False, "已有参会人员 A001（张三）"),
    Case("attendee code taken (letter case)", _add("a001"), False, "已有参会人员 A001"),
    Case("pass number taken", _add(pass_number="P001"), False, "会议证号 P001 已属于 A001 张三"),
    Case("pass tag bound elsewhere", _add(pass_uid="D2/1"), False, "已绑定：M1 D2 第001份"),
    Case("after close", _add(), False, "会议已结束", setup=_close),
    # --- substitute ---
    Case("substitute by an officer", _sub(), True, "代 A003 王五 参会", check=_substitute_row),
    Case(
        "substitute approved for a custodian", _sub(op=CUSTODIAN, approver=OFFICER), True, "代 A003"
    ),
    Case("substitute by a custodian alone", _sub(op=CUSTODIAN), False, "需保密负责人批准"),
    Case(
        "absent delegate holds their pass",
        _sub(),
        False,
        "王五 尚持有 会议证 P003",
        setup=_issue_a003_pass,
    ),
    Case(
        "absent delegate already substituted",
        _sub(code="A012"),
        False,
        "已由 A011 钱八 代会",
        setup=_substitute_a003,
    ),
    Case(
        "a substitute cannot be substituted",
        _sub("A011", "A012"),
        False,
        "本人是代会人员",
        setup=_substitute_a003,
    ),
    # --- copies add ---
    Case("copies added", _copies(count=2), True, "第004份至第005份", check=_copies_rows),
    Case("copies beyond the limit", _copies(count=10_000), False, "超过上限 10000"),
    Case("copies after close", _copies(), False, "会议已结束", setup=_close),
    # --- copies withdraw ---
    Case(
        "withdraw a copy never issued",
        _withdraw(),
        True,
        "已作废 D1 第002份：印坏",
        check=_withdrawn_row,
    ),
    Case(
        "withdraw approved for a custodian",
        _withdraw(op=CUSTODIAN, approver=OFFICER),
        True,
        "已作废",
    ),
    Case("withdraw by a custodian alone", _withdraw(op=CUSTODIAN), False, "需保密负责人批准"),
    Case(
        "withdraw an issued copy",
        _withdraw(copy=1),
        False,
        "D1 第001份 当前已发放",
        setup=_issue_d1,
    ),
    Case("withdraw without a note", _withdraw(note=" "), False, "须填写说明"),
    Case(
        "withdraw twice",
        _withdraw(),
        False,
        "当前已作废",
        setup=_withdraw_d1_2,
    ),
    # --- retag ---
    Case("retag a copy in custody", _retag(), True, "已换标签", check=_retagged),
    Case("retag a pass in custody", _retag(old="A001"), True, "会议证 P001（张三） 已换标签"),
    Case(
        "retag an issued copy needs an officer",
        _retag(),
        False,
        "为已发出的载体换标签需保密负责人批准",
        setup=_issue_d1,
    ),
    Case(
        "retag an issued copy by an officer", _retag(op=OFFICER), True, "已换标签", setup=_issue_d1
    ),
    Case("retag to a tag bound elsewhere", _retag(new="D2/1"), False, "已绑定：M1 D2 第001份"),
    Case("retag a lost copy", _retag(op=OFFICER), False, "当前已挂失，不能换标签", setup=_lose_d1),
    # --- void ---
    Case(
        "void an issue",
        _void(_seq_of(Action.ISSUE)),
        True,
        "恢复为 在库",
        setup=_issue_d1,
        check=_restored_registered,
    ),
    Case(
        "void a recall",
        _void(_seq_of(Action.RECALL)),
        True,
        "恢复为 已发放",
        setup=_recall_d1,
        check=_restored_issued,
    ),
    Case(
        "void approved for a custodian",
        _void(_seq_of(Action.RECALL), op=CUSTODIAN, approver=OFFICER),
        True,
        "已撤销",
        setup=_recall_d1,
    ),
    Case(
        "void by a custodian alone",
        _void(_seq_of(Action.RECALL), op=CUSTODIAN),
        False,
        "需保密负责人批准",
        setup=_recall_d1,
    ),
    Case(
        "void with later events on the carrier",
        _void(_seq_of(Action.ISSUE)),
        False,
        "之后同一载体还有：第 6 条（清退收回）",
        setup=_recall_d1,
    ),
    Case(
        "void of a void",
        _void(_seq_of(Action.VOID)),
        False,
        "不能撤销“撤销”",
        setup=_issue_then_recall_then_void_recall,
    ),
    Case(
        "void twice",
        _void(_seq_of(Action.RECALL)),
        False,
        "已由第 7 条撤销",
        setup=_issue_then_recall_then_void_recall,
    ),
    Case(
        "void after the voided later event",
        _void(_seq_of(Action.ISSUE)),
        True,
        "恢复为 在库",
        setup=_issue_then_recall_then_void_recall,
        check=_restored_registered,
    ),
    Case("void a non-tap event", _void(_seq_of(Action.IMPORT, 0)), False, "只能撤销刷卡记录"),
    Case(
        "void without a note",
        _void(_seq_of(Action.ISSUE), note=""),
        False,
        "须填写说明",
        setup=_issue_d1,
    ),
    Case(
        "void a refused tap",
        _void(lambda s: 6),
        False,
        "没有改变任何状态",
        setup=_issue_d1_twice,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_change(case: Case, engine: Engine, session: Session, key: bytes) -> None:
    world = make_world(session, status=case.extra.get("status", MeetingStatus.OPEN), filed=False)
    case.setup(session, key, world)
    before = session.exec(select(Event.seq).order_by(col(Event.seq).desc())).first() or 0
    outcome = case.change(session, key, world)
    session.commit()
    assert outcome.accepted is case.accepted, outcome.message
    assert case.says in outcome.message
    last = session.exec(select(Event).where(Event.seq == outcome.seq)).one()
    assert last.seq == before + 1  # one event (a late attendee's tag binding adds its own)
    assert last.verdict == (Verdict.ACCEPTED if case.accepted else Verdict.REFUSED)
    if not case.accepted:
        assert last.reason == outcome.message
    if case.check is not None:
        case.check(session, world)
    verify_ok(engine, key, session)


VOIDS = [c for c in CASES if hasattr(c.change, "ask")]


@pytest.mark.parametrize("case", VOIDS, ids=[c.name for c in VOIDS])
def test_void_check_agrees_with_the_void(case: Case, session: Session, key: bytes) -> None:
    """``check_void`` (asked before anyone authenticates) refuses, in the same words, what
    ``void_event`` refuses whoever approves, lets the rest through, and records nothing."""
    world = make_world(session, status=case.extra.get("status", MeetingStatus.OPEN), filed=False)
    case.setup(session, key, world)
    session.commit()
    count = len(session.exec(select(Event)).all())
    early = ""
    try:
        case.change.ask(session)  # type: ignore[attr-defined]
    except Refused as refusal:
        early = str(refusal)
    session.rollback()
    assert len(session.exec(select(Event)).all()) == count
    outcome = case.change(session, key, world)
    lifted = outcome.accepted or outcome.reason_key == "change_officer"
    assert early == ("" if lifted else outcome.message)


def test_void_checks_again_under_its_lock(session: Session, key: bytes) -> None:
    """What ``check_void`` found voidable may be voided by another desk before the PINs are
    typed: the void itself reads the ledger again under the head lock, and refuses (recorded)."""
    world = make_world(session, filed=False)
    _recall_d1(session, key, world)
    session.commit()
    recall = _seq_of(Action.RECALL)
    check_void(session=session, meeting_code="M1", seq=recall(session), note="误刷")  # voidable
    session.rollback()
    first = _void(recall)(session, key, world)  # another desk, meanwhile
    session.commit()
    again = _void(recall)(session, key, world)
    session.commit()
    assert first.accepted and again.refused and first.seq is not None
    assert again.seq == first.seq + 1 and f"已由第 {first.seq} 条撤销" in again.message
    with pytest.raises(Refused, match=f"已由第 {first.seq} 条撤销"):
        check_void(session=session, meeting_code="M1", seq=recall(session), note="误刷")


def test_a_change_to_a_closed_meeting_is_refused_before_anyone_authenticates(
    session: Session, key: bytes
) -> None:
    """``check_names`` (asked before any PIN) refuses every change of a closed meeting in the
    words the change itself records, and records nothing."""
    world = make_world(session, filed=False)
    _close(session, key, world)
    count = len(session.exec(select(Event)).all())
    with pytest.raises(Refused) as early:
        check_names(session=session, meeting_code="M1", doc_no="D1")
    session.rollback()
    assert len(session.exec(select(Event)).all()) == count
    outcome = _copies()(session, key, world)
    assert outcome.refused and str(early.value) == outcome.message


# --- bad input: nothing recorded --------------------------------------------------------------


BAD = [
    (
        "unknown meeting",
        lambda s, k, w: add_attendee(session=s, key=k, meeting_code="NOPE", person=person()),
        NotFoundError,
        "无此会议代号：NOPE",
    ),
    ("unknown absent code", _sub("A999"), NotFoundError, "无参会人员 A999"),
    ("unknown document", _copies("D9"), NotFoundError, "无文件编号 D9"),
    ("zero copies", _copies(count=0), CarrierTrackerError, "加印份数应为 1 到 10000"),
    ("unknown copy", _withdraw(copy=9), NotFoundError, "无第 9 份"),
    (
        "unknown old tag",
        lambda s, k, w: retag(
            session=s, key=k, meeting_code="M1", old_uid=uid(777), new_uid=NEW_UID
        ),
        NotFoundError,
        "没有绑定标签",
    ),
    (
        "same tags",
        lambda s, k, w: retag(
            session=s, key=k, meeting_code="M1", old_uid=NEW_UID, new_uid=NEW_UID
        ),
        CarrierTrackerError,
        "新旧标签相同",
    ),
    (
        "malformed new tag",
        lambda s, k, w: retag(
            session=s, key=k, meeting_code="M1", old_uid=w.copy_uid("D1", 1), new_uid="XYZ"
        ),
        CarrierTrackerError,
        "UID 格式错误",
    ),
    (
        "void of a missing seq",
        _void(lambda s: 99),
        NotFoundError,
        "没有第 99 条台账记录（共 3 条）",
    ),
    (
        "empty name",
        lambda s, k, w: add_attendee(session=s, key=k, meeting_code="M1", person=person(name=" ")),
        CarrierTrackerError,
        "姓名不能为空",
    ),
]


@pytest.mark.parametrize("name,change,error,says", BAD, ids=[b[0] for b in BAD])
def test_bad_input_changes_nothing(
    name: str,
    change: Change,
    error: type[Exception],
    says: str,
    engine: Engine,
    session: Session,
    key: bytes,
) -> None:
    world = make_world(session, filed=False)
    count = len(session.exec(select(Event)).all())
    with pytest.raises(error, match=says):
        change(session, key, world)
    session.rollback()
    assert len(session.exec(select(Event)).all()) == count
    verify_ok(engine, key, session)


# --- retired tags and withdrawn copies refuse forever -----------------------------------------


def test_retired_tag_is_refused_forever(engine: Engine, session: Session, key: bytes) -> None:
    world = make_world(session, filed=False)
    old = world.copy_uid("D1", 1)
    assert retag(
        session=session,
        key=key,
        meeting_code="M1",
        old_uid=old,
        new_uid=NEW_UID,
        operator=CUSTODIAN,
    ).accepted
    session.commit()
    for mode in (Mode.ISSUE, Mode.RECALL, Mode.ENTRANCE):
        out = record_tap(
            session=session,
            key=key,
            meeting_code="M1",
            uid=old,
            mode=mode,
            attendee_code="A001",
            operator=CUSTODIAN,
        )
        assert out.refused and out.message == f"标签已停用（已换为 {NEW_UID}）"
    session.commit()
    with pytest.raises(ConflictError, match=f"标签已停用（已换为 {NEW_UID}）"):
        bind_copy(session=session, key=key, meeting_code="M1", doc_no="D3", copy_no=1, uid=old)
    session.rollback()
    late = add_attendee(
        session=session,
        key=key,
        meeting_code="M1",
        person=person(pass_uid=old),
        operator=CUSTODIAN,
        approver=OFFICER,
    )
    assert late.refused and "标签已停用" in late.message
    session.commit()
    # the new tag works
    tap(session, key, world.pass_uid("A001"), Mode.ISSUE)
    out = record_tap(
        session=session,
        key=key,
        meeting_code="M1",
        uid=NEW_UID,
        mode=Mode.ISSUE,
        attendee_code="A001",
        operator=CUSTODIAN,
    )
    assert out.verdict is Verdict.ACCEPTED
    session.commit()
    verify_ok(engine, key, session)


def test_withdrawn_copy_refuses_every_tap(session: Session, key: bytes) -> None:
    world = make_world(session, filed=False)
    assert _withdraw()(session, key, world).accepted
    session.commit()
    for mode in (Mode.ISSUE, Mode.RECALL, Mode.LOST, Mode.DISPATCH):
        out = record_tap(
            session=session,
            key=key,
            meeting_code="M1",
            uid=world.copy_uid("D1", 2),
            mode=mode,
            attendee_code="A001",
            consignment_no="K1",
            operator=OFFICER,
            note="x",
        )
        assert out.refused and "当前已作废" in out.message, (mode, out.message)


def test_added_copies_can_be_bound_and_issued(engine: Engine, session: Session, key: bytes) -> None:
    world = make_world(session, filed=False)
    assert _copies(count=1)(session, key, world).accepted
    session.commit()
    bind_copy(session=session, key=key, meeting_code="M1", doc_no="D1", copy_no=4, uid=NEW_UID)
    session.commit()
    tap(session, key, world.pass_uid("A002"), Mode.ISSUE)
    tap(session, key, NEW_UID, Mode.ISSUE, attendee_code="A002")
    verify_ok(engine, key, session)


def test_late_attendee_pass_bound_later_and_used(
    engine: Engine, session: Session, key: bytes
) -> None:
    world = make_world(session, filed=False)
    assert _add()(session, key, world).accepted
    session.commit()
    bind_pass(session=session, key=key, meeting_code="M1", attendee_code="A010", uid=NEW_UID)
    session.commit()
    tap(session, key, NEW_UID, Mode.ISSUE)
    tap(session, key, world.copy_uid("D1", 1), Mode.ISSUE, attendee_code="A010")
    verify_ok(engine, key, session)


# --- verify names a direct SQL change to what the changes created -----------------------------

TAMPER = [
    (
        "substitute link",
        "UPDATE attendee SET substitute_for_id = NULL WHERE code = 'A011'",
        "代会（所代人员）",
    ),
    (
        "late attendee clearance",
        "UPDATE attendee SET clearance = '绝密' WHERE code = 'A010'",
        "A010 赵六·知悉范围",
    ),
    (
        "late attendee renamed",
        "UPDATE attendee SET name = '假名' WHERE code = 'A012'",
        "A012 孙九·姓名",
    ),
    ("added copies count", "UPDATE document SET copies = 3 WHERE number = 'D1'", "D1·份数"),
    (
        "added copy renumbered",
        "UPDATE carrier SET copy_number = 9 WHERE copy_number = 5",
        "第005份·份号",
    ),
    (
        "withdrawn copy back",
        "UPDATE carrier SET state = 'registered' WHERE state = 'withdrawn'",
        "D1 第004份：台账为 已作废",
    ),
    ("retired tag dropped", "DELETE FROM retiredtag", "停用标签"),
    ("retired tag redirected", "UPDATE retiredtag SET replaced_by = '04AA'", "停用标签"),
    (
        "retired tag added",
        "INSERT INTO retiredtag (uid, meeting_id, carrier_id, replaced_by, at) SELECT '04BB', meeting_id, id, tag_uid, '2026-01-01' FROM carrier WHERE copy_number = 2 AND document_id = (SELECT id FROM document WHERE number = 'D2')",
        "停用标签 04BB",
    ),
    (
        "new tag reverted",
        f"UPDATE carrier SET tag_uid = '{uid(5)}' WHERE tag_uid = '{NEW_UID}'",
        "标签",
    ),
    (
        "voided state undone",
        "UPDATE carrier SET state = 'recovered', holder_id = NULL WHERE state = 'issued' AND kind = 'copy'",
        "D1 第001份：台账为 已发放",
    ),
]


def _busy(session: Session, key: bytes, world: World) -> None:
    """One of each change, all accepted."""
    for change in (
        _add(),
        _sub("A003", "A011"),
        _add("A012", name="孙九"),
        _copies(count=2),
        _withdraw(copy=4),
        _retag(),
    ):
        out = change(session, key, world)
        session.commit()
        assert out.accepted, out.message
    tap(session, key, world.pass_uid("A001"), Mode.ISSUE)
    tap(session, key, NEW_UID, Mode.ISSUE, attendee_code="A001")
    seq = tap(session, key, NEW_UID, Mode.RECALL)
    assert _void(lambda s: seq)(session, key, world).accepted
    session.commit()


@pytest.mark.parametrize("name,sql,named", TAMPER, ids=[t[0] for t in TAMPER])
def test_verify_names_a_direct_edit(
    name: str, sql: str, named: str, engine: Engine, session: Session, key: bytes
) -> None:
    world = make_world(session, filed=False)
    _busy(session, key, world)
    verify_ok(engine, key, session)
    session.execute(text(sql))
    session.commit()
    found = differences(engine, key, session)
    assert any(named in d for d in found), found


# --- the workbook and status show the changes -------------------------------------------------


def test_export_and_status_show_the_changes(
    engine: Engine, session: Session, key: bytes, tmp_path: Path
) -> None:
    world = make_world(session, filed=False)
    _busy(session, key, world)
    out = substitute_attendee(
        session=session,
        key=key,
        meeting_code="M1",
        absent_code="A002",
        person=person("A013"),
        operator=CUSTODIAN,
    )
    session.commit()
    assert out.refused
    path = tmp_path / "m1.xlsx"
    session.close()
    with Session(engine) as fresh:
        result = export_meeting(session=fresh, key=key, meeting_code="M1", path=path)
        data = status(fresh, "M1")
    assert result.audit.ok
    wb = openpyxl.load_workbook(path)
    passes = {r[3]: r for r in table(wb["会议证发放回收"])}
    assert passes["A011"][11] == "代 A003 王五 参会"
    assert passes["A003"][11] == "缺席，由 A011 赵六 代会"
    assert passes["A010"][11] == "会中增补"
    register = {(r[1], r[4]): r for r in table(wb["文件发放回收登记表"])}
    assert register[("D1", "004")][12] == "已作废" and "作废：印坏" in register[("D1", "004")][14]
    assert ("D1", "005") in register
    assert register[("D1", "001")][12] == "已发放"  # the voided recall is not in the register
    log = {r[0]: r for r in table(wb["操作日志"])}
    void_row = next(r for r in log.values() if r[5] == "撤销" and r[9] == "成功")
    voided = next(r for r in log.values() if r[9] and "已撤销" in str(r[9]))
    assert voided[5] == "清退收回" and f"已撤销（第 {void_row[0]} 条）" in voided[9]
    assert any(
        r[5] == "代会" and r[9] == "拒绝" and "需保密负责人批准" in r[10] for r in log.values()
    )
    assert any(r[5] == "换标签" and r[7] == NEW_UID for r in log.values())
    assert summary(wb["汇总"])["文件·已作废"] == 1
    marked = {p["code"]: p["mark"] for p in data["marked"]}
    assert marked == {
        "A003": "缺席，由 A011 赵六 代会",
        "A010": "会中增补",
        "A011": "代 A003 王五 参会",
        "A012": "会中增补",
    }
    assert data["counts"]["withdrawn"] == 1


def test_absent_delegate_receives_nothing_after_a_substitution(
    session: Session, key: bytes
) -> None:
    """Once a substitute (代会) takes A003's place, A003's pass and copies are refused, naming the
    substitute; the substitute receives with a pass of their own."""
    world = make_world(session)
    _substitute_a003(session, key, world)

    def try_(tag: str, **kw: Any) -> Any:
        out = record_tap(
            session=session,
            key=key,
            meeting_code="M1",
            uid=tag,
            mode=Mode.ISSUE,
            operator=CUSTODIAN,
            **kw,
        )
        session.commit()
        return out

    refused_pass = try_(world.pass_uid("A003"))
    assert refused_pass.verdict is Verdict.REFUSED
    assert "已由 A011 钱八 代会" in refused_pass.message
    refused_copy = try_(world.copy_uid("D1", 1), attendee_code="A003")
    assert refused_copy.verdict is Verdict.REFUSED and "代会" in refused_copy.message
    # an officer's override does not lift it: the delegate is absent
    override = record_tap(
        session=session,
        key=key,
        meeting_code="M1",
        uid=world.copy_uid("D1", 1),
        mode=Mode.ISSUE,
        operator=OFFICER,
        attendee_code="A003",
        override=True,
    )
    session.commit()
    assert override.verdict is Verdict.REFUSED
    # someone else is unaffected
    try_(world.pass_uid("A001"))
    assert try_(world.copy_uid("D1", 1), attendee_code="A001").verdict is Verdict.ACCEPTED


def test_the_desk_rereads_people_only_after_people_changed(session: Session, key: bytes) -> None:
    """``people_changed_since``: true after a late attendee or a substitute, false after taps."""
    from carrier_tracker.storage.queries import people_changed_since

    world = make_world(session, filed=False)
    meeting = world.meeting

    def newest() -> int:
        return int(session.exec(select(Event.seq).order_by(col(Event.seq).desc())).first() or 0)

    start = newest()
    assert not people_changed_since(session, meeting, start)
    tap(session, key, world.pass_uid("A001"), Mode.ISSUE)
    assert not people_changed_since(session, meeting, start)  # a tap changes nobody
    after_tap = newest()
    add_attendee(session=session, key=key, meeting_code="M1", person=person(), operator=OFFICER)
    session.commit()
    assert people_changed_since(session, meeting, after_tap)
    assert not people_changed_since(session, meeting, newest())  # nothing after the newest
