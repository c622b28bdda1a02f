"""Fixtures for driving the real app with Textual's pilot on a temp database and the sim reader."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from textual.widgets import Input

from carrier_tracker import ledger
from carrier_tracker.access.operators import Authenticated, find_operator
from carrier_tracker.cli.demo import CODE, prepare_demo_database
from carrier_tracker.custody import checklists
from carrier_tracker.custody.service import record_tap
from carrier_tracker.enums import Answer, Mode, Role
from carrier_tracker.meeting.policy import answer_items
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Carrier, ChecklistAnswer, Event
from carrier_tracker.tui.app import CarrierTrackerApp, make_app
from carrier_tracker.tui.widgets.banners import OutcomePanel
from tests.integration.cli_helpers import copy_uid, pass_uid

T0 = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)


class Desk:
    """One app on one database, with helpers to tap and to read what is on screen."""

    def __init__(self, url: str, key_path: Path, operator: str = "赵保密") -> None:
        self.url, self.key_path = url, key_path
        self.engine = db.make_engine(url)
        self.key = ledger.load_key(key_path)
        with db.read_scope(self.engine) as s:
            op = find_operator(s, operator)
            assert op is not None, operator
            who = Authenticated(op.name, Role(op.role))
        # Signed in already (the login screen has its own tests, tests/tui/test_operators_desk.py).
        self.app: CarrierTrackerApp = make_app(
            url,
            "sim:",
            meeting=CODE,
            station="测试台",
            operator=operator,
            key_path=key_path,
            debounce=0.0,
            signed_in=who,
        )

    def swept(self) -> bool:
        """The sweep has answers already (a second ``desk()`` on the same database)."""
        with db.read_scope(self.engine) as s:
            return bool(
                s.exec(select(ChecklistAnswer).where(ChecklistAnswer.checklist == "sweep")).all()
            )

    def events(self) -> int:
        with db.read_scope(self.engine) as s:  # a WAL snapshot: never waits for another writer
            return len(s.exec(select(Event.id)).all())

    def carrier(self, uid: str) -> Carrier:
        with db.read_scope(self.engine) as s:
            return s.exec(select(Carrier).where(Carrier.tag_uid == uid)).one()

    async def tap(self, pilot: Any, uid: str) -> str:
        """Present a tag on the sim reader; wait until this tap is recorded; return the outcome text."""
        before = self.events()
        self.app.simulate_tap(uid)
        for _ in range(int(500 * WAIT_SCALE)):  # returns as soon as it is shown
            await pilot.pause(0.02)
            if self.events() > before and not self.pending():
                await drained(pilot, self.app.screen)  # the result reached the screen's queue
                return self.outcome()
        raise AssertionError(f"tap {uid} was never recorded")

    def pending(self) -> int:
        """Taps recorded in the database whose result the screen has not shown yet."""
        return self.app.service.pending + int(getattr(self.app.screen, "pending", 0))

    def outcome(self) -> str:
        return str(self.app.screen.query_one(OutcomePanel).render())

    def seed(self, taps: list[tuple[str, Mode, dict[str, Any]]]) -> None:
        """Record taps before the app starts, at fixed times (for stable snapshots); each must be
        accepted unless its keywords say ``refused=True``."""
        with db.session_scope(self.engine) as s:
            for i, (uid, mode, kw) in enumerate(taps):
                args = {"operator": "孙文管", **{k: v for k, v in kw.items() if k != "refused"}}
                outcome = record_tap(
                    session=s,
                    key=self.key,
                    meeting_code=CODE,
                    uid=uid,
                    mode=mode,
                    station="一号台",
                    now=T0 + timedelta(minutes=i),
                    **args,
                )
                assert not outcome.refused or kw.get("refused"), (
                    f"seed tap {i} refused: {outcome.message}"
                )


@pytest.fixture(autouse=True)
def _own_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The user data directory (the export dialog's default folder) under tmp_path."""
    monkeypatch.setenv("CARRIER_TRACKER_HOME", str(tmp_path / "home"))


@pytest.fixture
def desk(tmp_path: Path) -> Callable[..., Desk]:
    """``desk(operator="赵保密", swept=True)``: the demo's meeting (filed, venue checked) with its
    sweep answered 符合 (so a test may close it), or unanswered with ``swept=False``."""
    url, key_path = prepare_demo_database(tmp_path, now=T0)

    def make(operator: str = "赵保密", *, swept: bool = True) -> Desk:
        d = Desk(url, key_path, operator)
        if swept and not d.swept():
            sweep = checklists.active()[checklists.SWEEP]
            with db.session_scope(d.engine) as s:
                answer_items(
                    session=s,
                    key=d.key,
                    meeting_code=CODE,
                    checklist=sweep,
                    answers=[(it.id, Answer.OK, "") for it in sweep.items],
                    operator="孙文管",
                    now=T0,
                )
        return d

    return make


WAIT_SCALE = 3.0
"""Every wait gives the machine three times the time it names: a wait returns as soon as its
condition holds, so this costs a passing test nothing, and a desk on a host shared with other
jobs (2 cores, a CI run beside a benchmark) still gets there. No test waits for a thing not to
happen."""


async def wait_for(pilot: Any, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Pause the pilot until ``predicate`` holds (within ``timeout`` × :data:`WAIT_SCALE` s)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout * WAIT_SCALE
    while loop.time() < end:
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition never became true")


async def drained(pilot: Any, pump: Any) -> None:
    """Wait until ``pump`` (a screen) has handled every message posted to it so far."""
    seen: list[bool] = []
    pump.call_later(lambda: seen.append(True))
    await wait_for(pilot, lambda: bool(seen))


async def settle(pilot: Any, app: CarrierTrackerApp, timeout: float = 10.0) -> None:
    """Wait until the database lanes are idle and what they returned is drawn."""
    await wait_for(pilot, lambda: not app.reads.pending and not app.writes.pending, timeout=timeout)
    await pilot.pause(0.1)
    await wait_for(pilot, lambda: not app.reads.pending and not app.writes.pending, timeout=timeout)
    await drained(pilot, app.screen)


# Every screen and dialog, and the keys that open it from the desk.
SCREENS: dict[str, list[str]] = {
    "desk": [],
    "reconcile": ["ctrl+r"],
    "courier": ["ctrl+k"],
    "enroll": ["ctrl+e"],
    "copies": ["ctrl+l"],
    "audit": ["ctrl+t"],
    "changes": ["ctrl+b"],
    "dispose": ["ctrl+z"],
    "policy": ["ctrl+a"],
    "close_dialog": ["ctrl+r", "ctrl+w"],
    "plan": ["ctrl+r", "ctrl+f"],
    "consignment_dialog": ["ctrl+k", "ctrl+n"],
    "export_dialog": ["ctrl+o"],
}


async def open_screen(pilot: Any, app: CarrierTrackerApp, name: str) -> None:
    """From the desk, press the keys that open screen ``name`` and wait until it has its data."""
    await settle(pilot, app)
    for key in SCREENS[name]:
        await pilot.press(key)
        await settle(pilot, app)
    for field in app.screen.query(Input):
        field.cursor_blink = False


__all__ = ["SCREENS", "T0", "Desk", "copy_uid", "open_screen", "pass_uid", "settle", "wait_for"]
