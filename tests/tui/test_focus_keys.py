"""Pilot: Tab and Shift+Tab move between fields everywhere — on the login (at start and after a
lock) and in a dialog — as in any form. The desk hides its keys while locked or under a dialog;
that must not take the field keys with them (found walking the demo in tmux: after a PIN typed
into the name field by mistake, Shift+Tab could not get back to it)."""

from __future__ import annotations

from pathlib import Path

from carrier_tracker.cli.demo import CODE, prepare_demo_database
from carrier_tracker.tui.app import make_app
from carrier_tracker.tui.screens.approval import ApprovalDialog
from carrier_tracker.tui.screens.desk import DeskScreen
from carrier_tracker.tui.screens.login import LoginScreen
from carrier_tracker.tui.service import ApprovalSubject
from tests.tui.conftest import wait_for

SIZE = (120, 36)


async def test_tab_moves_between_fields_on_the_login_and_in_a_dialog(tmp_path: Path) -> None:
    url, key_path = prepare_demo_database(tmp_path)
    app = make_app(url, "sim:", meeting=CODE, station="测试台", key_path=key_path, debounce=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        login = app.screen
        name, pin = login.query_one("#login-name"), login.query_one("#login-pin")
        assert app.focused is name
        await pilot.press("tab")
        assert app.focused is pin
        await pilot.press("shift+tab")
        assert app.focused is name
        await pilot.press(*"孙文管", "tab", *"246810", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen), timeout=10)

        await pilot.press("ctrl+x")  # locked: a PIN typed into the name field, then fixed
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        login = app.screen
        name, pin = login.query_one("#login-name"), login.query_one("#login-pin")
        await pilot.press(*"246810", "enter")
        assert app.focused is pin
        await pilot.press("shift+tab", *["backspace"] * 6, *"孙文管", "tab", *"246810", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen), timeout=10)

        app.push_screen(
            ApprovalDialog(ApprovalSubject("带离", "HY-02 第001份", "梁洋", "规定", "拒绝"))
        )
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, ApprovalDialog) and bool(app.screen.query("#approval-name"))
            ),
        )
        dialog = app.screen
        await wait_for(pilot, lambda: app.focused is dialog.query_one("#approval-name"))
        await pilot.press("tab")
        assert app.focused is dialog.query_one("#approval-pin")
        await pilot.press("shift+tab")
        assert app.focused is dialog.query_one("#approval-name")
