"""The reader interface: a frozen ``TagTap``, a blocking ``taps(stop)`` iterator, debounce."""

from __future__ import annotations

import queue
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import TracebackType

from . import messages

DEFAULT_DEBOUNCE = 1.5
POLL = 0.1  # how often blocking loops look at the stop event


class ReaderError(Exception):
    """A reader could not be opened: unknown scheme, missing library, bad spec (message says the fix)."""


class Originality(StrEnum):
    """Result of checking an NTAG21x originality signature."""

    UNKNOWN = "unknown"  # not checked (backend or tag type cannot)
    ABSENT = "absent"  # the tag returned no signature (all zeros, or the read failed)
    GENUINE = "genuine"  # signature verifies against a trusted key
    FAILED = "failed"  # signature present but does not verify: possibly a clone


@dataclass(frozen=True)
class TagTap:
    """One presentation of a tag to a reader."""

    uid: str  # upper-case hex, no separators
    reader_id: str
    monotonic: float  # time.monotonic() when the tag was seen
    at: datetime  # wall clock, UTC
    tag_type: str = ""  # e.g. "Type2Tag"
    product: str = ""  # e.g. "NXP NTAG215"
    originality: Originality = Originality.UNKNOWN


@dataclass(frozen=True)
class ReaderStatus:
    """Whether the reader is usable now, and why not."""

    online: bool
    name: str
    detail: str = ""


@dataclass(frozen=True)
class Seen:
    """A backend saw a tag arrive (once per presentation)."""

    uid: str
    monotonic: float = field(default_factory=time.monotonic)
    tag_type: str = ""
    product: str = ""
    originality: Originality = Originality.UNKNOWN


@dataclass(frozen=True)
class Gone:
    """The tag left the reader."""

    uid: str
    monotonic: float = field(default_factory=time.monotonic)


def uid_hex(data: bytes | bytearray) -> str:
    """UID bytes as upper-case hex."""
    return bytes(data).hex().upper()


class Debouncer:
    """Drops re-reads: a tag still on the reader, or back within ``window`` seconds of leaving.

    A different UID is never dropped.
    """

    def __init__(self, window: float = DEFAULT_DEBOUNCE) -> None:
        self.window = window
        self._uid: str | None = None
        self._gone_at: float | None = None  # None while the last tag is still present

    def seen(self, uid: str, now: float) -> bool:
        """True if this arrival is a new tap."""
        repeat = uid == self._uid and (self._gone_at is None or now - self._gone_at < self.window)
        self._uid, self._gone_at = uid, None
        return not repeat

    def gone(self, uid: str, now: float) -> None:
        """The tag left."""
        if uid == self._uid:
            self._gone_at = now

    def since_gone(self, now: float) -> float | None:
        """Seconds since the last tag left; None while it is still there (or before any came)."""
        return None if self._gone_at is None else now - self._gone_at


class Reader(ABC):
    """Base of every backend: ``taps(stop)`` yields one ``TagTap`` per presentation.

    Backends implement :meth:`_events`, a blocking generator of :class:`Seen`/:class:`Gone`
    that returns when ``stop`` is set. Status changes go to ``on_status``, and the UID of each
    re-read the debounce drops to ``on_repeat`` (both called from the reader's thread: they must
    only hand it on, e.g. post a message). The debounce alone knows when a tag left the reader:
    ``on_repeat`` is how a front end learns that a tag laid again gave no tap, and why.
    """

    scheme = ""

    def __init__(
        self,
        spec: str,
        *,
        debounce: float = DEFAULT_DEBOUNCE,
        on_status: Callable[[ReaderStatus], None] | None = None,
        on_repeat: Callable[[str], None] | None = None,
    ) -> None:
        self.spec = spec
        self.reader_id = spec
        self.debounce = Debouncer(debounce)
        self._on_status = on_status
        self._on_repeat = on_repeat
        self.status = ReaderStatus(False, spec, messages.text("not_started"))
        self._closed = False
        self._close_lock = threading.Lock()

    def set_status(self, online: bool, name: str, detail: str = "") -> None:
        """Record and report a status change (only when it changes)."""
        new = ReaderStatus(online, name, detail)
        if new != self.status:
            self.status = new
            if self._on_status is not None:
                self._on_status(new)

    @abstractmethod
    def _events(self, stop: threading.Event) -> Iterator[Seen | Gone]:
        """Blocking generator of arrivals and departures until ``stop`` is set."""

    def taps(self, stop: threading.Event) -> Iterator[TagTap]:
        """Yield one ``TagTap`` per presentation until ``stop`` is set or the reader is closed."""
        for ev in self._events(stop):
            if self._closed:
                return
            if isinstance(ev, Gone):
                self.debounce.gone(ev.uid, ev.monotonic)
            elif self.debounce.seen(ev.uid, ev.monotonic):
                yield TagTap(
                    uid=ev.uid,
                    reader_id=self.reader_id,
                    monotonic=ev.monotonic,
                    at=datetime.now(UTC),
                    tag_type=ev.tag_type,
                    product=ev.product,
                    originality=ev.originality,
                )
            elif self._on_repeat is not None:
                self._on_repeat(ev.uid)

    def close(self) -> None:
        """Release the device; safe to call twice."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        self._close()

    def _close(self) -> None:  # noqa: B027  (optional hook, not abstract)
        """Backend-specific release (default: nothing)."""

    def __enter__(self) -> Reader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def drain(q: queue.Queue[Seen | Gone], stop: threading.Event) -> Iterator[Seen | Gone]:
    """Yield what callbacks put on ``q`` until ``stop`` is set."""
    while not stop.is_set():
        try:
            yield q.get(timeout=POLL)
        except queue.Empty:
            continue


class Backoff:
    """Reconnect delays: 0.5 s doubling to a ceiling, reset on success."""

    def __init__(self, first: float = 0.5, ceiling: float = 5.0) -> None:
        self.first, self.ceiling, self.delay = first, ceiling, first

    def wait(self, stop: threading.Event) -> None:
        stop.wait(self.delay)
        self.delay = min(self.delay * 2, self.ceiling)

    def reset(self) -> None:
        self.delay = self.first
