"""Regenerate the README screenshots: ``python docs/screenshots/make.py`` (headless, real app)."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from carrier_tracker.cli.demo import CODE, prepare_demo_database  # noqa: E402
from tests.integration.cli_helpers import copy_uid, pass_uid  # noqa: E402
from tui.app import make_app  # noqa: E402

HERE = Path(__file__).resolve().parent


async def main() -> None:
    url, key_path = prepare_demo_database(Path(tempfile.mkdtemp()))
    app = make_app(url, "sim:", meeting=CODE, station="一号台", operator="赵保密", key_path=key_path, tray=True, debounce=0.0)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.5)
        for uid in (pass_uid("A003"), copy_uid("HY-01", 1), copy_uid("HY-02", 1), copy_uid("HY-04", 2)):
            app.simulate_tap(uid)
            await pilot.pause(0.6)
        await pilot.press("ctrl+f")
        await pilot.press("escape")
        app.simulate_tap(copy_uid("HY-01", 1))  # 梁洋 holds it: tapping it for another mode shows a refusal
        await pilot.press("f5")
        app.simulate_tap(copy_uid("HY-04", 2))
        await pilot.pause(0.8)
        app.save_screenshot(str(HERE / "desk.svg"))
        await pilot.press("ctrl+r")
        await pilot.pause(0.6)
        app.save_screenshot(str(HERE / "reconcile.svg"))
    print("wrote desk.svg and reconcile.svg")


if __name__ == "__main__":
    asyncio.run(main())
