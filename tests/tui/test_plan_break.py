"""Pilot tests: the desk's break view counts down in 休会收回 mode; 分发情况 from the 清点 screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import select
from textual.widgets import DataTable, Input, Label

from carrier_tracker.enums import Mode
from carrier_tracker.ledger.audit import audit_meeting
from carrier_tracker.storage.models import Attendee, Consignment
from carrier_tracker.tui.screens import plan as plan_module
from carrier_tracker.tui.screens.consignment_dialog import ConsignmentDialog
from carrier_tracker.tui.screens.courier import CourierScreen
from carrier_tracker.tui.screens.plan import PlanScreen
from carrier_tracker.tui.widgets.row_table import RowTable
from tests.tui.conftest import Desk, copy_uid, pass_uid, settle, wait_for

SIZE = (120, 36)


def _break_text(d: Desk) -> str:
    return str(d.app.screen.query_one("#break-view", Label).render())


async def _open_plan(pilot: Any, d: Desk) -> DataTable[Any]:
    """清点 → Ctrl+F: 分发情况 with its eight documents; returns its table."""
    await settle(pilot, d.app)
    await pilot.press("ctrl+r")
    await settle(pilot, d.app)
    await pilot.press("ctrl+f")
    await wait_for(pilot, lambda: isinstance(d.app.screen, PlanScreen))
    table = d.app.screen.query_one(DataTable)
    await wait_for(pilot, lambda: table.row_count == 8)
    return table


async def test_break_view_counts_down_as_copies_come_in(desk: Callable[..., Desk]) -> None:
    d = desk()
    d.seed(
        [
            (pass_uid("A001"), Mode.ISSUE, {}),
            (pass_uid("A003"), Mode.ISSUE, {}),
            (copy_uid("HY-01", 1), Mode.ISSUE, {"attendee_code": "A001"}),
            (copy_uid("HY-03", 1), Mode.ISSUE, {"attendee_code": "A003"}),
            (copy_uid("HY-03", 2), Mode.ISSUE, {"attendee_code": "A001"}),
            (copy_uid("HY-02", 1), Mode.ISSUE, {"attendee_code": "A003"}),  # not flagged
        ]
    )
    async with d.app.run_test(size=SIZE) as pilot:
        await settle(pilot, d.app)
        assert not d.app.screen.query_one("#break-view").display  # only in 休会收回 mode
        await pilot.press("f2")
        await wait_for(pilot, lambda: "尚有 3 份" in _break_text(d))
        text = _break_text(d)
        assert "A001 赵娟：HY-01 第001份、HY-03 第002份" in text
        assert "A003 梁洋：HY-03 第001份" in text and "HY-02" not in text.split("\n", 1)[1]

        assert "休会收回：HY-01 第001份 ← 赵娟" in await d.tap(pilot, copy_uid("HY-01", 1))
        await wait_for(pilot, lambda: "尚有 2 份" in _break_text(d))
        assert "A001 赵娟：HY-03 第002份" in _break_text(d)

        # An unflagged copy is taken in, with a remark; the count does not move.
        outcome = await d.tap(pilot, copy_uid("HY-02", 1))
        assert "休会收回：HY-02 第001份 ← 梁洋" in outcome and "此文件无需休会收回" in outcome
        await settle(pilot, d.app)
        assert "尚有 2 份" in _break_text(d)

        await d.tap(pilot, copy_uid("HY-03", 2))
        await wait_for(pilot, lambda: "尚有 1 份" in _break_text(d))
        assert "A001" not in _break_text(d)
        await d.tap(pilot, copy_uid("HY-03", 1))
        await wait_for(pilot, lambda: "休会收回文件已全部收回" in _break_text(d))
        await pilot.press("f1")
        await settle(pilot, d.app)
        assert not d.app.screen.query_one("#break-view").display


async def test_plan_screen_from_reconcile(desk: Callable[..., Desk]) -> None:
    d = desk()
    d.seed(
        [
            (pass_uid("A003"), Mode.ISSUE, {}),
            (copy_uid("HY-07", 1), Mode.ISSUE, {"attendee_code": "A003"}),
        ]
    )
    async with d.app.run_test(size=SIZE) as pilot:
        table = await _open_plan(pilot, d)
        assert table.get_row("HY-07")[:6] == ["HY-07", 6, 1, 5, 1, 0]
        table.move_cursor(row=table.get_row_index("HY-07"))
        await pilot.pause(0.1)
        line = str(d.app.screen.query_one("#plan-line", Label).render())
        assert "HY-07  分发范围：A003 梁洋、单位：昆明贵金属研究所 保密办" in line
        assert "未领取：A005 袁丽" in line  # of 昆明贵金属研究所 保密办
        assert "A003" not in line.split("未领取", 1)[1]
        # A tap elsewhere updates it live.
        d.seed([(copy_uid("HY-07", 1), Mode.RECALL, {})])
        d.app.poll_ledger()
        await wait_for(pilot, lambda: table.get_row("HY-07")[4:6] == [0, 1])
        await pilot.press("escape")
        await settle(pilot, d.app)
        assert d.app.screen.NAME == "reconcile"  # type: ignore[attr-defined]


async def test_plan_screen_lists_everyone_still_to_collect(
    desk: Callable[..., Desk], monkeypatch: pytest.MonkeyPatch
) -> None:
    """分发情况 names every attendee who has not collected the highlighted document and everyone
    who should still receive something — no "……等 N 人" — in panes that Tab reaches and the keys
    scroll; the document's text is made once per document highlighted, not at each key."""
    made: list[str] = []
    line_of = plan_module.document_line
    monkeypatch.setattr(plan_module, "document_line", lambda d: made.append(d.number) or line_of(d))
    d = desk()
    async with d.app.run_test(size=SIZE) as pilot:
        table = await _open_plan(pilot, d)
        await settle(pilot, d.app)
        line = str(d.app.screen.query_one("#plan-line", Label).render())
        missing = line.split("未领取：", 1)[1].split("\n", 1)[0]
        assert table.get_row("HY-01")[3] == 36 and len(missing.split("、")) == 36
        assert "A039 江红梅" in missing and "等" not in missing
        due = d.app.screen.query_one("#plan-due-table", RowTable)
        assert str(d.app.screen.query_one("#plan-due", Label).render()) == "尚应领取："
        assert due.row_count == 40 and due.get_row("A040")[0] == "A040 龙勇"
        pane = d.app.screen.query_one("#plan-detail")
        assert pane.max_scroll_y == 0  # all 36 in view (a longer list scrolls, reached with Tab)
        await pilot.press("tab")
        await settle(pilot, d.app)
        assert d.app.focused is pane
        built = len(made)
        await pilot.press("down", "pagedown", "end")
        await settle(pilot, d.app)
        assert table.cursor_row == 0 and len(made) == built
        await pilot.press("tab")  # 尚应领取: every attendee, its own scrolling table
        await settle(pilot, d.app)
        assert d.app.focused is due
        await pilot.press("end")
        await settle(pilot, d.app)
        assert due.cursor_key == "A040" and due.scroll_y > 0
        await pilot.press("tab", "down")  # back in the documents: the next one's names
        await wait_for(
            pilot,
            lambda: "HY-02  分发范围" in str(d.app.screen.query_one("#plan-line", Label).render()),
        )
        assert made[built:] == ["HY-02"]


