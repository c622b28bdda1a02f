"""The ledger is the record: edits an insider with write access to the database makes — for a
minute (changed, used, changed back) or for good — are named by ``verify`` (the seq and the
reason, in a refusal's words), refuse ``close`` and mark the export 校验未通过.

Each test makes one kind of edit with plain SQL, as an insider would, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from carrier_tracker import messages
from carrier_tracker.access.operators import AuthError, authenticate
from carrier_tracker.custody import checklists
from carrier_tracker.custody.service import Outcome, find_meeting, record_tap
from carrier_tracker.enums import Answer, Level, MeetingStatus, Mode, Verdict
from carrier_tracker.errors import ConflictError
from carrier_tracker.ledger.audit import AuditReport, audit_meeting, audit_system
from carrier_tracker.meeting.lifecycle import close_meeting
from carrier_tracker.meeting.policy import answer_items
from carrier_tracker.paper.export import export_meeting
from carrier_tracker.storage import db
from tests.conftest import KEY
from tests.factories import PIN, World, make_world

OFFICER, CUSTODIAN = "赵官", "小孙"


@dataclass
class Desk:
    """A meeting on a real database, and the insider's SQL."""

    engine: Engine
    world: World

    def sql(self, statement: str, **params: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(statement), params)

    def tap(self, uid: str, mode: Mode, **kw: Any) -> Outcome:
        kw.setdefault("operator", CUSTODIAN)
        with db.session_scope(self.engine) as s:
            return record_tap(session=s, key=KEY, meeting_code="M1", uid=uid, mode=mode, **kw)

    def accepted(self, uid: str, mode: Mode, **kw: Any) -> int:
        out = self.tap(uid, mode, **kw)
        assert out.verdict is Verdict.ACCEPTED and out.seq is not None, out.message
        return out.seq

    def report(self) -> AuditReport:
        with db.read_scope(self.engine) as s:
            report = audit_meeting(s, KEY, find_meeting(s, "M1"))
            if self.engine.url.get_backend_name() == "postgresql":
                # verify of a long chain checks the links in a child process: the same report
                apart = audit_meeting(s, KEY, find_meeting(s, "M1"), apart=1)
                assert apart == report
                assert apart.links in ("apart", "again") or not report.chain.count  # no head
            return report

    def close_refusal(self) -> str:
        with pytest.raises(ConflictError) as e, db.session_scope(self.engine) as s:
            close_meeting(session=s, key=KEY, meeting_code="M1", operator=OFFICER)
        return str(e.value)

    def export_verdict(self, tmp: Path) -> str:
        path = tmp / "export.xlsx"
        with db.read_scope(self.engine) as s:
            result = export_meeting(session=s, key=KEY, meeting_code="M1", path=path)
        assert not result.audit.ok
        wb = openpyxl.load_workbook(path, read_only=True)
        cells = [str(c) for row in wb.worksheets[0].iter_rows(values_only=True) for c in row]
        return "\n".join(cells)

    def issue_pass(self, code: str) -> None:
        self.accepted(self.world.pass_uid(code), Mode.ISSUE)


@pytest.fixture
def desk(engine: Engine) -> Iterator[Desk]:
    with Session(engine, expire_on_commit=False) as s:
        world = make_world(s, key=KEY)
    yield Desk(engine, world)


def assert_everywhere(desk: Desk, tmp: Path, line: str) -> None:
    """Named by verify, refusing close, marking the export."""
    report = desk.report()
    assert not report.ok
    assert line in report.findings(), report.findings()
    assert line in desk.close_refusal()
    assert "校验未通过" in desk.export_verdict(tmp)


def forbidden(seq: int, reason: str) -> str:
    return f"第 {seq} 条：按台账当时的记录，{reason}"


# --- edits for a minute: changed, used, changed back -----------------------------------------


def test_a_clearance_raised_for_one_issue(desk: Desk, tmp_path: Path) -> None:
    desk.issue_pass("A003")  # 王五, 秘密
    desk.sql("UPDATE attendee SET clearance = '机密' WHERE code = 'A003'")
    seq = desk.accepted(desk.world.copy_uid("D1", 1), Mode.ISSUE, attendee_code="A003")
    desk.sql("UPDATE attendee SET clearance = '秘密' WHERE code = 'A003'")
    assert desk.report().differences == ()  # the end state is what the ledger says
    assert_everywhere(desk, tmp_path, forbidden(seq, "知悉范围不足：王五 为秘密，文件为机密"))


