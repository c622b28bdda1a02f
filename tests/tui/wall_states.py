"""Meetings in the states the wall must show well, seeded at fixed times on the demo's database,
and the wall app built on them with a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from unittest.mock import patch

from carrier_tracker.cli.demo import CODE
from carrier_tracker.enums import Mode
from carrier_tracker.meeting.lifecycle import close_meeting
from carrier_tracker.storage import db
from carrier_tracker.tui.wall.app import WallApp, make_wall_app
from tests.tui.conftest import T0, Desk, copy_uid, pass_uid, wait_for

NOW = T0 + timedelta(hours=2)
"""The wall's clock: two hours after the first seeded tap."""

# Taps of a meeting under way (T0 + i minutes): A005 got theirs first, so they head the list
# although A001 comes first by code; a carry-out, a consignment in transit, a copy collected at
# the break and a lost copy.
UNDER_WAY: list[tuple[str, Mode, dict[str, Any]]] = [
    (pass_uid("A005"), Mode.ISSUE, {}),
    (copy_uid("HY-01", 2), Mode.ISSUE, {"attendee_code": "A005"}),
    (pass_uid("A001"), Mode.ISSUE, {}),
    (copy_uid("HY-01", 1), Mode.ISSUE, {"attendee_code": "A001"}),
    (copy_uid("HY-03", 7), Mode.ISSUE, {"attendee_code": "A001"}),
    (pass_uid("A003"), Mode.ISSUE, {}),
    (copy_uid("HY-02", 1), Mode.ISSUE, {"attendee_code": "A003"}),
    (copy_uid("HY-02", 1), Mode.CARRY_OUT, {"operator": "赵保密"}),
    (copy_uid("HY-05", 2), Mode.DISPATCH, {"consignment_no": "JY-2026-001"}),
    (pass_uid("A007"), Mode.ISSUE, {}),
    (copy_uid("HY-01", 3), Mode.ISSUE, {"attendee_code": "A007"}),
    (copy_uid("HY-01", 3), Mode.COLLECT, {}),
    (copy_uid("HY-03", 7), Mode.LOST, {"operator": "赵保密", "note": "遗失于会场"}),
]

HANDED_BACK: list[tuple[str, Mode, dict[str, Any]]] = [
    (pass_uid("A001"), Mode.ISSUE, {}),
    (copy_uid("HY-01", 1), Mode.ISSUE, {"attendee_code": "A001"}),
    (copy_uid("HY-01", 1), Mode.RECALL, {}),
    (pass_uid("A001"), Mode.RECALL, {}),
]

CROWD = [f"A{n:03d}" for n in range(1, 31)]
"""30 attendees with their passes out: more rows than 100×30 has room for."""


def seed(d: Desk, state: str) -> None:
    """Bring the demo meeting into ``state``: not_open, under_way, crowd, all_back, closed or
    closed_lost."""
    if state == "under_way":
        d.seed(UNDER_WAY)
    elif state == "crowd":
        d.seed([(pass_uid(code), Mode.ISSUE, {}) for code in CROWD])
    elif state in ("all_back", "closed"):
        d.seed(HANDED_BACK)
    elif state == "closed_lost":
        d.seed(
            [
                *HANDED_BACK[:2],
                (copy_uid("HY-01", 1), Mode.LOST, {"operator": "赵保密", "note": "遗失于会场"}),
                # The holder of a lost copy hands in their pass by an officer's exception.
                (
                    pass_uid("A001"),
                    Mode.RECALL,
                    {"operator": "赵保密", "override": True, "note": "挂失已报保密办"},
                ),
            ]
        )
    else:
        assert state == "not_open", state
    if state.startswith("closed"):
        closing = T0 + timedelta(minutes=30)  # the close's clock, for stable pictures
        with (
            patch("carrier_tracker.meeting.lifecycle.utcnow", lambda: closing),
            db.session_scope(d.engine) as s,
        ):
            close_meeting(
                session=s,
                key=d.key,
                meeting_code=CODE,
                operator="赵保密",
                with_exceptions=state == "closed_lost",
                note="已报保密办" if state == "closed_lost" else "",
            )


STATES = ("not_open", "under_way", "crowd", "all_back", "closed", "closed_lost")


def wall(
    d: Desk, *, by_document: bool = False, now: Callable[[], datetime] = lambda: NOW
) -> WallApp:
    """The wall on the desk's database, with a fixed clock."""
    return make_wall_app(d.url, CODE, by_document=by_document, now=now)


async def shown(pilot: Any, app: WallApp, seq: int | None = None, timeout: float = 10.0) -> None:
    """Wait until the wall shows a board (as of ledger ``seq`` when given) and has drawn it."""

    def ready() -> bool:
        return app.seen is not None and (seq is None or app.seen >= seq)

    await wait_for(pilot, ready, timeout=timeout)
    await pilot.pause(0.1)
