"""App-wide messages. Tap messages never coalesce; status messages may."""

from __future__ import annotations

from textual.message import Message

from readers import ReaderStatus, TagTap


class TapArrived(Message):
    """A tag was presented to this desk's reader (posted from the reader thread)."""

    def __init__(self, tap: TagTap) -> None:
        super().__init__()
        self.tap = tap


class ReaderStatusChanged(Message):
    """The reader went online or offline (posted from the reader thread)."""

    def __init__(self, status: ReaderStatus) -> None:
        super().__init__()
        self.status = status

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ReaderStatusChanged)


class LedgerAdvanced(Message):
    """New events exist for this meeting (from this desk or another): seq went from ``old`` to ``new``."""

    def __init__(self, old: int, new: int) -> None:
        super().__init__()
        self.old = old
        self.new = new
