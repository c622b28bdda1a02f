"""Pilot: a document's distribution plan (分发范围) changed from the desk's 变更 screen — by an
officer, by a custodian with an approver — then the desk's issue guard and the 分发情况 view
follow the new plan; bad input changes nothing; verify stays 完整."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select
from textual.widgets import Input, Label

from carrier_tracker.cli.demo import CODE
from carrier_tracker.custody.service import find_meeting
from carrier_tracker.ledger.audit import audit_meeting
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Document, Event
from carrier_tracker.tui.screens.changes import ALL_FIELDS, FIELDS, KINDS, ChangesScreen
from carrier_tracker.tui.screens.plan import PlanScreen
from tests.tui.conftest import Desk, copy_uid, pass_uid, settle, wait_for
from tests.tui.test_changes_screen import submit

SIZE = (120, 36)


def stored_plan(d: Desk, number: str) -> str:
    with db.read_scope(d.engine) as s:
        return s.exec(select(Document.plan).where(Document.number == number)).one()


def plan_events(d: Desk) -> list[Event]:
    with db.read_scope(d.engine) as s:
        return list(s.exec(select(Event).where(Event.action == "plan").order_by(Event.seq)))


def verified(d: Desk) -> bool:
    with db.read_scope(d.engine) as s:
        report = audit_meeting(s, d.key, find_meeting(s, CODE))
        assert report.ok, report.findings()
        return report.ok


async def open_changes(pilot: object, d: Desk) -> None:
    await pilot.press("ctrl+b")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(d.app.screen, ChangesScreen))
    await settle(pilot, d.app)


async def plan_line(pilot: object, d: Desk, number: str) -> str:
    """清点 → 分发情况 (Ctrl+R, Ctrl+F), highlight a document, return its plan line; back to the desk."""
    await pilot.press("ctrl+d", "ctrl+r")  # type: ignore[attr-defined]
    await settle(pilot, d.app)
    await pilot.press("ctrl+f")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(d.app.screen, PlanScreen))
    await settle(pilot, d.app)
    table = d.app.screen.query_one("#plan-table")
    await wait_for(pilot, lambda: table.row_count > 0)  # type: ignore[attr-defined]
    table.move_cursor(row=table.get_row_index(number))  # type: ignore[attr-defined]
    await pilot.pause(0.1)  # type: ignore[attr-defined]
    line = str(d.app.screen.query_one("#plan-line", Label).render())
    await pilot.press("escape", "ctrl+d")  # type: ignore[attr-defined]
    await settle(pilot, d.app)
    return line


def test_each_kind_reads_top_to_bottom() -> None:
    """The rows are in each kind's own order: its first field on top, the approver last."""
    assert set(ALL_FIELDS) == {f for fields in FIELDS.values() for f in fields}
    assert len(ALL_FIELDS) == len(set(ALL_FIELDS))
    for kind in KINDS:
        assert [f for f in ALL_FIELDS if f in FIELDS[kind]] == list(FIELDS[kind]), kind


async def test_an_officer_changes_a_plan_and_the_desk_follows_it(
    desk: Callable[..., Desk],
) -> None:
    d = desk()  # 赵保密, an officer: no approver needed
    async with d.app.run_test(size=SIZE) as pilot:
        await settle(pilot, d.app)
        assert "HY-03  分发范围：全体" in await plan_line(pilot, d, "HY-03")

        await open_changes(pilot, d)
        said = await submit(pilot, d, "plan", doc="hy-03", plan="A003")
        assert "已将 HY-03 的分发范围改为：A003 梁洋（台账第" in said
        assert d.app.screen.query_one("#change-result").has_class("change-accepted")
        said = await submit(pilot, d, "plan", doc="HY-03", plan="A003")
        assert "无需操作：HY-03 的分发范围已是：A003 梁洋（已记入台账第" in said
        result = d.app.screen.query_one("#change-result")
        assert not result.has_class("change-accepted") and not result.has_class("change-refused")
        said = await submit(pilot, d, "plan", doc="HY-07", plan="全体")
        assert "已将 HY-07 的分发范围改为：全体" in said

        # The next 分发情况 shows the new plan.
        line = await plan_line(pilot, d, "HY-03")
        assert "HY-03  分发范围：A003 梁洋" in line and "未领取：A003 梁洋" in line

        # The desk's issue follows it: A001 is now outside the plan, A003 inside.
        assert "赵娟" in await d.tap(pilot, pass_uid("A001"))
        refused = await d.tap(pilot, copy_uid("HY-03", 1))
        assert "HY-03 的分发范围不含 赵娟" in refused
        assert "梁洋" in await d.tap(pilot, pass_uid("A003"))
        assert "发放：HY-03 第002份 → 梁洋" in await d.tap(pilot, copy_uid("HY-03", 2))
        assert d.carrier(copy_uid("HY-03", 1)).state == "registered"
        assert d.carrier(copy_uid("HY-03", 2)).state == "issued"

    events = plan_events(d)
    assert [(e.verdict, e.operator, e.approver) for e in events] == [
        ("accepted", "赵保密", ""),
        ("already", "赵保密", ""),
        ("accepted", "赵保密", ""),
    ]
    assert stored_plan(d, "HY-03") == '{"codes":["A003"],"units":[]}'
    assert stored_plan(d, "HY-07") == ""
    assert verified(d)


