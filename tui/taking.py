"""What a screen that takes taps has: the app hands each tap to the topmost one."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding

from carrier_tracker.messages import text
from carrier_tracker.readers import TagTap


class TakesTaps:
    """A screen that takes taps (mixed into a Screen or ModalScreen); the topmost one gets each."""

    RECORDS: ClassVar[bool] = False
    """Its taps record custody steps (an auditor's taps there are refused, unrecorded)."""

    def take_tap(self, tap: TagTap) -> None:
        """Do what a tap does on this screen."""
        raise NotImplementedError


def exception_binding() -> Binding:
    """Ctrl+Y on a screen whose taps record in the desk's mode (the desk, 清点): the last refusal
    an officer's exception would lift, tapped again as that exception (an officer approves). In
    no footer (the desk's is full at 100 columns): the result panel names the key whenever it
    works (:meth:`tui.widgets.banners.OutcomePanel.result`)."""
    return Binding(
        "ctrl+y", "approve_exception", text("key_approve_exception"), show=False, priority=True
    )
