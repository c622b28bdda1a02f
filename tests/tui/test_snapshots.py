"""Snapshots (pytest-textual-snapshot) of every screen and dialog, at the documented minimum terminal
size and at 120×36. Times are shown in Asia/Shanghai; the few texts that depend on the clock or on
the random ledger key (the desk's log times, the head hash) are pinned so the pictures are stable."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Label, Select

from carrier_tracker import ledger
from carrier_tracker.access.operators import Authenticated
from carrier_tracker.cli.demo import prepare_demo_database
from carrier_tracker.enums import Mode, Role
from carrier_tracker.paper.importer import import_workbook
from carrier_tracker.storage import db
from carrier_tracker.tui.app import make_app
from carrier_tracker.tui.screens import desk as desk_module
from carrier_tracker.tui.texts import MIN_SIZE
from tests.data.make_corpus import base_rows, save, workbook
from tests.tui.conftest import SCREENS, Desk, copy_uid, open_screen, pass_uid, settle

OFFICER = Authenticated("赵保密", Role.OFFICER)  # signed in already: the login has its own tests

SIZES = {"min": MIN_SIZE, "120x36": (120, 36)}


@pytest.fixture(autouse=True)
def shanghai_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(autouse=True)
def never_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """A slow moment of a noisy machine must not put 等待数据库… into a picture (that indicator has
    its own tests: tests/tui/test_db_lock.py, tests/tui/test_layout.py)."""
    monkeypatch.setattr("carrier_tracker.tui.app.WAITING_AFTER", 3600.0)


def _seeded(desk: Callable[..., Desk]) -> Desk:
    d = desk()
    d.seed(
        [
            (pass_uid("A001"), Mode.ISSUE, {}),
            (pass_uid("A003"), Mode.ISSUE, {}),
            (copy_uid("HY-01", 1), Mode.ISSUE, {"attendee_code": "A001"}),
            (copy_uid("HY-03", 7), Mode.ISSUE, {"attendee_code": "A001"}),
            (copy_uid("HY-02", 1), Mode.ISSUE, {"attendee_code": "A003"}),
            (copy_uid("HY-01", 1), Mode.COLLECT, {}),
            (copy_uid("HY-05", 2), Mode.DISPATCH, {"consignment_no": "JY-2026-001"}),
        ]
    )
    return d


async def _pin(app: Any) -> None:
    """Pin what depends on the clock or the random ledger key, and stop the cursor blinking."""
    for field in app.screen.query(Input):
        field.cursor_blink = False
    for label in app.screen.query("#verify").results(Label):
        label.update(re.sub(r"[0-9a-f]{64}", "0" * 64, str(label.render())))


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen_snapshot(
    name: str,
    size: str,
    snap_compare: Any,
    desk: Callable[..., Desk],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(desk_module, "local_time", lambda _at: "12-08 09:31:05")  # the log's "now"
    d = _seeded(desk)

    async def run_before(pilot: Any) -> None:
        await settle(pilot, d.app)
        if name == "desk":  # a tap at the desk: the result panel and the log
            await pilot.press("ctrl+f", *"A003", "enter")
            await d.tap(pilot, copy_uid("HY-01", 1))
        await open_screen(pilot, d.app, name)
        if name == "audit":  # only the seeded events (the import's time is today's)
            await pilot.press(*"HY-0")
            await settle(pilot, d.app)
        if name == "export_dialog":
            d.app.screen.query_one(
                "#path", Input
            ).value = "/srv/保密办/保密办-HY2026-12-20261208-1800.xlsx"
        await _pin(d.app)
        await pilot.pause(0.1)

    assert snap_compare(d.app, terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", list(SIZES))
def test_meeting_picker_snapshot(size: str, snap_compare: Any, tmp_path: Path) -> None:
    url, key_path = prepare_demo_database(tmp_path)
    app = make_app(
        url, "sim:", station="一号台", operator="赵保密", key_path=key_path, signed_in=OFFICER
    )

    async def run_before(pilot: Any) -> None:
        await settle(pilot, app)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", list(SIZES))
def test_enrollment_binding_snapshot(size: str, snap_compare: Any, tmp_path: Path) -> None:
    rows = base_rows()
    del rows["标签绑定"]
    path = tmp_path / "untagged.xlsx"
    save(workbook(rows), path)
    url = f"sqlite:///{tmp_path / 'e.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    key_path = tmp_path / "ledger.key"
    with db.session_scope(engine) as s:
        import_workbook(session=s, key=ledger.load_key(key_path), path=path)
    app = make_app(
        url,
        "sim:",
        meeting="T1",
        station="绑定台",
        operator="孙文管",
        key_path=key_path,
        debounce=0.0,
        signed_in=Authenticated("孙文管", Role.CUSTODIAN),
    )

    async def run_before(pilot: Any) -> None:
        await settle(pilot, app)
        await pilot.press("ctrl+e")
        await settle(pilot, app)
        app.screen.query_one(Select).value = "F-01"
        await settle(pilot, app)
        app.simulate_tap("04AA00000000F1")
        for _ in range(100):
            await pilot.pause(0.05)
            if app.screen.query_one("#bound").row_count:
                break
        await settle(pilot, app)
        await _pin(app)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)
