"""What a screen that takes taps has: the app hands each tap to the topmost one."""

from __future__ import annotations

from typing import ClassVar

from carrier_tracker.readers import TagTap


class TakesTaps:
    """A screen that takes taps (mixed into a Screen or ModalScreen); the topmost one gets each."""

    RECORDS: ClassVar[bool] = False
    """Its taps record custody steps (an auditor's taps there are refused, unrecorded)."""

    def take_tap(self, tap: TagTap) -> None:
        """Do what a tap does on this screen."""
        raise NotImplementedError
