"""The desk can do what the CLI can at the end (issue 11, item 6): close with exceptions approved
by an officer's PIN (and release the copies' tags), and record a lost item found after the close."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import col, select
from textual.widgets import Checkbox, Input

from carrier_tracker.cli.demo import CODE
from carrier_tracker.enums import Mode
from carrier_tracker.meeting.lifecycle import close_meeting
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Carrier, Event, Meeting
from carrier_tracker.tui.screens.confirm_close import ConfirmClose
from carrier_tracker.tui.screens.reconcile import ReconcileScreen
from tests.tui.conftest import Desk, copy_uid, open_screen, pass_uid, settle, wait_for
from tests.tui.layout import clipping_problems, screen_text

LOST = copy_uid("HY-01", 1)


def lost_at_the_close(d: Desk) -> None:
    d.seed(
        [
            (pass_uid("A001"), Mode.ISSUE, {}),
            (LOST, Mode.ISSUE, {"attendee_code": "A001"}),
            (LOST, Mode.LOST, {"note": "遗失于会场", "operator": "赵保密"}),
            (pass_uid("A001"), Mode.RECALL, {"operator": "赵保密", "override": True}),
        ]
    )


def meeting(d: Desk) -> Meeting:
    with db.read_scope(d.engine) as s:
        return s.exec(select(Meeting)).one()


async def test_a_custodian_closes_with_exceptions_approved_by_the_officers_pin(
    desk: Callable[..., Desk],
) -> None:
    d = desk("孙文管")  # not an officer: the dialog asks for one
    lost_at_the_close(d)
    async with d.app.run_test(size=(100, 30)) as pilot:
        await open_screen(pilot, d.app, "close_dialog")
        dialog = d.app.screen
        assert isinstance(dialog, ConfirmClose)
        text = screen_text(d.app)
        assert "有 1 件挂失" in text and "请保密负责人输入姓名和 PIN 批准" in text
        assert not clipping_problems(d.app)
        # Enter moves through note → approver → PIN; nothing is submitted half filled.
        await pilot.press(*"已报保密办", "enter")
        assert dialog.focused is dialog.query_one("#close-approver", Input)
        await pilot.press(*"赵保密", "enter")
        assert dialog.focused is dialog.query_one("#close-pin", Input)
        await pilot.press(*"000000", "enter")  # a wrong PIN: refused, nothing closes
        await wait_for(pilot, lambda: isinstance(d.app.screen, ReconcileScreen))
        await settle(pilot, d.app)
        await wait_for(
            pilot, lambda: any("PIN 不正确" in str(n.message) for n in d.app._notifications)
        )
        assert meeting(d).status == "open"

        await pilot.press("ctrl+w")
        await wait_for(pilot, lambda: isinstance(d.app.screen, ConfirmClose))
        d.app.screen.query_one("#close-release", Checkbox).value = True
        await pilot.press(*"已报保密办", "enter", *"赵保密", "enter", *"135790", "enter")
        await wait_for(pilot, lambda: meeting(d).status == "closed", timeout=15)
        await wait_for(pilot, lambda: "挂失 1 件" in screen_text(d.app), timeout=10)
    with db.read_scope(d.engine) as s:
        close = s.exec(select(Event).where(Event.action == "close")).one()
        assert (close.operator, close.approver) == ("孙文管", "赵保密")
        assert "带例外结束（挂失 1 件）：已报保密办" in close.note
        released = s.exec(select(Carrier).where(col(Carrier.tag_released).is_(True))).all()
        assert {c.kind for c in released} == {"pass", "copy"}


async def test_an_officer_closes_without_approver_fields(desk: Callable[..., Desk]) -> None:
    d = desk()  # 赵保密, an officer
    lost_at_the_close(d)
    async with d.app.run_test(size=(100, 30)) as pilot:
        await open_screen(pilot, d.app, "close_dialog")
        assert not d.app.screen.query("#close-approver")
        await pilot.press(*"已报保密办", "enter")
        await wait_for(pilot, lambda: meeting(d).status == "closed", timeout=15)
    with db.read_scope(d.engine) as s:
        released = s.exec(select(Carrier).where(col(Carrier.tag_released).is_(True))).all()
        assert {c.kind for c in released} == {"pass"}  # copies only when asked


async def test_a_lost_copy_found_after_the_close_at_the_desk(desk: Callable[..., Desk]) -> None:
    d = desk("孙文管")
    lost_at_the_close(d)
    with db.session_scope(d.engine) as s:
        close_meeting(
            session=s,
            key=d.key,
            meeting_code=CODE,
            operator="赵保密",
            with_exceptions=True,
            note="已报保密办",
        )
    async with d.app.run_test(size=(100, 30)) as pilot:
        await open_screen(pilot, d.app, "reconcile")
        text = screen_text(d.app)
        assert "已结束（带例外：挂失 1 件）" in text and "F11「找回」" in text
        # The closed meeting turns the desk to 找回 (F11) on its own, whatever mode it was in
        # (a tap in another mode is refused by the core: tests/integration/test_tags_close.py).
        await wait_for(pilot, lambda: d.app.service.desk.mode is Mode.FOUND)
        await pilot.press("ctrl+d", "f11")
        await settle(pilot, d.app)
        assert d.app.service.desk.mode is Mode.FOUND
        shown = await d.tap(pilot, LOST)
        assert "找回" in shown and "会后找回，会议 HY2026-12 仍为已结束" in shown
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "会后找回 1 件：HY-01 第001份" in screen_text(d.app))
        assert "全部收回" in screen_text(d.app)
    assert meeting(d).status == "closed"
    assert d.carrier(LOST).state == "recovered"
