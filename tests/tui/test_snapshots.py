"""Snapshots (pytest-textual-snapshot) of the desk, reconciliation and enrollment screens at 120×36."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import Input, Select

from carrier_tracker import db, ledger
from carrier_tracker.enums import Mode
from carrier_tracker.importer import import_workbook
from tests.data.make_corpus import base_rows, save, workbook
from tests.tui.conftest import Desk, copy_uid, pass_uid
from tui.app import make_app

SIZE = (120, 36)


def _no_blink(app: Any) -> None:
    for field in app.screen.query(Input):
        field.cursor_blink = False


def _seeded(desk: Callable[..., Desk]) -> Desk:
    d = desk()
    d.seed([
        (pass_uid("A001"), Mode.ISSUE, {}), (pass_uid("A003"), Mode.ISSUE, {}),
        (copy_uid("HY-01", 1), Mode.ISSUE, {"attendee_code": "A001"}),
        (copy_uid("HY-03", 7), Mode.ISSUE, {"attendee_code": "A001"}),
        (copy_uid("HY-02", 1), Mode.ISSUE, {"attendee_code": "A003"}),
        (copy_uid("HY-01", 1), Mode.COLLECT, {}),
    ])
    return d


def test_desk_snapshot(snap_compare: Any, desk: Callable[..., Desk]) -> None:
    d = _seeded(desk)

    async def run_before(pilot: Any) -> None:
        await pilot.pause(0.3)
        await pilot.press("f5")
        await pilot.press("ctrl+f")
        d.app.screen.query_one("#attendee-input", Input).value = "A003"
        await pilot.press("enter")
        _no_blink(d.app)
        await pilot.pause(0.2)

    assert snap_compare(d.app, terminal_size=SIZE, run_before=run_before)


def test_reconciliation_snapshot(snap_compare: Any, desk: Callable[..., Desk]) -> None:
    d = _seeded(desk)

    async def run_before(pilot: Any) -> None:
        await pilot.pause(0.3)
        await pilot.press("ctrl+r")
        await pilot.pause(0.3)
        _no_blink(d.app)

    assert snap_compare(d.app, terminal_size=SIZE, run_before=run_before)


def test_enrollment_snapshot(snap_compare: Any, tmp_path: Path) -> None:
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
    app = make_app(url, "sim:", meeting="T1", station="绑定台", operator="孙文管", key_path=key_path, debounce=0.0)

    async def run_before(pilot: Any) -> None:
        await pilot.pause(0.3)
        await pilot.press("ctrl+e")
        await pilot.pause(0.2)
        app.screen.query_one(Select).value = "F-01"
        await pilot.pause(0.1)
        app.simulate_tap("04AA00000000F1")
        for _ in range(50):
            await pilot.pause(0.05)
            if app.screen.query_one("#bound").row_count:
                break
        _no_blink(app)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
