"""Database work off the event loop: one thread worker runs writes in order, another runs reads.

A screen submits a :class:`Job` (``run`` takes a session — a bare connection for a tap — and
returns a value); the lane's thread
runs it in its own transaction and posts :class:`~tui.messages.JobDone` back to the app, which
calls ``done`` (or ``failed``) on the event loop. So a database held by another process (SQLite's
write lock, a PostgreSQL row lock) stalls only the lane, never the drawing or the keys; taps wait
their turn in the write lane and are recorded in the order they arrived.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session
from textual.message_pump import MessagePump

from carrier_tracker.errors import CarrierTrackerError
from carrier_tracker.storage.tap_store import Bind

from .messages import JobDone
from .texts import t

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Job:
    """One unit of database work and where its result goes.

    ``run`` is called on the lane's thread with an open session and must not touch widgets;
    ``done``/``failed`` are called on the event loop, and only while ``owner`` is still attached.
    """

    run: Callable[[Any], Any]
    """Called with a session, or with a bare connection for a ``bare`` job."""
    done: Callable[[Any], None]
    owner: MessagePump
    failed: Callable[[str], None] | None = None
    key: str | None = None  # a queued job with the same key is replaced (newest wins)
    bare: bool = False
    """A tap: ``run`` gets the connection of a tap scope (no ORM session: the hot path)."""


@dataclass
class Lane:
    """A queue of jobs run one at a time on one thread (see :meth:`loop`)."""

    name: str
    scope: Callable[[], AbstractContextManager[Session]]
    post: Callable[[JobDone], object]
    bare_scope: Callable[[], AbstractContextManager[Bind]] | None = None
    """The scope of ``bare`` jobs (the write lane's taps); others get ``scope``."""
    _queue: deque[Job] = field(default_factory=deque)
    _ready: threading.Condition = field(default_factory=threading.Condition)
    busy_since: float | None = None  # time.monotonic() when the running job started
    _running_key: str | None = None

    def submit(self, job: Job) -> None:
        """Queue a job (replacing a queued one with the same key)."""
        with self._ready:
            if job.key is not None:
                for i, queued in enumerate(self._queue):
                    if queued.key == job.key:
                        self._queue[i] = job
                        return
            self._queue.append(job)
            self._ready.notify()

    def queued(self, key: str) -> bool:
        """True when a job with this key waits or runs."""
        with self._ready:
            return any(job.key == key for job in self._queue) or self._running_key == key

    @property
    def pending(self) -> int:
        """Jobs waiting or running."""
        with self._ready:
            return len(self._queue) + (self.busy_since is not None)

    def waited(self) -> float:
        """Seconds the running job has been running (0 when idle)."""
        started = self.busy_since
        return 0.0 if started is None else time.monotonic() - started

    def _next(self, stop: threading.Event) -> Iterator[Job]:
        while not stop.is_set():
            with self._ready:
                if not self._queue:
                    self._ready.wait(0.1)
                    continue
                job = self._queue.popleft()
                self._running_key = job.key
                self.busy_since = time.monotonic()
            yield job

    def loop(self, stop: threading.Event) -> None:
        """Run jobs until ``stop`` is set (the body of a thread worker)."""
        for job in self._next(stop):
            value: Any = None
            error: str | None = None
            try:
                scope = self.bare_scope if job.bare and self.bare_scope else self.scope
                with scope() as session:
                    value = job.run(session)
            except CarrierTrackerError as e:
                error = str(e)
            except Exception as e:  # a lane must outlive any one job; the desk shows what broke
                log.exception("database job failed in lane %s", self.name)
                error = t("db_error", reason=e)
            finally:
                with self._ready:
                    self.busy_since = None
                    self._running_key = None
            self.post(JobDone(job, value, error))
