"""The officer sees what they approve: the approval dialog names the step, the item (number, title,
level), the person (name, unit, 外地代表), the rule that asks for an officer and what was refused
without one — whole, at the smallest terminal. Found walking the demo: it said only
``需保密负责人批准：带离`` and hid the refusal behind it."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select
from textual.widgets import Input

from carrier_tracker.cli.demo import DEMO_OPERATORS
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Attendee, Document
from carrier_tracker.tui.screens.approval import ApprovalDialog
from carrier_tracker.tui.screens.desk import DeskScreen
from carrier_tracker.tui.screens.login import LoginScreen
from carrier_tracker.tui.screens.reconcile import ReconcileScreen
from carrier_tracker.tui.texts import MIN_SIZE
from tests.tui.conftest import Desk, copy_uid, open_screen, pass_uid, settle, wait_for
from tests.tui.layout import clipping_problems, screen_text


def _facts(d: Desk, doc: str, code: str) -> tuple[Document, Attendee]:
    with db.read_scope(d.engine) as s:
        document = s.exec(select(Document).where(Document.number == doc)).one()
        person = s.exec(select(Attendee).where(Attendee.code == code)).one()
        return document, person


def _flat(text: str) -> str:
    return " ".join(text.split())


async def test_a_take_away_names_item_person_rule_and_refusal(desk: Callable[..., Desk]) -> None:
    d = desk("孙文管")
    document, person = _facts(d, "HY-02", "A003")
    async with d.app.run_test(size=MIN_SIZE) as pilot:
        await d.tap(pilot, pass_uid("A003"))
        await d.tap(pilot, copy_uid("HY-02", 1))
        await pilot.press("f5")
        d.app.simulate_tap(copy_uid("HY-02", 1))
        await wait_for(pilot, lambda: isinstance(d.app.screen, ApprovalDialog), timeout=10)
        await settle(pilot, d.app)
        shown = _flat(screen_text(d.app))
        for line in (
            "需保密负责人批准：带离",
            f"载体：HY-02 第001份《{document.title}》 {document.level}",
            f"人员：梁洋 · {person.unit} · 外地代表",
            "规定：外地代表带离文件，须经保密负责人批准",
            "未记录：需保密负责人批准（当前操作员：孙文管）",
        ):
            assert _flat(line) in shown, f"{line!r} not on screen:\n{screen_text(d.app)}"
        assert not clipping_problems(d.app)


async def test_an_exception_names_the_refusal_it_lifts(desk: Callable[..., Desk]) -> None:
    d = desk("孙文管")
    async with d.app.run_test(size=MIN_SIZE) as pilot:
        await d.tap(pilot, pass_uid("A003"))
        await d.tap(pilot, copy_uid("HY-01", 1))
        refused = await d.tap(pilot, copy_uid("HY-01", 2))  # a second copy of HY-01 to 梁洋
        assert "Ctrl+Y" in refused
        assert not clipping_problems(d.app)  # the footer too, with 清除 and the offer
        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: isinstance(d.app.screen, ApprovalDialog), timeout=10)
        await settle(pilot, d.app)
        shown = _flat(screen_text(d.app))
        assert "需保密负责人批准：例外（发放）" in shown
        assert "载体：HY-01 第002份《" in shown and "人员：梁洋 · " in shown
        assert "规定：例外须经保密负责人批准" in shown
        assert "未记录：" in shown and "HY-01 第001份" in shown  # the copy they hold already
        assert not clipping_problems(d.app)


async def test_the_count_screen_offers_the_exception_too(desk: Callable[..., Desk]) -> None:
    """A tap on 清点 records in the desk's mode: a refusal an officer's exception would lift names
    Ctrl+Y there as at the desk, and Ctrl+Y asks the officer (no second refusal recorded)."""
    d = desk("孙文管")
    async with d.app.run_test(size=MIN_SIZE) as pilot:
        await d.tap(pilot, pass_uid("A003"))
        await d.tap(pilot, copy_uid("HY-01", 1))
        await open_screen(pilot, d.app, "reconcile")
        assert isinstance(d.app.screen, ReconcileScreen)
        refused = await d.tap(pilot, copy_uid("HY-01", 2))  # a second copy of HY-01 to 梁洋
        assert refused.startswith("拒绝：") and "按 Ctrl+Y 请保密负责人批准例外" in refused
        assert not clipping_problems(d.app)
        count = d.events()
        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: isinstance(d.app.screen, ApprovalDialog), timeout=10)
        await settle(pilot, d.app)
        assert "需保密负责人批准：例外（发放）" in _flat(screen_text(d.app))
        assert d.events() == count


async def test_the_offer_ends_with_the_operator_it_was_shown_to(
    desk: Callable[..., Desk],
) -> None:
    """Ctrl+Y lifts a refusal for the operator who tapped it: once the desk locks the offer is
    gone (the refusal stays on screen without it), so whoever signs in next cannot have an
    officer approve, in their name, a step someone else tapped."""
    d = desk("孙文管")
    async with d.app.run_test(size=MIN_SIZE) as pilot:
        await d.tap(pilot, pass_uid("A003"))
        await d.tap(pilot, copy_uid("HY-01", 1))
        refused = await d.tap(pilot, copy_uid("HY-01", 2))  # a second copy of HY-01 to 梁洋
        assert "按 Ctrl+Y" in refused
        await pilot.press("ctrl+x")
        await wait_for(pilot, lambda: isinstance(d.app.screen, LoginScreen))
        gate = next(pin for name, _role, pin in DEMO_OPERATORS if name == "门岗")
        await pilot.press(*"门岗", "tab", *gate, "enter")
        await wait_for(pilot, lambda: isinstance(d.app.screen, DeskScreen), timeout=10)
        assert d.app.ctx.operator == "门岗"
        shown = d.outcome()
        assert shown.startswith("拒绝：") and "Ctrl+Y" not in shown, shown
        count = d.events()
        await pilot.press("ctrl+y")
        await settle(pilot, d.app)
        assert isinstance(d.app.screen, DeskScreen) and d.events() == count


async def test_a_refusal_is_lifted_where_it_was_shown(desk: Callable[..., Desk]) -> None:
    """A refusal the desk showed is not lifted from 清点, which does not show it (nor the other
    way round): Ctrl+Y there does nothing; back at the desk it still asks the officer."""
    d = desk("孙文管")
    async with d.app.run_test(size=MIN_SIZE) as pilot:
        await d.tap(pilot, pass_uid("A003"))
        await d.tap(pilot, copy_uid("HY-01", 1))
        assert "按 Ctrl+Y" in await d.tap(pilot, copy_uid("HY-01", 2))
        await open_screen(pilot, d.app, "reconcile")
        assert isinstance(d.app.screen, ReconcileScreen)
        count = d.events()
        await pilot.press("ctrl+y")
        await settle(pilot, d.app)
        assert isinstance(d.app.screen, ReconcileScreen) and d.events() == count
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(d.app.screen, DeskScreen))
        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: isinstance(d.app.screen, ApprovalDialog), timeout=10)
        await pilot.press("escape")  # cancelled: nothing recorded
        await wait_for(pilot, lambda: isinstance(d.app.screen, DeskScreen))
        # A refusal tapped on 清点 is offered there, and the desk shows it without the offer.
        await open_screen(pilot, d.app, "reconcile")
        assert "按 Ctrl+Y" in await d.tap(pilot, copy_uid("HY-01", 2))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(d.app.screen, DeskScreen))
        shown = d.outcome()
        assert shown.startswith("拒绝：") and "Ctrl+Y" not in shown, shown


async def test_a_loss_report_names_its_rule(desk: Callable[..., Desk]) -> None:
    d = desk("孙文管")
    async with d.app.run_test(size=MIN_SIZE) as pilot:
        await d.tap(pilot, pass_uid("A003"))
        await d.tap(pilot, copy_uid("HY-01", 1))
        await pilot.press("f10")
        await wait_for(pilot, lambda: d.app.focused is d.app.screen.query_one("#note-input"))
        d.app.screen.query_one("#note-input", Input).value = "会场遗失"
        await settle(pilot, d.app)
        d.app.simulate_tap(copy_uid("HY-01", 1))
        await wait_for(pilot, lambda: isinstance(d.app.screen, ApprovalDialog), timeout=10)
        await settle(pilot, d.app)
        shown = _flat(screen_text(d.app))
        assert (
            "需保密负责人批准：挂失" in shown
            and "规定：挂失须经保密负责人批准，并写明情况" in shown
        )
        assert "人员：梁洋 · " in shown
