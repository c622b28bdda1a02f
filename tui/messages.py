"""App-wide messages. Tap messages never coalesce; status messages may."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

from carrier_tracker.readers import ReaderStatus, TagTap

if TYPE_CHECKING:
    from .lanes import Job
    from .service import TapResult


@dataclass
class TapArrived(Message):
    """A tag was presented: by the reader (posted from its thread) or typed into the tap entry."""

    tap: TagTap


@dataclass
class TapDone(Message):
    """A tap of this desk came back (recorded, refused, waiting for an officer or not recorded),
    whichever screen it was tapped on: posted to every screen (the desk logs them all)."""

    result: TapResult


@dataclass
class ReadRepeated(Message):
    """The reader's debounce dropped a re-read of ``uid`` (laid again within its window of being
    lifted): posted from the reader's thread, so that the custodian is told why no tap came."""

    uid: str


@dataclass
class ReaderStatusChanged(Message):
    """The reader went online or offline (posted from the reader thread); ``fix`` says what to do."""

    status: ReaderStatus
    fix: str = ""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ReaderStatusChanged)


@dataclass
class LedgerAdvanced(Message):
    """New events exist for this meeting (from this desk or another): seq went from ``old`` to
    ``new``. ``old == new`` (:meth:`redraw`): no new event, but what the screens show of the
    meeting changed (its status, read at a poll): every screen reads again as after an event."""

    old: int
    new: int

    @classmethod
    def redraw(cls, seq: int) -> LedgerAdvanced:
        """Read again, nothing new in the ledger (the meeting closed at another desk, or before
        this one had started)."""
        return cls(seq, seq)


@dataclass
class JobDone(Message):
    """A database job finished on a lane's thread: ``value`` or the ``error`` a person can read."""

    job: Job
    value: Any
    error: str | None


@dataclass
class DbWaiting(Message):
    """The write lane has been waiting for the database for a while (or no longer is)."""

    waiting: bool

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DbWaiting)
