"""Keys that arrive in one burst (one read from the terminal: a keyboard-wedge reader, a fast
typist, a busy moment) apply in the order they came, in every text field: typed characters,
Backspace, Delete, the arrows, Home/End, Enter — and the desk's own keys between them (F2 after
an Enter changes the next tap's mode, not the one before it; Ctrl+F then a code goes to 领取人).

Found walking the demo in tmux: ``246811⌫0⏎`` at the login submitted a wrong PIN that counted
towards the lockout, ``A009⌫3⏎`` in the tray looked up A0093, ``←←Q`` appended Q at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import select
from textual._xterm_parser import XTermParser
from textual.widgets import Input

from carrier_tracker.cli.demo import CODE, prepare_demo_database
from carrier_tracker.enums import State
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Operator
from carrier_tracker.tui.app import make_app
from carrier_tracker.tui.screens.approval import ApprovalDialog
from carrier_tracker.tui.screens.consignment_dialog import ConsignmentDialog
from carrier_tracker.tui.screens.desk import DeskScreen
from carrier_tracker.tui.screens.login import LoginScreen
from tests.tui.conftest import Desk, copy_uid, pass_uid, settle, wait_for
from tests.tui.layout import screen_text

BACKSPACE, DELETE, ENTER, TAB = "\x7f", "\x1b[3~", "\r", "\t"
LEFT, RIGHT, HOME, END = "\x1b[D", "\x1b[C", "\x1b[H", "\x1b[F"
F2, CTRL_F, CTRL_K, CTRL_L, CTRL_N = "\x1bOQ", "\x06", "\x0b", "\x0c", "\x0e"
SIZE = (120, 36)


def burst(app: Any, text: str) -> None:
    """Deliver ``text`` as one read from the terminal: parsed as the driver parses it, every key
    posted at once, nothing awaited in between."""
    parser = XTermParser()
    for event in [*parser.feed(text), *parser.tick()]:
        app._driver.process_message(event)


def _field(app: Any, selector: str) -> Input:
    return app.screen.query_one(selector, Input)


def _value(app: Any, selector: str) -> str | None:
    """The field's text, or None while the screen has no such field (yet)."""
    found = app.screen.query(selector)
    return found.first(Input).value if found else None


async def test_a_pin_corrected_in_a_burst_signs_in(tmp_path: Path) -> None:
    url, key_path = prepare_demo_database(tmp_path)
    app = make_app(url, "sim:", meeting=CODE, operator="孙文管", key_path=key_path, debounce=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        await wait_for(pilot, lambda: app.focused is app.screen.query_one("#login-pin"))
        burst(app, "246811" + BACKSPACE + "0" + ENTER)
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen), timeout=10)
        await settle(pilot, app)
    with db.read_scope(db.make_engine(url)) as s:
        custodian = s.exec(select(Operator).where(Operator.name == "孙文管")).one()
        assert custodian.failed_attempts == 0  # no wrong PIN was ever submitted


async def test_the_tray_edits_in_key_order(desk: Callable[..., Desk]) -> None:
    d = desk()
    async with d.app.run_test(size=SIZE) as pilot:
        await settle(pilot, d.app)
        field = _field(d.app, "#tap-input")
        for keys, value in [
            ("AB" + LEFT + LEFT + "Q", "QAB"),
            ("BC" + HOME + "A" + END + "D", "ABCD"),
            ("ABXC" + LEFT + LEFT + DELETE + RIGHT + "D", "ABCD"),
            ("HY-0" + BACKSPACE + BACKSPACE + "-01" + LEFT + BACKSPACE + RIGHT, "HY-1"),
        ]:
            field.value = ""
            burst(d.app, keys)
            await wait_for(pilot, lambda v=value: field.value == v)  # type: ignore[misc]
            await pilot.pause(0.2)
            assert field.value == value, keys


async def test_a_corrected_code_in_a_burst_taps_the_corrected_tag(
    desk: Callable[..., Desk],
) -> None:
    d = desk()
    d.app.tray_items = _tray(d)
    async with d.app.run_test(size=SIZE) as pilot:
        await settle(pilot, d.app)
        burst(d.app, "A009" + BACKSPACE + "3" + ENTER)
        await wait_for(
            pilot, lambda: "会议证 P003（梁洋） → 梁洋" in screen_text(d.app), timeout=10
        )
        assert "A0093" not in screen_text(d.app)
    assert d.carrier(pass_uid("A003")).state == State.ISSUED
    assert d.carrier(pass_uid("A009")).state == State.REGISTERED


