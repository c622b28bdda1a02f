"""The F-modes that need a field put the cursor in it (F6 机要编号, F10 说明, F12 地点); Enter there
goes back to tapping, and a mode without the field gives the cursor back to the tap entry. A loss
report without its note is refused naming the note, records nothing and asks for no officer.
Found walking the demo: F10 left the cursor in the tray and, without a note, refused with the
wrong reason (需保密负责人批准) and no dialog."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input

from carrier_tracker.tui.screens.approval import ApprovalDialog
from tests.tui.conftest import Desk, copy_uid, pass_uid, settle, wait_for

SIZE = (120, 36)


def _focused_id(d: Desk) -> str | None:
    return getattr(d.app.focused, "id", None)


async def test_each_mode_puts_the_cursor_in_its_field(desk: Callable[..., Desk]) -> None:
    d = desk()
    async with d.app.run_test(size=SIZE) as pilot:
        await settle(pilot, d.app)
        assert _focused_id(d) == "tap-input"
        for key, field in (
            ("f10", "note-input"),
            ("f12", "room-input"),
            ("f6", "consignment-input"),
        ):
            await pilot.press(key)
            await wait_for(pilot, lambda f=field: _focused_id(d) == f)  # type: ignore[misc]
        await pilot.press(*"JY-2026-001", "enter")  # filled: back to tapping
        await wait_for(pilot, lambda: _focused_id(d) == "tap-input")
        await pilot.press("f10")
        await wait_for(pilot, lambda: _focused_id(d) == "note-input")
        await pilot.press("f1")  # 发放 has no such field: the cursor is not left in a hidden one
        await wait_for(pilot, lambda: _focused_id(d) == "tap-input")
        await pilot.press("f6")  # its field is filled already: the cursor stays where it is
        await settle(pilot, d.app)
        assert _focused_id(d) == "tap-input"


async def test_a_loss_without_its_note_is_refused_for_the_note(desk: Callable[..., Desk]) -> None:
    d = desk("孙文管")
    async with d.app.run_test(size=SIZE) as pilot:
        await d.tap(pilot, pass_uid("A003"))
        await d.tap(pilot, copy_uid("HY-01", 1))
        await pilot.press("f10", "ctrl+g")  # the custodian goes back to the tray, note empty
        await settle(pilot, d.app)
        events = d.events()
        d.app.simulate_tap(copy_uid("HY-01", 1))
        await wait_for(pilot, lambda: "挂失须先写明情况" in d.outcome())
        assert "拒绝" in d.outcome() and "需保密负责人批准" not in d.outcome()
        await wait_for(pilot, lambda: _focused_id(d) == "note-input")
        assert d.events() == events  # nothing recorded
        assert not isinstance(d.app.screen, ApprovalDialog)
        d.app.screen.query_one("#note-input", Input).value = "会场遗失"
        await settle(pilot, d.app)
        d.app.simulate_tap(copy_uid("HY-01", 1))  # with the note: an officer is asked
        await wait_for(pilot, lambda: isinstance(d.app.screen, ApprovalDialog), timeout=10)
        # The officer is asked by name first (the dialog is mounted before the desk goes on).
        await wait_for(pilot, lambda: _focused_id(d) == "approval-name")