def test_a_document_marked_take_away_for_one_carry_out(desk: Desk, tmp_path: Path) -> None:
    desk.issue_pass("A002")  # 李四, out of town
    desk.accepted(desk.world.copy_uid("D2", 1), Mode.ISSUE, attendee_code="A002")
    desk.sql("UPDATE document SET may_take_away = :yes WHERE number = 'D2'", yes=True)
    seq = desk.accepted(desk.world.copy_uid("D2", 1), Mode.CARRY_OUT, operator=OFFICER)
    desk.sql("UPDATE document SET may_take_away = :no WHERE number = 'D2'", no=False)
    assert_everywhere(desk, tmp_path, forbidden(seq, "D2 第001份 不允许带离会场"))


def test_an_attendee_made_out_of_town_for_one_carry_out(desk: Desk, tmp_path: Path) -> None:
    desk.issue_pass("A001")  # 张三, local
    desk.accepted(desk.world.copy_uid("D1", 1), Mode.ISSUE, attendee_code="A001")
    desk.sql("UPDATE attendee SET out_of_town = :yes WHERE code = 'A001'", yes=True)
    seq = desk.accepted(desk.world.copy_uid("D1", 1), Mode.CARRY_OUT, operator=OFFICER)
    desk.sql("UPDATE attendee SET out_of_town = :no WHERE code = 'A001'", no=False)
    assert_everywhere(desk, tmp_path, forbidden(seq, "张三 不是外地代表，不能带离文件"))


def test_a_custodian_made_an_officer_for_one_carry_out(desk: Desk, tmp_path: Path) -> None:
    desk.issue_pass("A002")
    desk.accepted(desk.world.copy_uid("D1", 1), Mode.ISSUE, attendee_code="A002")
    desk.sql("UPDATE operator SET role = 'officer' WHERE name = :n", n=CUSTODIAN)
    seq = desk.accepted(desk.world.copy_uid("D1", 1), Mode.CARRY_OUT, operator=CUSTODIAN)
    desk.sql("UPDATE operator SET role = 'custodian' WHERE name = :n", n=CUSTODIAN)
    assert desk.report().system is not None and desk.report().system.ok  # type: ignore[union-attr]
    assert_everywhere(desk, tmp_path, forbidden(seq, "需保密负责人批准（当前操作员：小孙）"))


def test_an_officers_pin_hash_swapped_for_one_approval(desk: Desk, tmp_path: Path) -> None:
    """The door refuses a swapped hash (its digest is not the one the system chain set); and an
    approval a front end recorded while a hash was swapped is named after the swap is undone."""
    desk.issue_pass("A002")
    desk.accepted(desk.world.copy_uid("D1", 1), Mode.ISSUE, attendee_code="A002")
    with desk.engine.connect() as conn:
        own = conn.execute(text("SELECT pin_hash FROM operator WHERE name = :n"), {"n": OFFICER})
        original = own.scalar()
    desk.sql(
        "UPDATE operator SET pin_hash = (SELECT pin_hash FROM operator WHERE name = :c)"
        " WHERE name = :o",
        c=CUSTODIAN,
        o=OFFICER,
    )
    with pytest.raises(AuthError, match="PIN 记录与系统台账不符"):
        authenticate(engine=desk.engine, key=KEY, name=OFFICER, pin=PIN)
    seq = desk.accepted(desk.world.copy_uid("D1", 1), Mode.CARRY_OUT, approver=OFFICER)
    desk.sql("UPDATE operator SET pin_hash = :h WHERE name = :o", h=original, o=OFFICER)
    line = forbidden(seq, "赵官 的 PIN 记录不是系统台账登记的（PIN 记录被替换过）")
    assert_everywhere(desk, tmp_path, line)


def test_an_officer_row_inserted_for_one_approval(desk: Desk, tmp_path: Path) -> None:
    desk.issue_pass("A002")
    desk.accepted(desk.world.copy_uid("D1", 1), Mode.ISSUE, attendee_code="A002")
    desk.sql(
        "INSERT INTO operator (name, role, pin_hash, disabled, failed_attempts)"
        " SELECT '假官', 'officer', pin_hash, disabled, 0 FROM operator WHERE name = :c",
        c=CUSTODIAN,
    )
    seq = desk.accepted(desk.world.copy_uid("D1", 1), Mode.CARRY_OUT, approver="假官")
    desk.sql("DELETE FROM operator WHERE name = '假官'")
    assert_everywhere(desk, tmp_path, forbidden(seq, "批准人 假官 当时不是在用的保密负责人"))
    assert forbidden(seq, "需保密负责人批准（当前操作员：小孙）") in desk.report().findings()


