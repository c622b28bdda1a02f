"""登记机要件: number, the delegate it belongs to (or none), recipient unit and recipient of a
new courier consignment."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label

from carrier_tracker import messages

from ..texts import t
from ..widgets.entry import Entry


@dataclass(frozen=True)
class NewConsignment:
    """What the custodian typed."""

    number: str
    unit: str
    recipient: str
    attendee: str = ""
    """The delegate's code (a consignment of a delegate); empty: it belongs to the unit."""


class ConsignmentDialog(ModalScreen[NewConsignment | None]):
    """Returns the new consignment's fields, or None when cancelled."""

    DEFAULT_CSS = """
    ConsignmentDialog { align: center middle; }
    ConsignmentDialog > Vertical { width: 72; max-width: 96%; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    ConsignmentDialog Label { width: 100%; }
    ConsignmentDialog #consignment-error { color: $error; height: auto; }
    ConsignmentDialog Horizontal { height: auto; align-horizontal: center; }
    ConsignmentDialog Button { margin: 1 2 0 2; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", t("key_cancel"))]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("new_consignment_title"), classes="dialog-title", markup=False)
            yield Entry(placeholder=t("new_consignment_number"), id="number")
            yield Entry(placeholder=messages.text("new_consignment_attendee"), id="attendee")
            yield Entry(placeholder=t("new_consignment_unit"), id="unit")
            yield Entry(placeholder=t("new_consignment_recipient"), id="recipient")
            yield Label("", id="consignment-error", markup=False)
            with Horizontal():
                yield Button(t("new_consignment_ok"), variant="primary", id="ok")
                yield Button(t("key_cancel"), id="cancel")
        yield Footer(compact=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "recipient" or (event.input.id == "unit" and event.value.strip()):
            self._accept()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._accept()
        else:
            self.dismiss(None)

    def _accept(self) -> None:
        number = self.query_one("#number", Input).value.strip()
        unit = self.query_one("#unit", Input).value.strip()
        attendee = self.query_one("#attendee", Input).value.strip()
        if not number or not (unit or attendee):
            self.query_one("#consignment-error", Label).update(
                messages.text("new_consignment_missing_owner")
            )
            self.app.bell()
            return
        recipient = self.query_one("#recipient", Input).value.strip()
        self.dismiss(NewConsignment(number, unit, recipient, attendee))
