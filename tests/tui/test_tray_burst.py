"""Keys that arrive in a burst (a fast typist, a keyboard-wedge reader, a Chinese IME committing a
phrase) reach the tray's filter whole and in order; Enter acts on everything typed before it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual._xterm_parser import XTermParser
from textual.widgets import Input, OptionList

from carrier_tracker.enums import State
from tests.tui.conftest import Desk, copy_uid, pass_uid, settle, wait_for
from tests.tui.layout import screen_text

BURST = "HY-02 第012份，会议证 A003 梁洋，ABCDEF"


def burst(app: Any, text: str) -> None:
    """Deliver ``text`` as one read from the terminal: parsed like the driver does, all posted at
    once, nothing awaited in between."""
    parser = XTermParser()
    for event in [*parser.feed(text), *parser.tick()]:
        app._driver.process_message(event)


async def test_thirty_characters_in_one_burst_all_arrive(desk: Callable[..., Desk]) -> None:
    assert len(BURST) == 30
    d = desk()
    d.app.tray_items = _tray(d)
    async with d.app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, d.app)
        field = d.app.screen.query_one("#tap-input", Input)
        assert d.app.focused is field  # the tray's filter has the cursor when the desk opens
        burst(d.app, BURST)
        await wait_for(pilot, lambda: field.value == BURST, timeout=5)
        await pilot.pause(0.3)
        assert field.value == BURST  # nothing lost, nothing reordered, nothing added


async def test_enter_in_a_burst_taps_what_was_typed_before_it(desk: Callable[..., Desk]) -> None:
    d = desk()
    d.app.tray_items = _tray(d)
    async with d.app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, d.app)
        # "A00" would match A001 first: Enter must act on all four characters typed before it.
        burst(d.app, "A003\rHY-01 第003\r")
        await wait_for(
            pilot, lambda: "发放：HY-01 第003份 → 梁洋" in screen_text(d.app), timeout=10
        )
        text = screen_text(d.app)
        assert "发放：会议证 P003（梁洋） → 梁洋" in text
        assert "P001" not in text  # A001's pass was never tapped
        from carrier_tracker.tui.widgets.tap_entry import TRAY_SHOWN

        options = d.app.screen.query_one("#tray-list", OptionList)
        listed = min(len(d.app.tray_items), TRAY_SHOWN)  # the filter was cleared after each tap
        assert options.get_option_at_index(0).id == d.app.tray_items[0][1]
        assert options.option_count == listed + (len(d.app.tray_items) > TRAY_SHOWN)
    assert d.carrier(copy_uid("HY-01", 3)).state == State.ISSUED
    assert d.carrier(pass_uid("A001")).state == State.REGISTERED


def _tray(d: Desk) -> list[tuple[str, str]]:
    from carrier_tracker.storage.queries import tray_items

    with d.app.ctx.read() as s:
        return tray_items(s, d.app.ctx.meeting)


async def test_a_national_trays_list_shows_its_first_tags_and_says_how_many(
    desk: Callable[..., Desk],
) -> None:
    """105,000 tags would take seconds to list at every key (bench/bench_desk_size.py): the tray
    lists the first TRAY_SHOWN matches and a line naming the total; typing narrows it; ↓ stops at
    the last listed tag; Enter still takes the first match."""
    from carrier_tracker.tui.widgets.tap_entry import TRAY_SHOWN

    d = desk()
    tray = _tray(d)
    filler = [(f"测试标签 Z{k:05d}", f"04{k:012X}") for k in range(1000)]
    d.app.tray_items = filler + tray
    async with d.app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, d.app)
        options = d.app.screen.query_one("#tray-list", OptionList)
        assert options.option_count == TRAY_SHOWN + 1
        last = options.get_option_at_index(TRAY_SHOWN)
        assert last.disabled and f"共 {len(filler) + len(tray)} 个" in str(last.prompt)
        for _ in range(TRAY_SHOWN + 5):
            await pilot.press("down")
        assert options.highlighted == TRAY_SHOWN - 1  # never on the line that says how many
        await pilot.press(*"A003")
        await wait_for(pilot, lambda: options.option_count < TRAY_SHOWN)
        assert not any(options.get_option_at_index(i).disabled for i in range(options.option_count))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "发放：会议证 P003（梁洋） → 梁洋" in screen_text(d.app))
