"""保密负责人批准: a custodian's step that needs an officer (carry-out, loss report, an exception)
waits here for an officer's name + PIN or the tap of the officer's card. The dialog says what the
officer approves: the step, the item (with its title and level), the person, the rule that asks
for an officer and what was refused without one.

Dismisses with the approving officer's name, or None (cancel: the step is not applied at all).
"""

from __future__ import annotations

from collections.abc import Callable

from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label

from carrier_tracker import messages
from carrier_tracker.access.operators import Authenticated, authenticate, authenticate_card
from carrier_tracker.errors import CarrierTrackerError
from carrier_tracker.messages import text
from carrier_tracker.readers import TagTap

from ..app import CarrierTrackerApp
from ..service import ApprovalSubject
from ..taking import TakesTaps
from ..widgets.entry import Entry
from ..wording import desk_words


class ApprovalDialog(TakesTaps, ModalScreen[str | None]):
    """Name + PIN (or an officer's card) of an officer; the officer's name, or None when cancelled."""

    app = getters.app(CarrierTrackerApp)

    DEFAULT_CSS = """
    ApprovalDialog { align: center middle; }
    ApprovalDialog > Vertical { width: 76; max-width: 96%; height: auto; border: thick $warning; background: $surface; padding: 1 2; }
    ApprovalDialog Label { width: 100%; height: auto; }
    ApprovalDialog #approval-title { text-style: bold; padding-bottom: 1; }
    ApprovalDialog #approval-refusal { color: $text-error; padding-bottom: 1; }
    ApprovalDialog #approval-error { color: $error; text-style: bold; }
    ApprovalDialog Horizontal { height: auto; align-horizontal: center; }
    ApprovalDialog Button { margin: 1 2 0 2; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", text("approval_cancel"))]

    def __init__(self, subject: ApprovalSubject) -> None:
        super().__init__()
        self.subject = subject
        self.busy = False

    def compose(self) -> ComposeResult:
        subject = self.subject
        with Vertical():
            yield Label(
                text("approval_title", what=subject.action), id="approval-title", markup=False
            )
            yield Label(
                text("approval_item_line", item=subject.item), id="approval-item", markup=False
            )
            yield Label(
                text("approval_person_line", person=subject.person),
                id="approval-person",
                markup=False,
            )
            yield Label(
                text("approval_rule_line", rule=subject.rule), id="approval-rule", markup=False
            )
            yield Label(
                text("approval_refusal_line", refusal=desk_words(subject.refusal)),
                id="approval-refusal",
                markup=False,
            )
            yield Label(text("approval_how"), markup=False)
            yield Entry(placeholder=text("approval_name_placeholder"), id="approval-name")
            yield Entry(placeholder=text("login_pin_placeholder"), password=True, id="approval-pin")
            yield Label("", id="approval-error", markup=False)
            with Horizontal():
                yield Button(text("approval_ok"), variant="warning", id="approve")
                yield Button(text("approval_cancel"), id="cancel")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#approval-name", Input).focus()

    def take_tap(self, tap: TagTap) -> None:
        """A tap while the dialog shows is the officer's card (it is never recorded as a custody step)."""
        if self.busy:
            return
        self.busy = True
        self._say(text("login_checking"))
        self._check(
            lambda ctx, now: authenticate_card(
                engine=ctx.engine, key=ctx.key, uid=tap.uid, station=ctx.station, now=now
            )
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "approval-name":
            self.query_one("#approval-pin", Input).focus()
            return
        self._approve()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "approve":
            self._approve()
        else:
            self.dismiss(None)

    def _approve(self) -> None:
        name = self.query_one("#approval-name", Input).value.strip()
        pin_input = self.query_one("#approval-pin", Input)
        pin = pin_input.value
        if not name or not pin:
            (pin_input if name else self.query_one("#approval-name", Input)).focus()
            return
        if self.busy:
            return
        self.busy = True
        pin_input.value = ""
        self._say(text("login_checking"))
        self._check(
            lambda ctx, now: authenticate(
                engine=ctx.engine, key=ctx.key, name=name, pin=pin, station=ctx.station, now=now
            )
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="approval")
    def _check(self, how: Callable[..., Authenticated]) -> None:
        app = self.app
        try:
            who = how(app.ctx, app.now())
        except CarrierTrackerError as e:
            app.call_from_thread(self._refused, str(e))
            return
        except Exception as e:
            app.call_from_thread(self._refused, text("login_error", reason=e))
            return
        if not who.is_officer:
            role = messages.ROLE_LABEL[who.role.value]
            app.call_from_thread(
                self._refused, messages.text("approver_not_officer", name=who.name, role=role)
            )
            return
        app.call_from_thread(self.dismiss, who.name)

    def _refused(self, message: str) -> None:
        self.busy = False
        self._say(message)
        self.app.bell()
        self.query_one("#approval-pin", Input).focus()

    def _say(self, message: str) -> None:
        self.query_one("#approval-error", Label).update(message)
