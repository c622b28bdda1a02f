"""清点 on a meeting of thousands of rows (bench/make_meeting.py, every pass handed out): the
table holds every row of the reconciliation in its order, and what is drawn is those rows under
the header, at the top and at the far end. Content only: the speed is bench/bench_desk_size.py's."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from rich.cells import set_cell_size
from textual.app import App
from textual.widgets import Checkbox

from carrier_tracker.access.operators import Authenticated
from carrier_tracker.custody.service import find_meeting, record_tap
from carrier_tracker.enums import Mode, Role
from carrier_tracker.ledger import load_key
from carrier_tracker.storage import db
from carrier_tracker.storage.readmodel import reconciliation
from carrier_tracker.tui.app import make_app
from carrier_tracker.tui.screens.desk import DeskScreen
from carrier_tracker.tui.screens.reconcile import ReconcileScreen, table_rows
from carrier_tracker.tui.widgets.row_table import RowTable
from tests.tui.conftest import wait_for
from tests.tui.layout import screen_text

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("make_meeting", ROOT / "bench" / "make_meeting.py")
assert _spec and _spec.loader
make_meeting = importlib.util.module_from_spec(_spec)
sys.modules["make_meeting"] = make_meeting  # its dataclasses look their module up
_spec.loader.exec_module(make_meeting)

ATTENDEES = 1500
CODE = f"NAT{ATTENDEES}"


def cells(line: str) -> str:
    """The texts of a line, spaces between them (the padding of the cells left out)."""
    return " ".join(line.split())


def drawn(app: App[None], table: RowTable) -> list[str]:
    """The table's lines as the screen shows them (the table's columns of the screen)."""
    lines = screen_text(app).splitlines()[table.region.y : table.region.bottom]
    return [cells(set_cell_size(line, table.region.right - 1)) for line in lines]  # - scrollbar


async def test_reconcile_shows_thousands_of_rows_in_order(tmp_path: Path) -> None:
    tmp_path.chmod(0o700)
    out = tmp_path / "m.xlsx"
    made = ["--attendees", str(ATTENDEES), "--documents", "1", "--copies", "1", "--taps"]
    assert make_meeting.main([*made, "--passes-only", "-o", str(out)]) == 0
    url = f"sqlite:///{out.with_suffix('.db')}"
    key_path = tmp_path / "m-key" / "ledger.key"
    engine = db.make_engine(url)
    with db.session_scope(engine) as s:  # ten passes back: ten attendees with nothing out
        for n in range(1, 11):
            outcome = record_tap(
                session=s, key=load_key(key_path, create=False), meeting_code=CODE,
                uid=make_meeting.uid_for(f"{CODE}/pass/A{n * 100:04d}"), mode=Mode.RECALL,
                station="test", operator="孙文管",
            )  # fmt: skip
            assert not outcome.refused, outcome.message
    with db.read_scope(engine) as s:
        recon = reconciliation(s, find_meeting(s, CODE))
    engine.dispose()
    expected = table_rows(recon, True)
    assert len(expected) == 2 * (ATTENDEES - 10)  # each attendee, and the pass they hold
    everyone = table_rows(recon, False)
    assert len(everyone) == len(expected) + 10 and "a:A0100" in everyone

    app = make_app(
        url, "sim:", meeting=CODE, station="test", operator="赵保密",
        key_path=key_path, debounce=0.0,
        signed_in=Authenticated("赵保密", Role.OFFICER),
    )  # fmt: skip
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen), timeout=30)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, ReconcileScreen), timeout=30)
        screen = app.screen
        assert isinstance(screen, ReconcileScreen)
        table = screen.query_one("#recon", RowTable)
        await wait_for(pilot, lambda: table.row_count > 0, timeout=60)
        assert table.row_keys == list(expected)
        assert all(table.get_row(k) == v for k, v in expected.items())

        keys = list(expected)
        header = "持有人 / 载体 状态 自何时 承诺书"
        first = cells(" ".join(expected[keys[0]]))
        second = cells(" ".join(expected[keys[1]]))
        text = drawn(app, table)
        assert text[:3] == [header, first, second]
        assert "会议证" in second

        table.focus()
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_key == keys[-1]
        text = drawn(app, table)
        last = cells(" ".join(expected[keys[-1]]))
        before_last = cells(" ".join(expected[keys[-2]]))
        assert text[0] == header  # the header stays
        assert text[-2:] == [before_last, last] and first not in text

        screen.query_one("#only-out", Checkbox).value = False  # everyone, nothing out or not
        await pilot.pause()
        assert table.row_keys == list(everyone)
        assert table.cursor_key == keys[-1]  # the cursor kept its row
        assert table.get_row("a:A0100")[1] == "—"  # nothing out