def test_an_unfiled_meeting_marked_filed_for_one_tap(engine: Engine, tmp_path: Path) -> None:
    with Session(engine, expire_on_commit=False) as s:
        world = make_world(s, key=KEY, filed=False, status=MeetingStatus.DRAFT)
        venue = checklists.active()[checklists.VENUE]
        answer_items(
            session=s,
            key=KEY,
            meeting_code="M1",
            checklist=venue,
            answers=[(it.id, Answer.OK, "") for it in venue.items],
            operator=OFFICER,
        )
        s.commit()
    desk = Desk(engine, world)
    desk.sql("UPDATE meeting SET status = 'filed'")
    seq = desk.accepted(world.pass_uid("A001"), Mode.ISSUE)
    desk.sql("UPDATE meeting SET status = 'draft'")  # and the tap opened it: put back too
    reason = (
        "会议 M1（机密）尚未备案，不能开始；请保密负责人先备案：carrier-tracker meeting file M1"
        " --ref 备案编号 --date YYYY-MM-DD"
    )
    report = desk.report()
    assert forbidden(seq, reason) in report.findings(), report.findings()
    assert "校验未通过" in desk.export_verdict(tmp_path)


# --- edits that stay -----------------------------------------------------------------------


def _closed(desk: Desk) -> None:
    with db.session_scope(desk.engine) as s:
        close_meeting(session=s, key=KEY, meeting_code="M1", operator=OFFICER, note="按时结束")


def test_the_close_fields_edited_after_the_close(desk: Desk, tmp_path: Path) -> None:
    _closed(desk)
    assert desk.report().ok
    desk.sql("UPDATE meeting SET closed_by = '别人', close_note = '改过'")
    findings = desk.report().findings()
    assert "会议·结束操作人：台账为 赵官，数据库为 别人" in findings
    assert "会议·结束说明：台账为 按时结束，数据库为 改过" in findings
    assert "校验未通过" in desk.export_verdict(tmp_path)
    desk.sql("UPDATE meeting SET closed_by = :b, close_note = '按时结束'", b=OFFICER)
    desk.sql("UPDATE meeting SET closed_at = NULL")
    assert any(f.startswith("会议·结束时间：台账为 ") for f in desk.report().findings())


def test_a_state_since_edited(desk: Desk, tmp_path: Path) -> None:
    desk.issue_pass("A001")
    desk.sql(
        "UPDATE carrier SET state_since = NULL WHERE owner_id IS NOT NULL AND state = 'issued'"
    )
    line = next(f for f in desk.report().findings() if "状态起始时间" in f)
    assert line.startswith("会议证 P001（张三）·状态起始时间：台账为 ")
    assert line in desk.close_refusal()


def test_a_consignments_state_and_times_edited(desk: Desk, tmp_path: Path) -> None:
    desk.accepted(desk.world.copy_uid("D1", 3), Mode.DISPATCH, consignment_no="K1")
    assert desk.report().ok
    desk.sql("UPDATE consignment SET state = 'open', dispatched_at = NULL")
    findings = desk.report().findings()
    assert "机要件 K1·状态：台账为 in_transit，数据库为 open" in findings
    assert any(f.startswith("机要件 K1·发出时间：台账为 2") for f in findings)
    assert_everywhere(desk, tmp_path, "机要件 K1·状态：台账为 in_transit，数据库为 open")


def test_a_reset_lockout_counter(desk: Desk, tmp_path: Path) -> None:
    for _ in range(3):
        with pytest.raises(AuthError):
            authenticate(engine=desk.engine, key=KEY, name=CUSTODIAN, pin="000000")
    desk.sql("UPDATE operator SET failed_attempts = 0 WHERE name = :n", n=CUSTODIAN)
    line = "系统台账：操作员 小孙·连续失败次数：台账为 3，数据库为 0"
    assert_everywhere(desk, tmp_path, line)


