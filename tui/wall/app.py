"""The wall display's App: a read-only engine, one thread that polls the ledger's head, one screen.

``make_wall_app`` builds it (the CLI's ``wall`` command and the tests). There is no login, no
reader and no ledger key: the wall only reads, on a read-only engine (SQLite ``mode=ro``,
PostgreSQL ``default_transaction_read_only``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from textual import work
from textual.app import App
from textual.binding import Binding
from textual.message import Message

from carrier_tracker.config import load_settings
from carrier_tracker.custody.service import find_meeting
from carrier_tracker.errors import CarrierTrackerError
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Meeting
from carrier_tracker.storage.queries import newest_seq

from ..texts import t
from .board import Board, read_board
from .screen import WallScreen

POLL_SECONDS = 1.0
"""How often the wall asks for the ledger's head: a tap anywhere shows within about a second."""


@dataclass
class Polled(Message):
    """One poll's result (posted from the poll thread): a new board when the head moved, None
    when it did not, or the reason the database could not be read."""

    board: Board | None
    at: datetime
    error: str = ""

    def can_replace(self, message: Message) -> bool:
        """Textual asks this (older) message whether ``message``, queued after it, may be
        handled instead: only a "nothing new" gives way; a board or an error never does."""
        return isinstance(message, Polled) and self.board is None and not self.error


class WallApp(App[None]):
    """The wall: read-only, full screen, no login; quits with Ctrl+Q (or Ctrl+C)."""

    CSS_PATH = Path(__file__).resolve().parent.parent / "wall.tcss"  # packaged with tui/*.tcss
    TITLE = t("wall_app_title")
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+q", "quit", t("key_quit"), priority=True),
        Binding("ctrl+c", "quit", t("key_quit"), show=False, priority=True),
    ]

    def __init__(
        self,
        engine: Engine,
        meeting: Meeting,
        *,
        by_document: bool = False,
        interval: float = POLL_SECONDS,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """Args:
        engine: a read-only engine on the database.
        meeting: the meeting shown.
        by_document: rows per document instead of per holder.
        interval: seconds between polls of the ledger's head.
        now: the clock of 已持有 and 更新于 (tests fix it).
        """
        super().__init__()
        self.engine = engine
        self.meeting = meeting
        self.by_document = by_document
        self.interval = interval
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self.seen: int | None = None
        """The ledger seq of the board on screen (None before the first read)."""
        self.reads = 0
        """How many boards were read (a read happens only when the head moved)."""
        self.polls = 0
        """How many polls came back (each asks for the ledger's head)."""
        self._stop = threading.Event()
        self.wall = WallScreen(now=self.now)

    def on_mount(self) -> None:
        self.push_screen(self.wall)
        self.follow()

    def on_unmount(self) -> None:
        self._stop.set()

    @work(thread=True, exclusive=True, exit_on_error=False, group="poll")
    def follow(self) -> None:
        """Poll the meeting's ledger head; read the whole board only when it moved.

        The head and the board are read in one snapshot, so the board is exactly as of its seq.
        """
        seen: int | None = None
        while not self._stop.is_set():
            try:
                with db.read_scope(self.engine) as s:
                    board = None
                    if seen is None or newest_seq(s, self.meeting) != seen:
                        board = read_board(s, self.meeting, by_document=self.by_document)
                        seen = board.seq
                self.post_message(Polled(board, self.now()))
            except CarrierTrackerError as e:
                self.post_message(Polled(None, self.now(), str(e)))
            except Exception as e:  # a wall outlives a database restart: say why, try again
                orig = getattr(e, "orig", None) or e  # the driver's words, never the SQL
                reason = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
                self.post_message(Polled(None, self.now(), reason))
            self._stop.wait(self.interval)

    def on_polled(self, message: Polled) -> None:
        self.polls += 1
        if message.error:
            self.wall.failed(message.error)
        elif message.board is not None:
            self.seen = message.board.seq
            self.reads += 1
            self.wall.show(message.board)
            self.wall.ticked(message.at)
        else:
            self.wall.ticked(message.at)


def make_wall_app(
    db_url: str | None,
    meeting: str,
    *,
    by_document: bool = False,
    interval: float = POLL_SECONDS,
    now: Callable[[], datetime] | None = None,
) -> WallApp:
    """Build the wall on a database, read-only (used by the CLI and the tests).

    Args:
        db_url: the database (default: settings, ``$CARRIER_TRACKER_DB``).
        meeting: the meeting's code (any letter case).
        by_document: rows per document.
        interval: seconds between polls.
        now: the clock (tests).

    Raises:
        CarrierTrackerError: the database is missing, unreachable or has no schema, or the
            meeting does not exist.
    """
    settings = load_settings(db_url)
    engine = db.make_engine(settings.database_url, read_only=True, create=False)
    try:
        db.require_schema(engine)
        with db.read_scope(engine) as s:
            found = find_meeting(s, meeting)
    except BaseException:
        engine.dispose()
        raise
    return WallApp(engine, found, by_document=by_document, interval=interval, now=now)
