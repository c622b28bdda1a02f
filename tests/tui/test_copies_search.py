"""The 载体 screen (Ctrl+L) finds a carrier by what its row shows: the label as displayed, the copy
number however written, the holder, a pass, a UID typed with separators; several words must all
match, and a search that finds nothing says so."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from textual.widgets import DataTable, Input, Label

from carrier_tracker.enums import Mode
from tests.tui.conftest import Desk, copy_uid, open_screen, pass_uid, settle, wait_for

SIZE = (120, 36)


async def _items(d: Desk, pilot: object, search: str) -> list[str]:
    d.app.screen.query_one("#search", Input).value = search
    await settle(pilot, d.app)
    table = d.app.screen.query_one(DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_the_copies_screen_finds_what_its_rows_show(desk: Callable[..., Desk]) -> None:
    d = desk()
    d.seed(
        [
            (pass_uid("A001"), Mode.ISSUE, {}),
            (copy_uid("HY-01", 2), Mode.ISSUE, {"attendee_code": "A001"}),
        ]
    )
    uid = copy_uid("HY-01", 2)
    async with d.app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, d.app, "copies")
        assert await _items(d, pilot, "HY-01 第002") == ["HY-01 第002份"]
        assert await _items(d, pilot, "hy-01   第2份") == ["HY-01 第002份"]
        second = await _items(d, pilot, "第002")
        assert second and all(item.endswith(" 第002份") for item in second)
        assert {i.split()[0] for i in second} >= {"HY-01", "HY-02"}  # every document's second
        # A UID typed with separators, in lower case, or only its start.
        spaced = ":".join(uid[i : i + 2] for i in range(0, len(uid), 2)).lower()
        assert await _items(d, pilot, spaced) == ["HY-01 第002份"]
        assert await _items(d, pilot, spaced[:14]) == ["HY-01 第002份"]
        # Passes are carriers too: found by their number, the owner's code or name.
        assert await _items(d, pilot, "P001") == ["会议证 P001（赵娟）"]
        assert await _items(d, pilot, "A001") == ["HY-01 第002份", "会议证 P001（赵娟）"]
        assert await _items(d, pilot, "赵娟 HY-01") == ["HY-01 第002份"]  # every word must match
        assert await _items(d, pilot, "HY-01") and await _items(d, pilot, "hy-01")
        line = d.app.screen.query_one("#doc-line", Label)
        assert await _items(d, pilot, "HY-01 第999") == []
        assert str(line.render()) == "没有匹配“HY-01 第999”的载体"
        assert len(await _items(d, pilot, "")) > 100 and "没有匹配" not in str(line.render())


async def test_taps_during_a_read_make_one_more_read_not_one_each(
    desk: Callable[..., Desk], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A national meeting's list takes ~1.5 s to read: a burst of taps elsewhere while one read
    runs marks it stale, and one more read follows it — not one read per tap, and not none."""
    from carrier_tracker.tui.messages import LedgerAdvanced
    from carrier_tracker.tui.screens import copies

    monkeypatch.setattr(copies, "RELOAD_REST", 0.05)
    slow = copies.carriers_table
    made = threading.Event()  # a large meeting's rows being made into the listing, until set
    reads: list[float] = []  # the reads made once the burst begins

    def reading_slowly(*args: object) -> object:
        reads.append(time.monotonic())
        rows = slow(*args)  # type: ignore[arg-type]
        made.wait(10)
        return rows

    d = desk()
    async with d.app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, d.app, "copies")
        screen = d.app.screen
        assert isinstance(screen, copies.CopiesScreen)
        monkeypatch.setattr(copies, "carriers_table", reading_slowly)
        for seq in range(10):  # the events themselves do not matter: the ledger moved
            screen.post_message(LedgerAdvanced(seq, seq + 1))
            await pilot.pause(0.01)
        await wait_for(pilot, lambda: screen.stale and len(reads) == 1)
        assert screen.loading  # the first of the burst started a read; the rest wait for it
        made.set()
        await wait_for(pilot, lambda: not screen.loading and not screen.stale, timeout=10)
        await settle(pilot, d.app)
        assert len(reads) == 2  # the one the burst started, and one after it
