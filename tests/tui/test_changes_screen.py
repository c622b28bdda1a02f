"""Pilot: the 变更 screen walks a meeting with a late attendee, a substitute, a retag and a void,
then the desk refuses the retired tag, the audit screen marks the voided tap, verify is 完整."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select
from textual.widgets import DataTable, Input, Label, OptionList

from carrier_tracker.cli.demo import CODE
from carrier_tracker.custody.service import find_meeting
from carrier_tracker.enums import Mode
from carrier_tracker.ledger.audit import audit_meeting
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Attendee, Event
from carrier_tracker.tui.screens.audit import AuditScreen
from carrier_tracker.tui.screens.changes import KINDS, ChangesScreen
from tests.tui.conftest import Desk, copy_uid, pass_uid, settle, wait_for

SIZE = (120, 36)
NEW_UID = "04FFEEDDCCBBAA"


async def submit(pilot: object, d: Desk, kind: str, **values: str) -> str:
    """Choose a change, fill in its fields, Ctrl+S; return the result line once it is shown."""
    screen = d.app.screen
    assert isinstance(screen, ChangesScreen)
    screen.query_one(OptionList).highlighted = KINDS.index(kind)
    await pilot.pause(0.05)  # type: ignore[attr-defined]
    for field, value in values.items():
        entry = screen.query_one(f"#f-{field}", Input)
        assert entry.display or entry.parent.display  # type: ignore[union-attr]
        entry.value = value
    result = screen.query_one("#change-result", Label)
    before = screen.answers
    await pilot.press("ctrl+s")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: screen.answers > before, timeout=15)
    await settle(pilot, d.app)
    return str(result.render())


def recall_seq(d: Desk) -> int:
    with db.read_scope(d.engine) as s:
        rows = s.exec(select(Event.seq).where(Event.action == "recall").order_by(Event.seq))
        return int(rows.first() or 0)  # the seeded recall


async def test_a_meeting_with_changes(desk: Callable[..., Desk]) -> None:
    d = desk()  # 赵保密, an officer: no approver needed
    d.seed(
        [
            (pass_uid("A001"), Mode.ISSUE, {}),
            (copy_uid("HY-01", 1), Mode.ISSUE, {"attendee_code": "A001"}),
            (copy_uid("HY-01", 2), Mode.ISSUE, {"attendee_code": "A001", "refused": True}),
            (copy_uid("HY-02", 1), Mode.ISSUE, {"attendee_code": "A001"}),
            (copy_uid("HY-02", 1), Mode.RECALL, {}),
        ]
    )
    async with d.app.run_test(size=SIZE) as pilot:
        await settle(pilot, d.app)
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: isinstance(d.app.screen, ChangesScreen))
        await settle(pilot, d.app)

        said = await submit(
            pilot,
            d,
            "attendee_add",
            code="A041",
            name="周七",
            unit="某研究所",
            clearance="机密",
            away="是",
            pass_number="P041",
            pass_uid="04A1B2C3D4E5F6",
        )
        assert "已增补参会人员 A041 周七（某研究所，机密，外地代表）" in said
        said = await submit(
            pilot,
            d,
            "substitute",
            absent="A003",
            code="A042",
            name="吴八",
            unit="某厂",
            clearance="秘密",
            away="否",
            pass_number="",
            pass_uid="",
        )
        assert "已登记代会：A042 吴八 代 A003 梁洋 参会" in said
        said = await submit(pilot, d, "copies_add", doc="HY-01", count="abc")
        assert "加印份数应为正整数：abc" in said
        said = await submit(pilot, d, "copies_add", doc="HY-01", count="2")
        assert "第041份至第042份" in said
        # A tag tapped on this screen fills the UID field.
        screen = d.app.screen
        screen.query_one(OptionList).highlighted = KINDS.index("retag")
        await pilot.pause(0.05)
        d.app.simulate_tap(copy_uid("HY-01", 1))
        await wait_for(pilot, lambda: screen.query_one("#f-old_uid", Input).value != "")
        said = await submit(pilot, d, "retag", new_uid=NEW_UID, note="标签损坏")
        assert f"HY-01 第001份 已换标签：{copy_uid('HY-01', 1)} → {NEW_UID}" in said
        said = await submit(pilot, d, "void", seq=str(recall_seq(d)), note="误刷：尚未交回")
        assert "恢复为 已发放" in said
        said = await submit(pilot, d, "void", seq="9999", note="x")
        assert "没有第 9999 条台账记录" in said

        # The desk refuses the retired tag and works with the new one.
        await pilot.press("ctrl+d")
        await settle(pilot, d.app)
        assert f"标签已停用（已换为 {NEW_UID}）" in await d.tap(pilot, copy_uid("HY-01", 1))
        await pilot.press("f4")
        assert "会后清退：HY-01 第001份 ← 赵娟" in await d.tap(pilot, NEW_UID)

        # The audit screen marks the voided recall.
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(d.app.screen, AuditScreen))
        await settle(pilot, d.app)
        table = d.app.screen.query_one(DataTable)
        row = table.get_row(str(recall_seq(d)))
        heads = [str(c.label) for c in table.columns.values()]
        assert "已撤销（第" in str(row[heads.index("结果")])

    with db.read_scope(d.engine) as s:
        report = audit_meeting(s, d.key, find_meeting(s, CODE))
        assert report.ok, report.findings()
        sub = s.exec(select(Attendee).where(Attendee.code == "A042")).one()
        absent = s.exec(select(Attendee).where(Attendee.code == "A003")).one()
        assert sub.substitute_for_id == absent.id


async def test_a_custodian_needs_an_approver(desk: Callable[..., Desk]) -> None:
    d = desk("孙文管")
    d.seed(
        [
            (pass_uid("A001"), Mode.ISSUE, {}),
            (copy_uid("HY-01", 1), Mode.ISSUE, {"attendee_code": "A001"}),
        ]
    )
    async with d.app.run_test(size=SIZE) as pilot:
        await settle(pilot, d.app)
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: isinstance(d.app.screen, ChangesScreen))
        said = await submit(
            pilot, d, "retag", old_uid=copy_uid("HY-01", 1), new_uid=NEW_UID, note="损坏"
        )
        assert "为已发出的载体换标签需保密负责人批准（当前操作员：孙文管" in said
        said = await submit(
            pilot,
            d,
            "retag",
            old_uid=copy_uid("HY-01", 1),
            new_uid=NEW_UID,
            approver="赵保密",
            approver_pin="000000",
        )
        assert "批准人认证失败" in said
        said = await submit(
            pilot,
            d,
            "retag",
            old_uid=copy_uid("HY-01", 1),
            new_uid=NEW_UID,
            approver="赵保密",
            approver_pin="135790",
        )
        assert "已换标签" in said
    with db.read_scope(d.engine) as s:
        event = s.exec(
            select(Event).where(Event.action == "retag", Event.verdict == "accepted")
        ).one()
        assert (event.operator, event.approver) == ("孙文管", "赵保密")