@pytest.mark.parametrize(
    ("edit", "line"),
    [
        (
            "INSERT INTO operator (name, role, disabled, failed_attempts) VALUES"
            " ('混入者', 'officer', :no, 0)",
            "系统台账：操作员 混入者：数据库为 保密负责人，台账中没有（未经登记）",
        ),
        (
            "UPDATE operator SET role = 'officer' WHERE name = '孙文管'",
            "系统台账：操作员 孙文管·角色：台账为 文管员，数据库为 保密负责人",
        ),
        (
            "UPDATE operator SET disabled = :yes WHERE name = '孙文管'",
            "系统台账：操作员 孙文管·已停用：台账为 否，数据库为 是",
        ),
        (
            "UPDATE operator SET card_uid = '04AAAAAAAAAAAA' WHERE name = '赵官'",
            "系统台账：操作员 赵官·批准卡：台账为 （空），数据库为 04AAAAAAAAAAAA",
        ),
        (
            "UPDATE operator SET pin_hash = (SELECT pin_hash FROM operator WHERE name = '小孙')"
            " WHERE name = '赵官'",
            "系统台账：操作员 赵官·PIN 记录：台账为 系统台账所登记的 PIN，数据库为 另一 PIN（被替换）",
        ),
    ],
    ids=["officer inserted", "role changed", "disabled", "card changed", "pin hash replaced"],
)
def test_operator_rows_edited_refuse_close_and_mark_the_export(
    desk: Desk, tmp_path: Path, edit: str, line: str
) -> None:
    desk.sql(edit, yes=True, no=False)
    assert_everywhere(desk, tmp_path, line)


def test_a_system_event_deleted(desk: Desk, tmp_path: Path) -> None:
    desk.sql("DELETE FROM systemevent WHERE seq = 2")
    report = desk.report()
    assert report.system is not None and report.system.broken_seq == 2
    assert "系统台账第 2 条起被篡改：缺少或错序：期望序号 2，实为 3" in report.findings()
    assert "系统台账第 2 条起被篡改" in desk.close_refusal()
    assert "校验未通过" in desk.export_verdict(tmp_path)


def test_a_meeting_deleted_whole(desk: Desk) -> None:
    mid = desk.world.meeting.id
    for table in ("event", "ledgerhead", "checklistanswer", "retiredtag"):
        desk.sql(f"DELETE FROM {table} WHERE meeting_id = :m", m=mid)
    desk.sql(
        "UPDATE carrier SET holder_id = NULL, remembered_holder_id = NULL, consignment_id = NULL"
    )
    for table in ("carrier", "consignment", "document", "attendee"):
        desk.sql(f"DELETE FROM {table} WHERE meeting_id = :m", m=mid)
    desk.sql("DELETE FROM meeting WHERE id = :m", m=mid)
    with db.read_scope(desk.engine) as s:
        system = audit_system(s, KEY)
    assert not system.ok
    assert any(
        f.startswith("会议 M1（系统台账第 ") and f.endswith("条登记）：数据库中没有")
        for f in system.findings()
    )


def test_a_meetings_events_and_head_deleted(desk: Desk, tmp_path: Path) -> None:
    mid = desk.world.meeting.id
    desk.sql("DELETE FROM event WHERE meeting_id = :m", m=mid)
    desk.sql("DELETE FROM ledgerhead WHERE meeting_id = :m", m=mid)
    report = desk.report()
    assert not report.ok
    assert any("其台账事件或记录头缺失" in f for f in report.findings()), report.findings()
    assert any("台账第 1 条与系统台账" in f for f in report.findings())


@pytest.mark.parametrize(
    ("edit", "line"),
    [
        (
            "UPDATE carrier SET state = 'bogus' WHERE copy_number = 1 AND document_id IS NOT NULL",
            "D1 第001份：台账为 在库，数据库为 bogus",
        ),
        (
            "UPDATE attendee SET clearance = 'TOP' WHERE code = 'A001'",
            "A001 张三·知悉范围：台账为 机密，数据库为 TOP",
        ),
        ("UPDATE meeting SET status = 'weird'", "会议状态：台账为 进行中，数据库为 weird"),
    ],
    ids=["carrier state", "clearance", "meeting status"],
)
def test_a_value_no_member_of_its_enum_is_a_difference(
    desk: Desk, tmp_path: Path, edit: str, line: str
) -> None:
    desk.sql(edit)
    report = desk.report()
    assert line in report.findings(), report.findings()
    assert line in desk.close_refusal()


