"""Pilot: an attendee added while the desk runs (another desk, the CLI) can be chosen at this
desk at once — by code in the attendee field, and by tapping their new pass."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input

from carrier_tracker.cli.demo import CODE
from carrier_tracker.enums import Level
from carrier_tracker.meeting.changes import NewPerson, add_attendee
from carrier_tracker.storage import db
from carrier_tracker.tui.screens.desk import DeskScreen
from tests.tui.conftest import Desk, settle, wait_for

SIZE = (120, 36)
LATE_PASS = "04A1B2C3D4E5F7"


def add_late(d: Desk, code: str, name: str, pass_uid: str = "") -> None:
    """A late attendee registered elsewhere (its own transaction, as another desk would)."""
    with db.session_scope(d.engine) as s:
        add_attendee(
            session=s,
            key=d.key,
            meeting_code=CODE,
            person=NewPerson(code, name, "某研究所", Level.JIMI, pass_uid=pass_uid),
            operator="赵保密",
            station="二号台",
        )


async def choose(pilot: object, screen: DeskScreen, typed: str) -> None:
    field = screen.query_one("#attendee-input", Input)
    field.focus()
    field.value = typed
    await pilot.press("enter")  # type: ignore[attr-defined]
    await pilot.pause(0.05)  # type: ignore[attr-defined]


async def test_a_late_attendee_is_chosen_by_code(desk: Callable[..., Desk]) -> None:
    d = desk()
    async with d.app.run_test(size=SIZE) as pilot:
        await settle(pilot, d.app)
        screen = d.app.screen
        assert isinstance(screen, DeskScreen)
        await choose(pilot, screen, "A041")
        assert screen.attendee is None  # nobody by that code yet: refused on screen
        assert "A041" in d.outcome()

        add_late(d, "A041", "周七")
        d.app.poll_ledger()  # the desk's timer does this every second
        await wait_for(pilot, lambda: "A041" in screen.people, timeout=10)
        await choose(pilot, screen, "A041")
        assert screen.attendee is not None and screen.attendee.name == "周七"


async def test_a_late_attendees_pass_makes_them_current(desk: Callable[..., Desk]) -> None:
    d = desk()
    add_late(d, "A042", "吴八", pass_uid=LATE_PASS)
    async with d.app.run_test(size=SIZE) as pilot:
        await settle(pilot, d.app)
        screen = d.app.screen
        assert isinstance(screen, DeskScreen)
        said = await d.tap(pilot, LATE_PASS)  # issue mode: their pass
        assert "吴八" in said, said
        await wait_for(pilot, lambda: screen.attendee is not None)
        assert screen.attendee is not None
        assert screen.attendee.code == "A042"
        assert screen.attendee.out_of_town is False  # read back through the model's types
        assert screen.attendee.pledge_on is None
