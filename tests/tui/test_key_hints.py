"""Key hints show only keys that work: on every screen and dialog, each key the footer (or the
line of mode keys) names is pressed and must change something a person can see."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.screen import ModalScreen
from textual.widgets import Input

from carrier_tracker.access.operators import Authenticated
from carrier_tracker.cli.demo import prepare_demo_database
from carrier_tracker.enums import Role
from carrier_tracker.tui.app import CarrierTrackerApp, make_app
from carrier_tracker.tui.screens.desk import DeskScreen
from tests.tui.conftest import SCREENS, Desk, open_screen, settle, wait_for
from tests.tui.layout import screen_text

OFFICER = Authenticated("赵保密", Role.OFFICER)  # signed in already: the login has its own tests

NOT_PRESSED = {"ctrl+q"}  # quits: it works, and the test would end with it


def shown_keys(app: CarrierTrackerApp) -> list[str]:
    """The keys the footer shows now (enabled and visible)."""
    return [
        key
        for key, (_node, binding, enabled, _tip) in app.screen.active_bindings.items()
        if binding.show and enabled
    ]


def fingerprint(app: CarrierTrackerApp) -> tuple[Any, ...]:
    return (
        tuple(type(s).__name__ for s in app.screen_stack),
        getattr(app.focused, "id", None),
        screen_text(app),
    )


async def back_to_desk(pilot: Any, app: CarrierTrackerApp) -> None:
    while isinstance(app.screen, ModalScreen) or type(app.screen).__name__ == "CommandPalette":
        app.pop_screen()
        await pilot.pause(0.05)
    app.action_show("desk")
    await settle(pilot, app)


@pytest.mark.parametrize("name", list(SCREENS))
async def test_every_key_shown_does_something(name: str, desk: Callable[..., Desk]) -> None:
    d = desk()
    app = d.app
    async with app.run_test(size=(120, 36)) as pilot:
        await open_screen(pilot, app, name)
        keys = shown_keys(app)
        assert keys, f"{name}: the footer shows no key"
        if isinstance(app.screen, ModalScreen):
            assert (
                "ctrl+r" not in keys and "ctrl+d" not in keys
            )  # no screen switching under a dialog
            assert "escape" in keys
        else:
            assert "ctrl+q" in keys
            assert ("ctrl+d" in keys) == (name != "desk"), (
                "工作台 is offered everywhere but on the desk"
            )
        for key in keys:
            if key in NOT_PRESSED:
                continue
            await back_to_desk(pilot, app)
            await open_screen(pilot, app, name)
            before = fingerprint(app)
            await pilot.press(key)
            await settle(pilot, app)
            assert fingerprint(app) != before, (
                f"{name}: {key} is shown in the footer but does nothing"
            )


@pytest.mark.parametrize("name", ["desk", "courier"])
async def test_every_mode_key_on_the_line_switches_the_mode(
    name: str, desk: Callable[..., Desk]
) -> None:
    d = desk()
    async with d.app.run_test(size=(120, 36)) as pilot:
        await open_screen(pilot, d.app, name)
        line = str(d.app.screen.query_one("#mode-keys").render())
        keys = re.findall(r"F\d+", line)
        assert keys
        for key in keys:
            await pilot.press(key.lower())
            banner = str(d.app.screen.query_one("#mode").render())
            assert key in banner, (
                f"{name}: {key} is on the mode line but the banner says {banner!r}"
            )


async def test_clear_attendee_is_offered_only_with_an_attendee(desk: Callable[..., Desk]) -> None:
    d = desk()
    async with d.app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, d.app)
        assert "ctrl+u" not in shown_keys(d.app)
        await pilot.press("ctrl+f", *"A003", "enter")
        await wait_for(pilot, lambda: "ctrl+u" in shown_keys(d.app))
        await pilot.press("ctrl+u")
        assert isinstance(d.app.screen, DeskScreen) and d.app.screen.attendee is None
        assert "ctrl+u" not in shown_keys(d.app)


async def test_meeting_picker_enter_opens_at_once_and_shows_no_dead_keys(tmp_path: Path) -> None:
    url, key_path = prepare_demo_database(tmp_path)
    app = make_app(
        url, "sim:", station="一号台", operator="赵保密", key_path=key_path, signed_in=OFFICER
    )
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        assert "回车进入" in screen_text(app)
        assert set(shown_keys(app)) <= {"ctrl+q", "ctrl+p", "f12"}, (
            "screens cannot be opened before a meeting is chosen"
        )
        await pilot.press("ctrl+r")  # not offered, and indeed nothing happens
        assert type(app.screen).__name__ == "MeetingPicker"
        await pilot.press("enter")  # no ↓ first
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen))
        assert app.ctx.meeting is not None and app.ctx.meeting.code == "HY2026-12"
        assert "ctrl+r" in shown_keys(app)


async def test_an_unknown_code_leaves_no_one_chosen(desk: Callable[..., Desk]) -> None:
    """A mistyped code must not leave the one chosen before as the recipient: the next copy
    tapped would go to them."""
    d = desk()
    async with d.app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, d.app)
        await pilot.press("ctrl+f", *"A003", "enter")
        await wait_for(pilot, lambda: d.app.service.desk.attendee is not None)
        await pilot.press("ctrl+f", *"A999", "enter")
        await wait_for(pilot, lambda: "找不到参会人员“A999”" in screen_text(d.app))
        assert d.app.service.desk.attendee is None
        assert "已不再发给 A003" in screen_text(d.app) and "ctrl+u" not in shown_keys(d.app)
        field = d.app.screen.query_one("#attendee-input", Input)
        assert field.value == "A999"  # kept, to mend the typo
        await pilot.press(*["backspace"] * 4, *"A003", "enter")
        await wait_for(pilot, lambda: d.app.service.desk.attendee is not None)
        field.value = "A0"  # half typed, then Ctrl+U: the field is cleared with the choice
        await pilot.press("ctrl+u")
        await wait_for(pilot, lambda: d.app.service.desk.attendee is None)
        assert field.value == ""
