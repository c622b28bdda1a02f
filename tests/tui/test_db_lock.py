"""The desk never blocks on the database: another process holds SQLite's write lock for 10 s, and
the desk keeps drawing and taking keys, says 等待数据库…, then shows the tap's result."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

from textual.widgets import Input

from carrier_tracker.enums import State
from carrier_tracker.tui.widgets.banners import ModeBanner
from tests.tui.conftest import Desk, copy_uid, pass_uid, settle, wait_for
from tests.tui.layout import screen_text

LOCK_SECONDS = 10.0
HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN IMMEDIATE")  # the write lock, as a tap or an import in another process takes it
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


async def test_desk_keeps_working_while_another_process_holds_the_lock(
    desk: Callable[..., Desk],
) -> None:
    d = desk()
    async with d.app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, d.app)
        before = d.events()
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, d.url.removeprefix("sqlite:///"), str(LOCK_SECONDS)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
            locked_at = time.monotonic()
            ticks: list[float] = []
            d.app.set_interval(0.1, lambda: ticks.append(time.monotonic()))

            # Two taps in 发放 mode: the pass, then a copy for its owner (order matters).
            d.app.simulate_tap(pass_uid("A001"))
            await pilot.pause(0.3)
            d.app.simulate_tap(copy_uid("HY-03", 4))
            await wait_for(pilot, lambda: "等待数据库…" in screen_text(d.app), timeout=3)
            assert "已收到 2 次刷卡" in screen_text(d.app)

            # Keys work meanwhile: the mode changes at once, text can be typed.
            await pilot.press("f2")
            assert "休会收回" in str(d.app.screen.query_one(ModeBanner).render())
            await pilot.press("ctrl+f", *"A003")
            assert d.app.screen.query_one("#attendee-input", Input).value == "A003"
            # ... and the event loop keeps running (drawing, timers) while the lock is held.
            await pilot.pause(2.0)
            assert len(ticks) >= 10, f"the event loop stalled: {len(ticks)} ticks in 2 s"
            assert "【休会收回】" in screen_text(d.app)
            assert time.monotonic() - locked_at < LOCK_SECONDS - 2, (
                "the checks above ran while the lock was held"
            )
            assert d.events() == before  # nothing could be written yet

            # Then the results, in order, in the mode that was on when each tag was tapped.
            await wait_for(
                pilot,
                lambda: "发放：HY-03 第004份 → 赵娟" in screen_text(d.app),
                timeout=LOCK_SECONDS + 20,
            )
            assert "发放：会议证 P001（赵娟）" in screen_text(d.app)  # in the log
            assert time.monotonic() - locked_at >= LOCK_SECONDS - 1
        finally:
            holder.kill()
            holder.wait()
    assert d.carrier(copy_uid("HY-03", 4)).state == State.ISSUED
    assert d.events() == before + 2
