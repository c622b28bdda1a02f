"""The 清点 screen's 承诺书 column, and the warning on a pass handed to someone without one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from textual.widgets import Label

from carrier_tracker.cli.demo import CODE
from carrier_tracker.enums import Mode
from carrier_tracker.meeting.pledges import record_pledges
from carrier_tracker.storage import db
from carrier_tracker.tui.screens.reconcile import ReconcileScreen
from carrier_tracker.tui.widgets.row_table import RowTable
from tests.tui.conftest import Desk, open_screen, pass_uid, wait_for


async def test_pledge_column_and_warning(desk: Callable[..., Desk]) -> None:
    d = desk()
    with db.session_scope(d.engine) as s:
        record_pledges(
            session=s,
            key=d.key,
            meeting_code=CODE,
            attendee_codes=["A001"],
            today=date(2026, 11, 27),
            day=date(2026, 11, 20),
            operator="孙文管",
        )
    d.seed([(pass_uid("A001"), Mode.ISSUE, {}), (pass_uid("A005"), Mode.ISSUE, {})])
    async with d.app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: bool(d.app.desk.people))
        shown = await d.tap(pilot, pass_uid("A003"))
        assert "会议证 P003（梁洋）" in shown and "未签保密承诺书" in shown
        # the pass's owner became the current attendee: the line says so, until a pledge is
        # recorded (here by another desk: the ledger advances and the line is read again)
        line = d.app.screen.query_one("#attendee", Label)
        assert "A003 梁洋" in str(line.render()) and "未签保密承诺书" in str(line.render())
        with db.session_scope(d.engine) as s:
            record_pledges(
                session=s,
                key=d.key,
                meeting_code=CODE,
                attendee_codes=["A003"],
                today=date(2026, 11, 27),
                operator="孙文管",
            )
        await wait_for(pilot, lambda: "未签" not in str(line.render()), timeout=10)
        await open_screen(pilot, d.app, "reconcile")
        screen = d.app.screen
        assert isinstance(screen, ReconcileScreen)
        await wait_for(pilot, lambda: "a:A005" in screen.shown)
        table = screen.query_one("#recon", RowTable)
        assert [str(c.label) for c in table.columns.values()][-1] == "承诺书"
        assert table.get_cell("a:A001", "pledge") == "2026-11-20"
        assert table.get_cell("a:A003", "pledge") == "2026-11-27"
        assert table.get_cell("a:A005", "pledge") == "未签"
        assert table.get_cell("a:A005/00000", "pledge") == ""  # the item row under the holder
