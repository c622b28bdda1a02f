"""Pilot: a meeting that never opened (nothing handed out) is closed from 清点 as the CLI's
`close --never-opened` does — by an officer at the desk, or a custodian with an officer's name
and PIN — and the close event says so; before, the desk offered a plain close that could only
fail with advice to use a CLI flag."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select
from textual.widgets import Input

from carrier_tracker.storage import db
from carrier_tracker.storage.models import Event, Meeting
from carrier_tracker.tui.screens.confirm_close import ConfirmClose
from tests.tui.conftest import Desk, open_screen, settle, wait_for
from tests.tui.layout import clipping_problems, screen_text

SIZE = (100, 30)


def notices(d: Desk) -> str:
    """The notifications shown (a refused close is one)."""
    return " ".join(n.message for n in d.app._notifications)


def closed(d: Desk) -> tuple[str, Event | None]:
    with db.read_scope(d.engine) as s:
        status = s.exec(select(Meeting)).one().status
        event = s.exec(select(Event).where(Event.action == "close")).first()
        return status, event


async def test_an_officer_closes_a_meeting_that_never_opened(desk: Callable[..., Desk]) -> None:
    d = desk()  # 赵保密, an officer
    async with d.app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, d.app, "close_dialog")
        dialog = d.app.screen
        assert isinstance(dialog, ConfirmClose)
        await settle(pilot, d.app)
        said = str(dialog.query_one("#close-text").render())
        assert "会议 HY2026-12 从未开始（没有任何发放）" in said
        assert "从未开始（没有任何发放）" in "".join(screen_text(d.app).split())  # drawn
        assert not dialog.query("#close-approver")  # the operator is the officer
        assert not clipping_problems(d.app)
        await pilot.press(*"会议取消", "enter")
        await wait_for(pilot, lambda: closed(d)[0] == "closed", timeout=10)
        await settle(pilot, d.app)
    _, event = closed(d)
    assert event is not None and event.operator == "赵保密" and not event.approver
    assert "会议未开始即结束" in event.note and "会议取消" in event.note


async def test_a_custodian_needs_an_officers_pin(desk: Callable[..., Desk]) -> None:
    d = desk("孙文管")
    async with d.app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, d.app, "close_dialog")
        dialog = d.app.screen
        assert isinstance(dialog, ConfirmClose)
        assert d.app.focused is dialog.query_one("#close-approver", Input)
        await pilot.press("enter")  # nothing typed: the dialog stays, nothing is closed
        assert isinstance(d.app.screen, ConfirmClose)
        await pilot.press(*"门岗", "tab", *"112233", "enter")  # a custodian cannot approve
        await wait_for(pilot, lambda: "门岗 不是保密负责人" in notices(d), timeout=10)
        assert closed(d)[0] != "closed"
        await pilot.press("ctrl+w")
        await wait_for(pilot, lambda: isinstance(d.app.screen, ConfirmClose))
        await pilot.press(*"赵保密", "tab", *"135790", "enter")
        await wait_for(pilot, lambda: closed(d)[0] == "closed", timeout=10)
        await settle(pilot, d.app)
    _, event = closed(d)
    assert event is not None and (event.operator, event.approver) == ("孙文管", "赵保密")
