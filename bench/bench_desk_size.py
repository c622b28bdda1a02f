"""Issue #24 item 6 (run by hand): the desk at a national meeting's size, headless.

    python bench/bench_desk_size.py [--workdir DIR] [--rounds 5] [--no-tray]

On the national meeting of bench/make_meeting.py (5,000 attendees, 100,000 copies, a history of
229,364 taps made through the tap service; made once in ``--workdir``, default
/tmp/ct-bench-desk-size), a desk signed in as an officer, the demo's tag tray on (every tag of
the meeting, 105,000 of them, as the demo offers them) unless ``--no-tray``:

- start: from ``run_test`` to the desk usable (its attendees loaded);
- 清点: Ctrl+R until the reconciliation table is filled, then Escape and Ctrl+R again (also
  the process's CPU time meanwhile, every thread: on a loaded host the wall time is mostly
  waiting for a core);
- 分发情况: Ctrl+F on 清点 until the by-document table is filled;
- a key on 清点 (the table's cursor down) until the cursor moved;
- the tray's filter: one character typed until the list shows the matches.

Timed with ``time.perf_counter`` around the pilot; medians of ``--rounds`` rounds in one process.
The two keys are sent as the terminal sends them (:func:`keystroke`) and, for comparison with
earlier runs, with ``pilot.press`` (which adds its own wait for the app to go idle).
Results go in bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

OFFICER = "赵保密"


def prepare(workdir: Path) -> tuple[str, Path, str]:
    """The national meeting with its history (made once) and an officer to sign in as."""
    workdir.mkdir(parents=True, exist_ok=True)
    db, key = workdir / "national.db", workdir / "national-key" / "ledger.key"
    if not db.exists():
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, str(BENCH / "make_meeting.py"), "--size", "national", "--taps",
             "-o", str(workdir / "national.xlsx")],
            check=True, capture_output=True,
        )  # fmt: skip
        print(f"made the national meeting: {time.perf_counter() - t0:.0f} s", flush=True)
    return f"sqlite:///{db}", key, "NAT5000"


async def until(pilot: Any, done: Callable[[], bool], limit: float = 120.0) -> float:
    """Seconds until ``done()`` holds, checked every 5 ms."""
    t0 = time.perf_counter()
    while not done():
        if time.perf_counter() - t0 > limit:
            raise TimeoutError("the desk never got there")
        await pilot.pause(0.005)
    return time.perf_counter() - t0


async def keystroke(app: Any, key: str, character: str | None, done: Callable[[], bool]) -> float:
    """Seconds from a key sent as the terminal sends it (the driver's message) until ``done()``
    holds, checked every 0.5 ms: what the custodian waits for. (``pilot.press`` also waits for
    the app to go idle and for a frame: ~80 ms for a key in an empty entry, measured.)"""
    from textual import events

    driver = app._driver
    t0 = time.perf_counter()
    event = events.Key(key, character)
    event.set_sender(app)
    driver.send_message(event)
    while not done():
        if time.perf_counter() - t0 > 10:
            raise TimeoutError(f"key {key} never took effect")
        await asyncio.sleep(0.0005)
    return time.perf_counter() - t0


async def one_round(url: str, key: Path, code: str, tray: bool) -> dict[str, float]:
    from textual.widgets import DataTable

    from carrier_tracker.access.operators import Authenticated
    from carrier_tracker.enums import Role
    from carrier_tracker.tui.app import make_app
    from carrier_tracker.tui.screens.desk import DeskScreen
    from carrier_tracker.tui.screens.plan import PlanScreen
    from carrier_tracker.tui.screens.reconcile import ReconcileScreen
    from carrier_tracker.tui.widgets.row_table import RowTable
    from carrier_tracker.tui.widgets.tap_entry import TapEntry

    app = make_app(
        url, "sim:", meeting=code, station="bench", operator=OFFICER, key_path=key,
        tray=tray, debounce=0.0, signed_in=Authenticated(OFFICER, Role.OFFICER),
    )  # fmt: skip
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DeskScreen) and bool(app.screen.people))
        out["start → desk usable"] = time.perf_counter() - t0

        def recon_filled() -> bool:
            screen = app.screen
            return (
                isinstance(screen, ReconcileScreen)
                and screen.recon is not None
                and screen.query_one("#recon", RowTable).row_count > 0
            )

        for name in ("清点 first (Ctrl+R → table filled)", "清点 again"):
            t1, c1 = time.perf_counter(), time.process_time()
            await pilot.press("ctrl+r")
            await until(pilot, recon_filled)
            out[name] = time.perf_counter() - t1
            out[f"{name.split(' (')[0]}: CPU, every thread"] = time.process_time() - c1
            if name == "清点 first (Ctrl+R → table filled)":
                await pilot.press("escape")
                await until(pilot, lambda: isinstance(app.screen, DeskScreen))
        table = app.screen.query_one("#recon", RowTable)
        out["清点 rows"] = float(table.row_count)
        table.focus()
        await pilot.pause(0.2)
        row = table.cursor_row
        t1 = time.perf_counter()
        await pilot.press("down")
        await until(pilot, lambda: table.cursor_row != row)
        out["key on 清点 (cursor down), pilot.press"] = time.perf_counter() - t1
        await pilot.pause(0.2)
        row = table.cursor_row
        out["key on 清点 (cursor down)"] = await keystroke(
            app, "down", None, lambda: table.cursor_row != row
        )

        t1 = time.perf_counter()
        await pilot.press("ctrl+f")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, PlanScreen)
                and app.screen.query_one("#plan-table", DataTable).row_count > 0
            ),
        )
        out["分发情况 (Ctrl+F → table filled)"] = time.perf_counter() - t1
        await pilot.press("escape", "escape")
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))

        if tray:
            entry = app.screen.query_one(TapEntry)
            before = len(entry.shown)
            app.screen.query_one("#tap-input").focus()
            await pilot.pause(0.2)
            t1 = time.perf_counter()
            await pilot.press("7")  # A07…, D07…, 第07…: a first character, as a custodian types
            await until(pilot, lambda: len(entry.shown) != before)
            out["tray filter, one key, pilot.press"] = time.perf_counter() - t1
            out["tray items"] = float(before)
            await pilot.press("backspace")
            await until(pilot, lambda: len(entry.shown) == before)
            await pilot.pause(0.2)
            tray_list = entry.query_one("#tray-list")

            def listed() -> bool:  # the matches found and the tray's list rebuilt with them
                first = tray_list.get_option_at_index(0)  # type: ignore[attr-defined]
                return len(entry.shown) != before and first.id == entry.shown[0][1]

            out["tray filter, one key"] = await keystroke(app, "7", "7", listed)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/ct-bench-desk-size"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-tray", action="store_true", help="the desk without the demo's tray")
    args = parser.parse_args()
    url, key, code = prepare(args.workdir)
    rounds = [asyncio.run(one_round(url, key, code, not args.no_tray)) for _ in range(args.rounds)]
    for name in rounds[0]:
        values = [r[name] for r in rounds]
        if name.endswith(("rows", "items")):
            print(f"{name:40} {values[0]:,.0f}")
        else:
            print(
                f"{name:40} median {statistics.median(values) * 1000:8.0f} ms"
                f"  (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"
            )


if __name__ == "__main__":
    main()
