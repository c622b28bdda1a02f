"""The demo's tag tray and the reader's debounce: a tag laid again within the debounce of being
lifted is dropped by the reader, and the tray says so — whenever the desk's lift timer fired.
Found on a busy host: the tray counted the window from when its timer was due, the reader from
when the tag actually left, and a re-read was dropped with no notice."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select
from textual.widgets import Input, Label

from carrier_tracker.access.operators import Authenticated, find_operator
from carrier_tracker.cli.demo import CODE, prepare_demo_database
from carrier_tracker.enums import Role
from carrier_tracker.readers.sim import SimReader
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Event
from carrier_tracker.tui.app import LIFT_AFTER, CarrierTrackerApp, make_app
from tests.tui.conftest import T0, settle, wait_for

DEBOUNCE = 1.0
LATE = 1.3
"""How late the lift timer fires: past the debounce, counted from when the timer was due."""
REREAD = "读卡器视为同一次，不再读取"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[CarrierTrackerApp]:
    """The demo's desk (sim reader, tag tray, the reader's debounce), signed in as 孙文管."""
    url, key_path = prepare_demo_database(tmp_path, now=T0)
    engine = db.make_engine(url)
    with db.read_scope(engine) as s:
        op = find_operator(s, "孙文管")
        assert op is not None
        who = Authenticated(op.name, Role(op.role))
    yield make_app(
        url,
        "sim:",
        meeting=CODE,
        station="测试台",
        operator="孙文管",
        key_path=key_path,
        tray=True,
        debounce=DEBOUNCE,
        signed_in=who,
    )
    engine.dispose()


def events(app: CarrierTrackerApp) -> int:
    with db.read_scope(app.ctx.engine) as s:
        return len(s.exec(select(Event.id)).all())


def said(app: CarrierTrackerApp) -> str:
    """The line under the tray (what became of the last tag laid)."""
    return str(app.screen.query_one("#tap-feedback", Label).render())


async def lay(pilot: object, app: CarrierTrackerApp, name: str) -> None:
    """Type a tag's name into the tray's filter and press Enter: the tag goes on the reader."""
    app.screen.query_one("#tap-input", Input).value = name
    await pilot.press("enter")  # type: ignore[attr-defined]


async def test_a_re_read_after_a_late_lift_is_said(
    app: CarrierTrackerApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.reader, SimReader))
        reader = app.reader
        assert isinstance(reader, SimReader)
        await settle(pilot, app)
        lift = reader.remove

        def late() -> None:  # the desk's lift timer, run late by a busy host
            threading.Timer(LATE, lift).start()

        monkeypatch.setattr(reader, "remove", late)
        before = events(app)
        await lay(pilot, app, "A001")  # 赵娟's pass: issued
        await wait_for(pilot, lambda: events(app) == before + 1)
        debounce = reader.debounce
        await wait_for(pilot, lambda: debounce.since_gone(time.monotonic()) is not None)
        monkeypatch.setattr(reader, "remove", lift)
        # Laid again at once: past the window counted from when the timer was due (LIFT_AFTER
        # after the first lay), well within it counted from when the tag left.
        assert LATE > DEBOUNCE and (debounce.since_gone(time.monotonic()) or 0) < DEBOUNCE / 2
        await lay(pilot, app, "A001")
        await wait_for(pilot, lambda: REREAD in said(app))
        assert said(app).startswith("会议证 A001 赵娟 刚离开读卡器不到 1 秒")
        await settle(pilot, app)
        assert events(app) == before + 1  # the reader dropped it: nothing recorded
        # 稍候再放 is true for the window only: the notice goes once it has passed.
        await wait_for(pilot, lambda: REREAD not in said(app), timeout=2 * DEBOUNCE + 2)
        assert said(app) == ""
        # Past the window counted from when it left: a tap again, and the tray says it was laid.
        await wait_for(pilot, lambda: (debounce.since_gone(time.monotonic()) or 0) > DEBOUNCE)
        await lay(pilot, app, "A001")
        await wait_for(pilot, lambda: events(app) == before + 2)
        assert REREAD not in said(app) and LIFT_AFTER < DEBOUNCE