async def test_receipt_by_number_on_the_courier_screen(desk: Callable[..., Desk]) -> None:
    d = desk()
    d.seed(
        [
            (copy_uid("HY-05", 2), Mode.DISPATCH, {"consignment_no": "JY-2026-001"}),
            (copy_uid("HY-05", 3), Mode.DISPATCH, {"consignment_no": "JY-2026-001"}),
        ]
    )
    async with d.app.run_test(size=SIZE) as pilot:
        await settle(pilot, d.app)
        await pilot.press("ctrl+k")
        await wait_for(pilot, lambda: isinstance(d.app.screen, CourierScreen))
        await settle(pilot, d.app)
        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: "回执已登记：2 份签收" in d.outcome())
        assert {d.carrier(copy_uid("HY-05", n)).state for n in (2, 3)} == {"delivered"}
        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: "已于" in d.outcome() and "签收" in d.outcome())
    with d.app.ctx.read() as s:
        assert audit_meeting(s, d.key, d.app.ctx.meeting).ok


async def test_a_consignment_of_a_delegate_from_the_courier_screen(
    desk: Callable[..., Desk],
) -> None:
    d = desk()
    async with d.app.run_test(size=SIZE) as pilot:
        await settle(pilot, d.app)
        await pilot.press("ctrl+k")
        await wait_for(pilot, lambda: isinstance(d.app.screen, CourierScreen))
        await settle(pilot, d.app)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(d.app.screen, ConsignmentDialog))
        await pilot.press(*"JY-9", "enter")
        await pilot.press("enter")  # no delegate, no unit: refused in the dialog
        await pilot.press("enter", "enter")
        await wait_for(
            pilot,
            lambda: (
                "或所属代表编号"
                in str(d.app.screen.query_one("#consignment-error", Label).render())
            ),
        )
        d.app.screen.query_one("#attendee", Input).value = "A003"
        d.app.screen.query_one("#recipient", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(d.app.screen, CourierScreen))
        await wait_for(pilot, lambda: "已登记" in d.outcome() or "JY-9" in d.outcome())
        assert "中国工程物理研究院 材料所" in d.outcome()
    with d.app.ctx.read() as s:
        c = s.exec(select(Consignment).where(Consignment.number == "JY-9")).one()
        owner = s.get(Attendee, c.attendee_id)
        assert owner is not None and owner.code == "A003" and c.recipient == "梁洋"
