"""Confirm closing the meeting once everything is back."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label


class ConfirmClose(ModalScreen[bool]):
    """Yes/no dialog; returns True to close the meeting."""

    DEFAULT_CSS = """
    ConfirmClose { align: center middle; }
    ConfirmClose > Vertical { width: 60; height: auto; border: thick $success; background: $surface; padding: 1 2; }
    ConfirmClose Horizontal { height: auto; align-horizontal: center; }
    ConfirmClose Button { margin: 1 2 0 2; }
    """
    BINDINGS = [("escape", "dismiss(False)", "取消")]

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"全部载体已收回。结束会议 {self.code}？结束后不再接受任何刷卡。")
            with Horizontal():
                yield Button("结束会议", variant="success", id="yes")
                yield Button("取消", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
