"""Closing the meeting: the dialog says what the reconciliation says (it is given the same read)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Input, Label

from carrier_tracker import messages
from carrier_tracker.messages import STATE_LABEL
from carrier_tracker.storage.readmodel import OutItem, Reconciliation

from ..texts import t
from ..widgets.entry import Entry

SHOWN = 6  # items listed in the dialog; the rest are on the 清点 table behind it


@dataclass(frozen=True)
class CloseChoice:
    """Close the meeting; with exceptions (lost items) only with a note, and an officer: the
    desk's operator, or ``approver`` with ``pin`` (authenticated before the close)."""

    with_exceptions: bool = False
    note: str = ""
    approver: str = ""
    pin: str = ""
    release_tags: bool = False
    """Release the copies' tags too (passes' tags are always released at the close)."""
    never_opened: bool = False
    """The meeting never opened (nothing handed out): an officer closes it as such."""


class ConfirmClose(ModalScreen[CloseChoice | None]):
    """Yes/no when everything is back; a list of what is out when not; a note when items are lost."""

    DEFAULT_CSS = """
    ConfirmClose { align: center middle; }
    ConfirmClose > Vertical { width: 84; max-width: 96%; height: auto; border: thick $success; background: $surface; padding: 1 2; }
    ConfirmClose.blocked > Vertical { border: thick $error; }
    ConfirmClose Label { width: 100%; }
    ConfirmClose #close-items, ConfirmClose #close-lost-items { color: $text-muted; padding: 0 0 0 2; }
    ConfirmClose Horizontal { height: auto; align-horizontal: center; }
    ConfirmClose #close-approval Input { width: 1fr; }
    ConfirmClose Button { margin: 1 2 0 2; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", t("key_cancel"))]

    def __init__(self, recon: Reconciliation, *, officer: bool = True) -> None:
        """``officer``: the desk's operator is an officer (else an officer approves by PIN)."""
        super().__init__()
        self.recon = recon
        self.officer = officer
        who = {it.carrier_id: g.title for g in recon.groups for it in g.items}
        self.never_opened = recon.status.before_open
        self.pending = [(who.get(it.carrier_id, ""), it) for it in recon.pending]
        self.lost = [(who.get(it.carrier_id, ""), it) for it in recon.lost_items]

    def compose(self) -> ComposeResult:
        r = self.recon
        with Vertical():
            if self.never_opened:
                self.add_class("blocked")
                yield Label(
                    messages.text("tui_close_never_opened", code=r.code),
                    id="close-text",
                    markup=False,
                )
                yield Entry(
                    placeholder=messages.text("tui_close_never_opened_note"), id="close-note"
                )
                yield from self._approval_fields()
                with Horizontal():
                    yield Button(
                        messages.text("tui_close_never_opened_yes"), variant="error", id="yes"
                    )
                    yield Button(t("close_back"), id="no")
            elif self.pending:
                self.add_class("blocked")
                yield Label(
                    messages.text("close_outstanding", count=len(self.pending)),
                    id="close-text",
                    markup=False,
                )
                yield Label(self._list(self.pending), id="close-items", markup=False)
                if self.lost:  # counted as 未收回 on 清点 too: named here, not left out
                    yield Label(
                        t("close_also_lost", count=len(self.lost)), id="close-lost", markup=False
                    )
                    yield Label(self._list(self.lost), id="close-lost-items", markup=False)
                with Horizontal():
                    yield Button(t("close_back"), variant="primary", id="no")
            elif self.lost:
                yield Label(t("close_lost", count=len(self.lost)), id="close-text", markup=False)
                yield Label(self._list(self.lost), id="close-items", markup=False)
                yield Entry(placeholder=t("close_note_placeholder"), id="close-note")
                yield from self._approval_fields()
                yield Checkbox(messages.text("tui_close_release_tags"), id="close-release")
                with Horizontal():
                    yield Button(t("close_with_exceptions"), variant="error", id="yes")
                    yield Button(t("close_back"), id="no")
            else:
                yield Label(
                    t("close_ready", verdict=r.verdict()) + "\n" + t("close_question", code=r.code),
                    id="close-text",
                    markup=False,
                )
                yield Checkbox(messages.text("tui_close_release_tags"), id="close-release")
                with Horizontal():
                    yield Button(t("close_yes"), variant="success", id="yes")
                    yield Button(t("key_cancel"), id="no")
        yield Footer(compact=True)

    def _approval_fields(self) -> ComposeResult:
        """An approving officer's name and PIN, when the desk's operator is not an officer."""
        if self.officer:
            return
        yield Label(messages.text("tui_close_approval"), id="close-approval-text", markup=False)
        with Horizontal(id="close-approval"):
            yield Entry(placeholder=messages.text("tui_close_approver"), id="close-approver")
            yield Entry(placeholder=messages.text("tui_close_pin"), password=True, id="close-pin")

    def on_mount(self) -> None:
        if self.never_opened:
            target = "#close-note" if self.officer else "#close-approver"
            self.query_one(target).focus()
        elif self.pending:
            self.query_one("#no").focus()
        elif self.lost:
            self.query_one("#close-note").focus()
        else:
            self.query_one("#yes").focus()  # Ctrl+W then Enter: the dialog is the confirmation

    @staticmethod
    def _list(items: list[tuple[str, OutItem]]) -> str:
        lines = [f"{who}  {it.label}  {STATE_LABEL[it.state]}" for who, it in items[:SHOWN]]
        if len(items) > SHOWN:
            lines.append(t("close_more", count=len(items) - SHOWN))
        return "\n".join(lines)

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self._accept()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "yes":
            self._accept()
        else:
            self.dismiss(None)

    def _filled(self, fields: list[str]) -> list[str] | None:
        """The fields' values, each in turn required: None, with the cursor on the first empty
        one (and the bell when it is already there), until all are filled. Enter in one field
        so goes on to the next."""
        values = [self.query_one(f, Input).value.strip() for f in fields]
        for field, value in zip(fields, values, strict=True):
            if not value:
                if self.focused is not None and self.focused.id == field.lstrip("#"):
                    self.app.bell()
                self.query_one(field, Input).focus()
                return None
        return values

    def _accept(self) -> None:
        approval = [] if self.officer else ["#close-approver", "#close-pin"]
        if self.never_opened:  # the note may be empty; an approver needs name and PIN
            note = self.query_one("#close-note", Input).value.strip()
            given = self._filled(approval)
            if given is None:
                return
            approver, pin = [*given, "", ""][:2]
            self.dismiss(CloseChoice(note=note, approver=approver, pin=pin, never_opened=True))
            return
        if self.pending:
            self.dismiss(None)
            return
        release = self.query_one("#close-release", Checkbox).value
        if not self.lost:
            self.dismiss(CloseChoice(release_tags=release))
            return
        values = self._filled(["#close-note", *approval])
        if values is None:
            return
        note, approver, pin = [*values, "", ""][:3]
        self.dismiss(
            CloseChoice(
                with_exceptions=True, note=note, approver=approver, pin=pin, release_tags=release
            )
        )