async def test_a_mode_key_after_enter_changes_the_next_tap_only(
    desk: Callable[..., Desk],
) -> None:
    d = desk()
    d.app.tray_items = _tray(d)
    async with d.app.run_test(size=SIZE) as pilot:
        await settle(pilot, d.app)
        burst(d.app, "A003" + ENTER + "HY-01 第001" + ENTER + F2 + "HY-01 第001")
        await wait_for(
            pilot, lambda: "发放：HY-01 第001份 → 梁洋" in screen_text(d.app), timeout=10
        )
        await settle(pilot, d.app)
        assert "【休会收回】" in screen_text(d.app)
        assert _field(d.app, "#tap-input").value == "HY-01 第001"  # typed after F2, not tapped
    assert d.carrier(copy_uid("HY-01", 1)).state == State.ISSUED


async def test_ctrl_f_then_a_code_in_one_burst_chooses_the_attendee(
    desk: Callable[..., Desk],
) -> None:
    d = desk()
    async with d.app.run_test(size=SIZE) as pilot:
        await settle(pilot, d.app)
        burst(d.app, CTRL_F + "A03" + LEFT + "0" + END + "9" + BACKSPACE + ENTER)
        screen = d.app.screen
        assert isinstance(screen, DeskScreen)
        await wait_for(pilot, lambda: screen.attendee is not None, timeout=10)
        assert screen.attendee is not None and screen.attendee.code == "A003"
        assert _field(d.app, "#tap-input").value == ""  # nothing leaked into the tray


async def test_a_search_field_takes_a_burst_in_order(desk: Callable[..., Desk]) -> None:
    d = desk()
    async with d.app.run_test(size=SIZE) as pilot:
        await settle(pilot, d.app)
        burst(d.app, CTRL_L + "HY-02" + BACKSPACE + "1" + HOME + DELETE + "h")
        await wait_for(pilot, lambda: d.app.screen.NAME == "copies")  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: _value(d.app, "#search") == "hY-01")
        await pilot.pause(0.2)
        assert _field(d.app, "#search").value == "hY-01"


async def test_dialogs_take_a_burst_in_order(desk: Callable[..., Desk]) -> None:
    d = desk("孙文管")
    async with d.app.run_test(size=SIZE) as pilot:
        await settle(pilot, d.app)
        # a new consignment: Ctrl+K, Ctrl+N, then the number typed and corrected at once
        burst(d.app, CTRL_K + CTRL_N + "JY-9" + BACKSPACE + "8" + LEFT + LEFT + "X" + TAB + "A003")
        await wait_for(pilot, lambda: isinstance(d.app.screen, ConsignmentDialog), timeout=10)
        await wait_for(pilot, lambda: _value(d.app, "#attendee") == "A003")
        assert _field(d.app, "#number").value == "JYX-8"
        await pilot.press("escape", "escape")
        await settle(pilot, d.app)
        # the approval dialog: name, Enter, a PIN corrected, Enter — approved
        await d.tap(pilot, pass_uid("A003"))
        await d.tap(pilot, copy_uid("HY-02", 1))
        await pilot.press("f5")
        d.app.simulate_tap(copy_uid("HY-02", 1))
        await wait_for(pilot, lambda: isinstance(d.app.screen, ApprovalDialog), timeout=10)
        await wait_for(
            pilot, lambda: d.app.focused is not None and d.app.focused.id == "approval-name"
        )
        burst(d.app, "赵保密" + ENTER + "135791" + BACKSPACE + "0" + ENTER)
        await wait_for(
            pilot, lambda: d.carrier(copy_uid("HY-02", 1)).state == State.CARRIED_OUT, timeout=10
        )
    with db.read_scope(d.engine) as s:
        officer = s.exec(select(Operator).where(Operator.name == "赵保密")).one()
        assert officer.failed_attempts == 0


def _tray(d: Desk) -> list[tuple[str, str]]:
    from carrier_tracker.storage.queries import tray_items

    with d.app.ctx.read() as s:
        return tray_items(s, d.app.ctx.chosen_meeting)
