"""The 会前/会后 screen with Textual's pilot: the filing record, answering with 1/2/3 and a note,
an officer accepting a 不符合 item with X, and 巡检 on the desk (choose the room, tap)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select
from textual.widgets import Input, Label

from carrier_tracker.enums import Mode, State
from carrier_tracker.storage import db
from carrier_tracker.storage.models import ChecklistAnswer, Event
from carrier_tracker.tui.screens.policy import PolicyScreen
from carrier_tracker.tui.widgets.fit_table import FitTable
from tests.tui.conftest import Desk, copy_uid, open_screen, pass_uid, settle, wait_for
from tests.tui.test_key_hints import shown_keys


def _answers(d: Desk, checklist: str) -> dict[str, ChecklistAnswer]:
    with db.read_scope(d.engine) as s:
        rows = s.exec(select(ChecklistAnswer).where(ChecklistAnswer.checklist == checklist)).all()
        return {r.item: r for r in rows}


async def test_checklist_screen_answers_and_accepts_with_the_keyboard(
    desk: Callable[..., Desk],
) -> None:
    d = desk(swept=False)
    async with d.app.run_test(size=(120, 36)) as pilot:
        await open_screen(pilot, d.app, "policy")
        screen = d.app.screen
        assert isinstance(screen, PolicyScreen)
        filing = str(screen.query_one("#filing", Label).render())
        assert "备案：保密办〔2026〕12号" in filing and "批准人 赵保密" in filing
        # The demo answered the venue check: every item 符合, and the screen says so.
        status = str(screen.query_one("#policy-status", Label).render())
        assert "会场保密检查：全部完成" in status

        # The sweep: ↓ to 客房, write a note, 2 (不符合); the cursor moves on; 1 for 餐厅.
        await pilot.press("s")
        await settle(pilot, d.app)
        assert "未完成 5 项" in str(screen.query_one("#policy-status", Label).render())
        await pilot.press("down")
        await pilot.press("n")
        for ch in "床下发现笔记本":
            await pilot.press(ch)
        await pilot.press("enter")
        assert screen.query_one(FitTable).has_focus
        await pilot.press("2")
        await settle(pilot, d.app)
        await pilot.press("1")
        await settle(pilot, d.app)
        rows = _answers(d, "sweep")
        assert (rows["rooms"].answer, rows["rooms"].note, rows["rooms"].operator) == (
            "fail",
            "床下发现笔记本",
            "赵保密",
        )
        assert rows["dining"].answer == "ok" and rows["dining"].note == ""
        table = screen.query_one(FitTable)
        assert "不符合" in str(table.get_row("rooms")[1])
        assert "备注：床下发现笔记本" in str(table.get_row("rooms")[3])

        # X is offered only on a 不符合 item not yet accepted.
        assert "x" not in shown_keys(d.app)  # on 休息室, unanswered
        await pilot.press("up", "up")
        assert "x" in shown_keys(d.app)
        # X without a note asks for one; with a note the officer at the desk accepts it.
        await pilot.press("x")
        await settle(pilot, d.app)
        assert "接受不符合项须先在备注栏写明说明" in str(
            screen.query_one("#policy-status", Label).render()
        )
        assert screen.query_one("#policy-note", Input).has_focus
        for ch in "已交保密办":
            await pilot.press(ch)
        await pilot.press("enter", "x")
        await settle(pilot, d.app)
        rows = _answers(d, "sweep")
        assert rows["rooms"].accepted_by == "赵保密" and rows["rooms"].accept_note == "已交保密办"
        assert "已由 赵保密 接受：已交保密办" in str(table.get_row("rooms")[3])
        with db.read_scope(d.engine) as s:
            actions = [e.action for e in s.exec(select(Event)).all()]
        assert actions.count("check_accept") == 1


async def test_accepting_needs_an_officer_at_the_desk(desk: Callable[..., Desk]) -> None:
    d = desk("孙文管")
    async with d.app.run_test(size=(120, 36)) as pilot:
        await open_screen(pilot, d.app, "policy")
        await pilot.press("down", "2")  # 无线设备 不符合
        await settle(pilot, d.app)
        assert _answers(d, "venue")["wireless"].answer == "fail"
        await pilot.press("up", "n", *"改用有线话筒", "enter", "x")
        await settle(pilot, d.app)
        status = str(d.app.screen.query_one("#policy-status", Label).render())
        assert "需保密负责人" in status and "孙文管" in status
        assert _answers(d, "venue")["wireless"].accepted_by is None


async def test_sweep_mode_on_the_desk_records_the_room(desk: Callable[..., Desk]) -> None:
    d = desk()
    d.seed(
        [
            (pass_uid("A001"), Mode.ISSUE, {}),
            (copy_uid("HY-01", 1), Mode.ISSUE, {"attendee_code": "A001"}),
        ]
    )
    async with d.app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, d.app)
        await pilot.press("f12")
        room = d.app.screen.query_one("#room-input", Input)
        await wait_for(pilot, lambda: room.display and room.has_focus)
        for ch in "客房 301":
            await pilot.press(ch)
        await pilot.press("enter")
        text = await d.tap(pilot, copy_uid("HY-01", 1))
        assert "巡检" in text and "（客房 301）" in text
        assert d.carrier(copy_uid("HY-01", 1)).state == State.RECOVERED
