"""Regenerate the README screenshots: ``python docs/screenshots/make.py`` (headless, the real demo app).

The demo is driven with the keys of the README's walkthrough, at the documented minimum terminal
size (100×30) for the desk and at 120×36 for the others.
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
from tui.texts import MIN_SIZE  # noqa: E402

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
    from readers import ReaderStatus
    from tui.messages import ReaderStatusChanged
    from tui.texts import t

    app.post_message(
        ReaderStatusChanged(
            ReaderStatus(False, "pcsc:", t("reader_lib_missing", lib="smartcard")),
            t("fix_pcsc_install"),
        )
    )
    await tray(pilot, app, "A003")


async def main() -> None:
    await shoot(MIN_SIZE, "desk.svg", desk)
    await shoot((120, 36), "reconcile.svg", reconcile)
    await shoot((120, 36), "courier.svg", courier)
    await shoot(MIN_SIZE, "offline.svg", offline)
    await shoot((120, 36), "login.svg", login, login=False)
    await shoot((120, 36), "approval.svg", approval)


if __name__ == "__main__":
    asyncio.run(main())