def test_an_event_whose_payload_does_not_parse_is_named(desk: Desk) -> None:
    """An unreadable payload breaks the chain's hash too; with the key, a re-signed chain of an
    unreadable event is still named as such (not folded, not an error)."""
    from carrier_tracker.ledger import codec

    row = type("Row", (), {})()
    for field, value in {
        "seq": 9,
        "at": desk.world.meeting.created_at,
        "action": "plan",
        "verdict": "accepted",
        "station": "",
        "operator": "",
        "note": "",
        "reason": "",
        "payload": "{not json",
        "carrier_id": None,
        "tag_uid": None,
        "from_state": None,
        "to_state": None,
        "attendee_id": None,
        "consignment_id": None,
    }.items():
        setattr(row, field, value)
    event = codec.decode(row)
    assert type(event).__name__ == "Unreadable" and "JSONDecodeError" in event.problem
    row.action = "teleport"
    assert codec.decode(row).raw_action == "teleport"  # type: ignore[attr-defined]


def test_clean_history_verifies(desk: Desk, tmp_path: Path) -> None:
    """The same steps without the edits: verify, close and export all say 完整."""
    desk.issue_pass("A002")
    desk.accepted(desk.world.copy_uid("D1", 1), Mode.ISSUE, attendee_code="A002")
    desk.accepted(desk.world.copy_uid("D1", 1), Mode.CARRY_OUT, approver=OFFICER)
    desk.accepted(desk.world.copy_uid("D1", 1), Mode.RETURN)
    desk.accepted(desk.world.pass_uid("A002"), Mode.RECALL)
    report = desk.report()
    assert report.ok, report.findings()
    _closed(desk)
    assert desk.report().ok
    with db.read_scope(desk.engine) as s:
        assert audit_system(s, KEY).ok


def test_a_lost_copy_hidden_for_one_pass_recall(desk: Desk, tmp_path: Path) -> None:
    """A copy lost in its holder's hands still keeps their pass from being recalled (the tap
    service reads lost copies as held): hidden in SQL for one recall, the replay still sees it."""
    desk.issue_pass("A001")
    lost = desk.world.copy_uid("D1", 1)
    desk.accepted(lost, Mode.ISSUE, attendee_code="A001")
    desk.accepted(lost, Mode.LOST, note="会场遗失", operator=OFFICER)
    refused = desk.tap(desk.world.pass_uid("A001"), Mode.RECALL)
    assert refused.verdict is Verdict.REFUSED  # at the desk: 持证人有挂失未找回的文件
    desk.sql("UPDATE carrier SET state = 'recovered' WHERE tag_uid = :u", u=lost)
    seq = desk.accepted(desk.world.pass_uid("A001"), Mode.RECALL)
    desk.sql("UPDATE carrier SET state = 'lost' WHERE tag_uid = :u", u=lost)
    reason = messages.text("pass_holder_has_lost", name="张三", items="D1 第001份")
    assert_everywhere(desk, tmp_path, forbidden(seq, reason))


def test_a_lost_copy_hidden_for_one_substitute(desk: Desk, tmp_path: Path) -> None:
    """An absent delegate with a copy lost in their hands still holds it: a substitute is refused
    at the desk, and one registered while the loss was hidden in SQL is named by verify."""
    from carrier_tracker.meeting.changes import NewPerson, substitute_attendee

    desk.issue_pass("A003")
    lost = desk.world.copy_uid("D2", 1)
    desk.accepted(lost, Mode.ISSUE, attendee_code="A003")
    desk.accepted(lost, Mode.LOST, note="会场遗失", operator=OFFICER)
    desk.accepted(desk.world.pass_uid("A003"), Mode.RECALL, operator=OFFICER, override=True)

    def substitute() -> Any:
        with db.session_scope(desk.engine) as s:
            return substitute_attendee(
                session=s, key=KEY, meeting_code="M1", absent_code="A003",
                person=NewPerson("A011", "钱八", "某单位", Level.MIMI), operator=OFFICER,
            )  # fmt: skip

    assert not substitute().accepted  # 尚持有 D2 第001份
    desk.sql("UPDATE carrier SET state = 'recovered' WHERE tag_uid = :u", u=lost)
    out = substitute()
    assert out.accepted, out.message
    desk.sql("UPDATE carrier SET state = 'lost' WHERE tag_uid = :u", u=lost)
    report = desk.report()
    assert not report.ok
    found = "\n".join(report.findings())
    assert "A003 王五 尚持有 D2 第001份" in found, found
