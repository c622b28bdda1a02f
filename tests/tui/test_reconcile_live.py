"""The 清点 screen refreshes only what changed (tui/reconciliation.py); after every kind of tap at
another desk, what it shows must equal a whole, fresh reconciliation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from carrier_tracker.cli.demo import CODE
from carrier_tracker.custody.service import find_meeting, record_tap
from carrier_tracker.enums import Mode
from carrier_tracker.storage import db
from carrier_tracker.storage.queries import newest_seq
from carrier_tracker.storage.readmodel import reconciliation
from carrier_tracker.tui.screens.reconcile import ReconcileScreen, table_rows
from tests.tui.conftest import Desk, copy_uid, open_screen, pass_uid, wait_for

# (uid, mode, keywords): every custody step, by "another desk" while the screen is open.
STEPS: list[tuple[str, Mode, dict[str, Any]]] = [
    (pass_uid("A001"), Mode.ISSUE, {}),
    (copy_uid("HY-01", 1), Mode.ISSUE, {"attendee_code": "A001"}),
    (pass_uid("A003"), Mode.ISSUE, {}),
    (copy_uid("HY-02", 1), Mode.ISSUE, {"attendee_code": "A003"}),
    (copy_uid("HY-01", 1), Mode.COLLECT, {}),
    (copy_uid("HY-01", 1), Mode.REISSUE, {}),
    (copy_uid("HY-02", 1), Mode.CARRY_OUT, {"operator": "赵保密"}),
    (copy_uid("HY-05", 2), Mode.DISPATCH, {"consignment_no": "JY-2026-001"}),
    (copy_uid("HY-05", 2), Mode.DELIVER, {}),
    (copy_uid("HY-05", 3), Mode.DISPATCH, {"consignment_no": "JY-2026-001"}),
    (copy_uid("HY-05", 3), Mode.RETURN, {}),
    (copy_uid("HY-01", 1), Mode.LOST, {"operator": "赵保密", "note": "遗失"}),
    (copy_uid("HY-01", 1), Mode.FOUND, {"operator": "赵保密"}),
    (copy_uid("HY-02", 1), Mode.RETURN, {}),
    (pass_uid("A003"), Mode.RECALL, {}),
    (copy_uid("HY-04", 2), Mode.ISSUE, {"attendee_code": "A001"}),
    (copy_uid("HY-04", 2), Mode.RECALL, {}),
]


async def test_live_refresh_matches_a_whole_read_after_every_step(
    desk: Callable[..., Desk],
) -> None:
    d = desk()
    async with d.app.run_test(size=(120, 36)) as pilot:
        await open_screen(pilot, d.app, "reconcile")
        screen = d.app.screen
        assert isinstance(screen, ReconcileScreen)
        for uid, mode, kw in STEPS:
            with db.session_scope(d.engine) as s:
                outcome = record_tap(
                    session=s,
                    key=d.key,
                    meeting_code=CODE,
                    uid=uid,
                    mode=mode,
                    station="二号台",
                    **{"operator": "孙文管", **kw},
                )
                assert not outcome.refused, outcome.message
            with db.read_scope(d.engine) as s:
                meeting = find_meeting(s, CODE)
                target = newest_seq(s, meeting)
                expected = reconciliation(s, meeting)
            await wait_for(pilot, lambda t=target: screen.seen >= t, timeout=10)  # type: ignore[misc]
            assert screen.recon is not None
            assert screen.shown == table_rows(expected, True), f"after {mode} {uid}"
            assert screen.recon.summary() == expected.summary()
