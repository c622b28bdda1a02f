"""The 载体 screen (Ctrl+L) finds a carrier by what its row shows: the label as displayed, the copy
number however written, the holder, a pass, a UID typed with separators; several words must all
match, and a search that finds nothing says so."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import DataTable, Input, Label

from carrier_tracker.enums import Mode
from tests.tui.conftest import Desk, copy_uid, open_screen, pass_uid, settle

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
