"""What every screen needs: the database, the ledger key, the meeting, who and where."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from carrier_tracker import db
from carrier_tracker.models import Meeting


@dataclass
class DeskContext:
    """Shared state of one desk."""

    engine: Engine
    key: bytes
    station: str
    operator: str
    meeting: Meeting | None = None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction (one tap, one refresh)."""
        with db.session_scope(self.engine) as s:
            yield s

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only snapshot that never holds up another desk's taps (polls, screens)."""
        with db.read_scope(self.engine) as s:
            yield s

    @property
    def code(self) -> str:
        assert self.meeting is not None
        return self.meeting.code