async def test_a_custodian_needs_an_approver_for_a_plan(desk: Callable[..., Desk]) -> None:
    d = desk("孙文管")
    async with d.app.run_test(size=SIZE) as pilot:
        await settle(pilot, d.app)
        await open_changes(pilot, d)
        change = {"doc": "HY-03", "plan": "A003、单位：云南省国防科工办"}
        said = await submit(pilot, d, "plan", **change)
        assert "拒绝：修改分发范围需保密负责人批准（当前操作员：孙文管）（已记入台账第" in said
        assert stored_plan(d, "HY-03") == ""
        said = await submit(pilot, d, "plan", **change, approver="门岗", approver_pin="112233")
        assert "批准人认证失败" in said and "门岗" in said  # a custodian cannot approve
        assert stored_plan(d, "HY-03") == ""
        said = await submit(pilot, d, "plan", **change, approver="赵保密", approver_pin="135790")
        assert "已将 HY-03 的分发范围改为：A003 梁洋、单位：云南省国防科工办" in said
        assert d.app.screen.query_one("#f-approver_pin", Input).value == ""
    assert stored_plan(d, "HY-03") == '{"codes":["A003"],"units":["云南省国防科工办"]}'
    events = plan_events(d)
    assert [(e.verdict, e.operator, e.approver) for e in events] == [
        ("refused", "孙文管", ""),
        ("accepted", "孙文管", "赵保密"),
    ]
    assert verified(d)


async def test_bad_input_names_the_problem_and_changes_nothing(
    desk: Callable[..., Desk],
) -> None:
    d = desk()
    async with d.app.run_test(size=SIZE) as pilot:
        await settle(pilot, d.app)
        await open_changes(pilot, d)
        before = d.events()
        cases = [
            ({"doc": "HY-03", "plan": ""}, "请填写：新分发范围"),
            ({"doc": "", "plan": "A003"}, "请填写：文件编号"),
            ({"doc": "HY-99", "plan": "A003"}, f"会议 {CODE} 无文件编号 HY-99"),
            (
                {"doc": "HY-03", "plan": "A003、A999、某某局"},
                "分发范围有误：“A999”既不是本会议的人员编号，也不是参会人员的单位（多项用“、”分隔）"
                "；“某某局”既不是本会议的人员编号",
            ),
            ({"doc": "HY-03", "plan": "单位：某某局"}, "单位“某某局”没有参会人员"),
            (
                {"doc": "HY-03", "plan": "全体、A003"},
                "“全体”表示全体人员，不能与人员编号或单位同列",
            ),
        ]
        for values, expected in cases:
            said = await submit(pilot, d, "plan", **values)
            assert expected in said, (values, said)
            assert d.app.screen.query_one("#change-result").has_class("change-refused")
        assert d.events() == before
    assert stored_plan(d, "HY-03") == ""
    assert plan_events(d) == []
    assert verified(d)


async def test_the_plan_kind_shows_its_syntax(desk: Callable[..., Desk]) -> None:
    d = desk()
    async with d.app.run_test(size=SIZE) as pilot:
        await settle(pilot, d.app)
        await open_changes(pilot, d)
        screen = d.app.screen
        help_line = screen.query_one("#change-help", Label)
        assert not help_line.display
        await pilot.press(*["down"] * KINDS.index("plan"), "enter")
        await settle(pilot, d.app)
        assert help_line.display
        assert "如 A001、A003、国家保密局" in str(help_line.render())
        assert "全体" in str(help_line.render())
        shown = [f for f in ALL_FIELDS if screen.query_one(f"#row-{f}").display]
        assert shown == ["doc", "plan", "approver", "approver_pin"]
        # Enter walks the fields in order and submits on the last one.
        assert screen.focused is screen.query_one("#f-doc", Input)
        await pilot.press(*"HY-03", "enter")
        assert screen.focused is screen.query_one("#f-plan", Input)
        screen.query_one("#f-plan", Input).value = "A003"
        await pilot.press("enter", "enter")
        assert screen.focused is screen.query_one("#f-approver_pin", Input)
        before = screen.answers  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.answers > before)  # type: ignore[attr-defined]
        assert "已将 HY-03 的分发范围改为：A003 梁洋" in str(
            screen.query_one("#change-result", Label).render()
        )


async def test_tab_from_the_list_goes_to_the_first_field(desk: Callable[..., Desk]) -> None:
    """A custodian picks a change with ↓↑ and moves on with Tab, as in any form: the cursor lands
    in the kind's first field (not on the invisible scroll area holding the fields), and what
    is typed goes there."""
    d = desk()
    async with d.app.run_test(size=SIZE) as pilot:
        await settle(pilot, d.app)
        await open_changes(pilot, d)
        screen = d.app.screen
        await pilot.press("tab", *"A041")
        assert screen.focused is screen.query_one("#f-code", Input)
        assert screen.query_one("#f-code", Input).value == "A041"
        await pilot.press("shift+tab", *["down"] * KINDS.index("copies_add"), "tab")
        assert screen.focused is screen.query_one("#f-doc", Input)
