"""Regenerate the README screenshots: ``python docs/screenshots/make.py [NAME.svg ...]`` (headless,
the real demo app; all of them without names).

The demo is driven with the keys of the README's walkthrough, at the documented minimum terminal
size (100×30) for the desk and at 120×36 for the others. The wall display (``wall.svg``) is shown at
100×30 on the demo's meeting under way, with taps recorded at fixed times and a fixed clock.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from carrier_tracker.cli.demo import demo_app  # noqa: E402
from carrier_tracker.tui.texts import MIN_SIZE  # noqa: E402

HERE = Path(__file__).resolve().parent


async def idle(pilot: Any, app: Any) -> None:
    """Wait until the database lanes are idle and what they returned is drawn."""
    for _ in range(200):
        await pilot.pause(0.05)
        if not app.reads.pending and not app.writes.pending:
            break
    await pilot.pause(0.3)


async def tray(pilot: Any, app: Any, *texts: str) -> None:
    """Type each text into the tray's filter and press Enter (lay that tag on the reader)."""
    for text in texts:
        await pilot.press(*["space" if ch == " " else ch for ch in text], "enter")
        await idle(pilot, app)


async def shoot(size: tuple[int, int], name: str, steps: Any, *, login: bool = True) -> None:
    app = demo_app(Path(tempfile.mkdtemp()))
    async with app.run_test(size=size) as pilot:
        await idle(pilot, app)
        if login:  # 孙文管's name is filled in: the PIN the login screen shows, and Enter
            await pilot.press(*"246810", "enter")
            await idle(pilot, app)
        await steps(pilot, app)
        await idle(pilot, app)
        for field in app.screen.query("Input"):
            field.cursor_blink = False
        app.save_screenshot(str(HERE / name))
    print(f"wrote {name}")


async def desk(pilot: Any, app: Any) -> None:
    await tray(pilot, app, "A003", "HY-01 第001", "HY-02 第001", "A010")
    await tray(
        pilot, app, "HY-04 第002"
    )  # 熊勇 is cleared for 秘密 only: a refusal, red, with the reason


async def reconcile(pilot: Any, app: Any) -> None:
    await tray(pilot, app, "A003", "HY-01 第001", "HY-02 第001", "A005", "HY-03 第004")
    await pilot.press("f5")
    await tray(pilot, app, "HY-02 第001")
    await approve(pilot, app)
    await pilot.press("ctrl+k")
    await tray(pilot, app, "HY-05 第002")
    await pilot.press("ctrl+r")


async def approve(pilot: Any, app: Any) -> None:
    """The officer approves in the dialog: name, Enter, PIN, Enter."""
    await pilot.press(*"赵保密", "enter", *"135790", "enter")
    await idle(pilot, app)


async def login(pilot: Any, app: Any) -> None:
    """The demo's login screen as a newcomer first sees it."""


async def approval(pilot: Any, app: Any) -> None:
    """A custodian's take-away waits for an officer."""
    await tray(pilot, app, "A003", "HY-02 第001")
    await pilot.press("f5")
    await asyncio.sleep(1.6)  # lifted, then laid again: the reader drops a re-read within 1.5 s
    await tray(pilot, app, "HY-02 第001")


async def courier(pilot: Any, app: Any) -> None:
    await pilot.press("ctrl+k")
    await tray(pilot, app, "HY-05 第002", "HY-05 第003")
    await pilot.press("f7")
    await tray(pilot, app, "HY-05 第002")


async def offline(pilot: Any, app: Any) -> None:
    """What `carrier-tracker tui --reader pcsc:` shows when installed without the pcsc extra
    (tests/tui/test_reader_offline.py runs exactly that in a terminal); taps still work."""
    from carrier_tracker.readers import ReaderStatus
    from carrier_tracker.tui.messages import ReaderStatusChanged
    from carrier_tracker.tui.texts import t

    app.post_message(
        ReaderStatusChanged(
            ReaderStatus(False, "pcsc:", t("reader_lib_missing", lib="smartcard")),
            t("fix_pcsc_install"),
        )
    )
    await tray(pilot, app, "A003")


WALL_TAPS: list[tuple[str, str, dict[str, str]]] = [
    ("pass/A005", "issue", {}),
    ("HY-01/2", "issue", {"attendee_code": "A005"}),
    ("pass/A001", "issue", {}),
    ("HY-01/1", "issue", {"attendee_code": "A001"}),
    ("HY-03/7", "issue", {"attendee_code": "A001"}),
    ("pass/A003", "issue", {}),
    ("HY-02/1", "issue", {"attendee_code": "A003"}),
    ("HY-02/1", "carry-out", {"operator": "赵保密"}),
    ("HY-05/2", "dispatch", {"consignment_no": "JY-2026-001"}),
    ("pass/A007", "issue", {}),
    ("HY-01/3", "issue", {"attendee_code": "A007"}),
    ("HY-01/3", "collect", {}),
    ("pass/A010", "issue", {}),
    ("HY-06/1", "issue", {"attendee_code": "A010"}),
]
"""The wall's meeting under way: tag (as in the sample), mode, keywords; one a minute from 09:00."""


async def wall_shot(size: tuple[int, int], name: str) -> None:
    """``carrier-tracker wall HY2026-12`` on the demo's meeting an hour and a half in."""
    import os
    import time
    from datetime import UTC, datetime, timedelta

    from carrier_tracker import ledger
    from carrier_tracker.cli.demo import CODE, prepare_demo_database
    from carrier_tracker.custody.service import record_tap
    from carrier_tracker.enums import Mode
    from carrier_tracker.storage import db
    from carrier_tracker.tui.wall.app import make_wall_app
    from samples.make_sample import uid_for

    os.environ["TZ"] = "Asia/Shanghai"
    time.tzset()
    start = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
    url, key_path = prepare_demo_database(Path(tempfile.mkdtemp()), now=start)
    engine = db.make_engine(url)
    key = ledger.load_key(key_path)
    for minute, (tag, mode, kw) in enumerate(WALL_TAPS):
        with db.session_scope(engine) as s:
            outcome = record_tap(
                session=s,
                key=key,
                meeting_code=CODE,
                uid=str(uid_for(f"{CODE}/{tag}")),
                mode=Mode(mode),
                station="一号台",
                now=start + timedelta(minutes=minute),
                **{"operator": "孙文管", **kw},
            )
            assert not outcome.refused, outcome.message
    engine.dispose()
    app = make_wall_app(url, CODE, now=lambda: start + timedelta(minutes=95))
    async with app.run_test(size=size) as pilot:
        for _ in range(200):
            await pilot.pause(0.05)
            if app.seen is not None:
                break
        await pilot.pause(0.3)
        app.save_screenshot(str(HERE / name))
    print(f"wrote {name}")


SHOTS: dict[str, Any] = {
    "desk.svg": lambda: shoot(MIN_SIZE, "desk.svg", desk),
    "reconcile.svg": lambda: shoot((120, 36), "reconcile.svg", reconcile),
    "courier.svg": lambda: shoot((120, 36), "courier.svg", courier),
    "offline.svg": lambda: shoot(MIN_SIZE, "offline.svg", offline),
    "login.svg": lambda: shoot((120, 36), "login.svg", login, login=False),
    "approval.svg": lambda: shoot((120, 36), "approval.svg", approval),
    "wall.svg": lambda: wall_shot(MIN_SIZE, "wall.svg"),
}


async def main(names: list[str]) -> None:
    for name in names or list(SHOTS):
        await SHOTS[name]()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
