"""What every screen needs: the database, the ledger key, the meeting, who and where."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from carrier_tracker.enums import Role
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Meeting
from carrier_tracker.storage.tap_store import Bind


@dataclass
class DeskContext:
    """Shared state of one desk."""

    engine: Engine
    key: bytes
    station: str
    operator: str
    meeting: Meeting | None = None
    role: Role | None = None
    """The signed-in operator's role; None until someone signs in (then ``operator`` is theirs)."""
    export_dir: Path | None = None
    """Where the export dialog proposes to write and the desk keeps its log (the user data
    directory; the demo's temporary directory in the demo)."""

    @property
    def is_auditor(self) -> bool:
        """True when the operator may only look (no taps, no changes)."""
        return self.role is Role.AUDITOR

    @property
    def is_officer(self) -> bool:
        """True when the operator approves their own steps (no second person needed)."""
        return self.role is Role.OFFICER

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction (one tap, one refresh)."""
        with db.session_scope(self.engine) as s:
            yield s

    @contextmanager
    def tap(self) -> Iterator[Bind]:
        """One tap's transaction on a bare connection (no ORM session: the hot path)."""
        with db.tap_scope(self.engine) as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only snapshot that never holds up another desk's taps (polls, screens)."""
        with db.read_scope(self.engine) as s:
            yield s

    @property
    def chosen_meeting(self) -> Meeting:
        """The meeting of the desk (screens open only once one is chosen)."""
        assert self.meeting is not None
        return self.meeting

    @property
    def code(self) -> str:
        """The chosen meeting's code."""
        return self.chosen_meeting.code
