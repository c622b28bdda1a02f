"""Snapshots (pytest-textual-snapshot) of the wall display in each state of a meeting, at the
documented minimum terminal (100×30) and at 200×50. Times are shown in Asia/Shanghai and the
wall's clock is fixed, so 持有自, 已持有 and 更新于 are stable."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.tui.conftest import Desk
from tests.tui.wall_states import seed, shown, wall

CASES = {
    "under_way-100x30": ("under_way", (100, 30), False),
    "under_way-200x50": ("under_way", (200, 50), False),
    "by_document-100x30": ("under_way", (100, 30), True),
    "crowd-100x30": ("crowd", (100, 30), False),
    "all_back-100x30": ("all_back", (100, 30), False),
    "closed_lost-100x30": ("closed_lost", (100, 30), False),
    "not_open-200x50": ("not_open", (200, 50), False),
}


@pytest.fixture(autouse=True)
def shanghai_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("case", list(CASES))
def test_wall_snapshot(case: str, snap_compare: Any, desk: Callable[..., Desk]) -> None:
    state, size, by_document = CASES[case]
    d = desk()
    seed(d, state)
    app = wall(d, by_document=by_document)

    async def run_before(pilot: Any) -> None:
        await shown(pilot, app)
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
