"""Fixtures for driving the real app with Textual's pilot on a temp database and the sim reader."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from carrier_tracker import db, ledger
from carrier_tracker.custody import record_tap
from carrier_tracker.cli.demo import CODE, prepare_demo_database
from carrier_tracker.enums import Mode
from carrier_tracker.models import Carrier, Event
from tests.integration.cli_helpers import copy_uid, pass_uid
from tui.app import CarrierTrackerApp, make_app
from tui.widgets.banners import OutcomePanel

T0 = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)


class Desk:
    """One app on one database, with helpers to tap and to read what is on screen."""

    def __init__(self, url: str, key_path: Path, operator: str = "赵保密") -> None:
        self.url, self.key_path = url, key_path
        self.app: CarrierTrackerApp = make_app(url, "sim:", meeting=CODE, station="测试台", operator=operator, key_path=key_path,
                                                 debounce=0.0)
        self.engine = db.make_engine(url)
        self.key = ledger.load_key(key_path)

    def events(self) -> int:
        with Session(self.engine) as s:
            return len(s.exec(select(Event.id)).all())

    def carrier(self, uid: str) -> Carrier:
        with Session(self.engine) as s:
            return s.exec(select(Carrier).where(Carrier.tag_uid == uid)).one()

    async def tap(self, pilot: Any, uid: str) -> str:
        """Present a tag on the sim reader; wait until this tap is recorded; return the outcome text."""
        before = self.events()
        self.app.simulate_tap(uid)
        for _ in range(500):  # up to 10 s on a loaded machine; returns as soon as it is recorded
            await pilot.pause(0.02)
            if self.events() > before:
                await pilot.pause(0.05)
                return self.outcome()
        raise AssertionError(f"tap {uid} was never recorded")

    def outcome(self) -> str:
        return str(self.app.screen.query_one(OutcomePanel).render())

    def seed(self, taps: list[tuple[str, Mode, dict[str, Any]]]) -> None:
        """Record taps before the app starts, at fixed times (for stable snapshots)."""
        with db.session_scope(self.engine) as s:
            for i, (uid, mode, kw) in enumerate(taps):
                record_tap(session=s, key=self.key, meeting_code=CODE, uid=uid, mode=mode, station="一号台",
                           operator="孙文管", now=T0 + timedelta(minutes=i), **kw)


@pytest.fixture
def desk(tmp_path: Path) -> Callable[..., Desk]:
    url, key_path = prepare_demo_database(tmp_path)

    def make(operator: str = "赵保密") -> Desk:
        return Desk(url, key_path, operator)

    return make


async def wait_for(pilot: Any, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Pause the pilot until ``predicate`` holds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition never became true")


__all__ = ["T0", "Desk", "copy_uid", "pass_uid", "wait_for"]
