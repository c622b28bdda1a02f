"""The README's demo walkthrough, driven exactly as written: every row of its table is pressed and
typed into the demo app, and every 「quoted」 text of the row must then be on the screen.

The steps are read from README.md itself, so the README and the product cannot drift apart.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from carrier_tracker.cli.demo import demo_app
from carrier_tracker.readers.base import DEFAULT_DEBOUNCE
from carrier_tracker.storage.models import Meeting
from tests.tui.conftest import wait_for
from tests.tui.layout import screen_text

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "### The demo, step by step"
RE_READ = DEFAULT_DEBOUNCE + 0.3
"""Seconds before the same tag is laid from the tray again (its debounce, and some)."""
KEY = re.compile(r"^(Enter|Escape|Tab|Up|Down|F\d{1,2}|Ctrl\+[A-Z])$")


def walkthrough() -> list[tuple[str, list[str], list[str]]]:
    """(step, keys to press, texts to see) for each row of the README's walkthrough table."""
    text = README.read_text(encoding="utf-8")
    assert SECTION in text, f"README.md has no section {SECTION!r}"
    rows = []
    for line in text.split(SECTION, 1)[1].splitlines():
        if line.startswith("## ") or (line.startswith("### ") and rows):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].isdigit():
            continue
        keys = re.findall(r"`([^`]+)`", cells[1])
        seen = re.findall(r"「([^」]+)」", cells[2])
        assert keys and seen, f"step {cells[0]} names no key or no result: {line}"
        rows.append((cells[0], keys, seen))
    return rows


def presses(token: str) -> list[str]:
    """Textual key names for a README token: a key name (``Ctrl+K``) or text to type (``HY-01 第001``)."""
    if KEY.match(token):
        return [token.lower()]
    return ["space" if ch == " " else ch for ch in token]


def test_walkthrough_table_is_there() -> None:
    steps = walkthrough()
    assert len(steps) >= 12
    assert any("Ctrl+K" in keys for _, keys, _ in steps), (
        "the courier steps are part of the walkthrough"
    )
    assert [int(n) for n, _, _ in steps] == list(range(1, len(steps) + 1))


async def lifted_long_enough(pilot: Any, app: Any) -> None:
    """Until the reader's last tag has been off it for longer than its debounce."""
    debounce = app.reader.debounce
    await wait_for(pilot, lambda: debounce.since_gone(time.monotonic()) is not None, timeout=10)
    gone = debounce.since_gone(time.monotonic()) or 0.0
    await asyncio.sleep(max(0.0, debounce.window + 0.1 - gone))


async def test_readme_walkthrough_exactly_as_written(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    laid: dict[str, float] = {}  # tray text -> when that tag was last laid on the reader
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.3)
        for step, keys, seen in walkthrough():
            before = " ".join(screen_text(app).split())
            assert not all(" ".join(t.split()) in before for t in seen), (
                f"step {step} shows nothing new: {seen}"
            )
            for token in keys:
                tray = getattr(app.focused, "id", None) == "tap-input" and not KEY.match(token)
                if tray and token in laid:  # a person lifts a tag before laying it again: the
                    # demo's reader, like a real one, drops a re-read within its debounce (README),
                    # counted from when the tag left (the desk lifts it on a timer: late on a
                    # busy host)
                    await asyncio.sleep(max(0.0, RE_READ - (time.monotonic() - laid[token])))
                    await lifted_long_enough(pilot, app)
                for key in presses(token):
                    await pilot.press(key)
                if tray:
                    laid[token] = time.monotonic()

            def shown(texts: list[str] = seen) -> bool:
                screen = " ".join(screen_text(app).split())
                return all(" ".join(t.split()) in screen for t in texts)

            try:
                await wait_for(pilot, shown, timeout=10)
            except AssertionError:
                raise AssertionError(
                    f"README step {step} ({' '.join(keys)}): expected {seen} on screen:\n"
                    f"{screen_text(app)}"
                ) from None
    with Session(app.ctx.engine) as s:
        assert s.exec(select(Meeting)).one().status == "closed"
