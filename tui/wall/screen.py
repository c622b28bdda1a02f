"""The wall's one screen: big counts, a banner when the meeting can close (or is over), and who
still holds what — drawn from a :class:`~tui.wall.board.Board`, never read here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Label

from carrier_tracker import messages
from carrier_tracker.messages import MEETING_STATUS_LABEL

from ..texts import t
from .board import Board, Headline
from .widgets import Banner, Count, RowsBoard

TALL = 45
"""From this many rows on, the counts are drawn three times as large."""


class WallScreen(Screen[None]):
    """Shows the newest board; says so plainly when the database cannot be read."""

    def __init__(self, *, now: Callable[[], datetime]) -> None:
        super().__init__()
        self.now = now
        self.board: Board | None = None
        self.read_at: datetime | None = None
        """When the board was last confirmed current (the newest successful poll)."""

    def compose(self) -> ComposeResult:
        yield Label(t("wall_loading"), id="wall-title", markup=False)
        with Horizontal(id="counts"):
            yield Count(t("wall_outstanding"), id="outstanding")
            yield Count(t("wall_recovered"), id="recovered")
            yield Count(t("wall_collected"), id="collected")
        yield Label("", id="summary", markup=False)
        yield Banner(id="banner")
        yield RowsBoard(now=self.now, id="rows")
        yield Label(t("wall_loading"), id="wall-status", markup=False)

    def on_mount(self) -> None:
        self.query_one(Banner).display = False

    def on_resize(self, event: events.Resize) -> None:
        """A tall wall (200×50) has room for the counts three times as large."""
        self.query_one("#counts").set_class(event.size.height >= TALL, "tall")

    def show(self, board: Board) -> None:
        """Draw a board read just now."""
        self.board = board
        recon = board.recon
        self.query_one("#wall-title", Label).update(
            t(
                "wall_title",
                code=board.code,
                title=board.title,
                marking=board.marking,
                status=MEETING_STATUS_LABEL[board.status],
            )
        )
        out = self.query_one("#outstanding", Count)
        caption = []
        if recon.lost:
            caption.append(t("wall_lost_caption", n=recon.lost))
        if recon.in_transit:
            caption.append(t("wall_in_transit_caption", n=recon.in_transit))
        parts = t("wall_caption_sep").join(caption)
        out.show(
            recon.outstanding,
            t("wall_out_caption", parts=parts) if parts else "",
            tone="alert" if recon.outstanding else "calm",
        )
        self.query_one("#recovered", Count).show(
            recon.recovered, t("wall_recovered_caption", left=recon.left_custody), tone="calm"
        )
        self.query_one("#collected", Count).show(
            recon.collected, t("wall_collected_caption") if recon.collected else ""
        )
        self.query_one("#summary", Label).update(recon.summary())
        self._banner(board)
        rows = self.query_one(RowsBoard)
        rows.show(board.holders, board.documents)
        rows.display = bool(board.holders) or board.documents is not None
        self.query_one(Banner).set_class(not rows.display, "tall")
        self.ticked()

    def _banner(self, board: Board) -> None:
        banner = self.query_one(Banner)
        recon = board.recon
        closed_at = messages.local_time(board.closed_at)
        shown = {
            Headline.ALL_BACK: (
                t("wall_all_back"),
                t("wall_all_back_note", never_issued=recon.never_issued),
                "all-back",
            ),
            Headline.CLOSED: (t("wall_closed"), t("wall_closed_note", at=closed_at), "closed"),
            Headline.CLOSED_LOST: (
                t("wall_closed"),
                t("wall_closed_lost_note", at=closed_at, lost=recon.lost),
                "closed-lost",
            ),
            Headline.NOT_OPEN: (
                t("wall_not_open"),
                t("wall_not_open_note", status=MEETING_STATUS_LABEL[board.status]),
                "not-open",
            ),
        }.get(board.headline)
        banner.display = shown is not None
        if shown is not None:
            banner.show(*shown)

    def ticked(self, read_at: datetime | None = None) -> None:
        """A poll found the board current (the ledger's head did not move): say when."""
        if read_at is not None:
            self.read_at = read_at
        if self.board is None:
            return
        at = (self.read_at or self.now()).astimezone().strftime("%H:%M:%S")
        status = self.query_one("#wall-status", Label)
        status.update(t("wall_status", seq=self.board.seq, at=at))
        status.remove_class("error")
        self.query_one(RowsBoard).refresh()  # 已持有 grows with the clock

    def failed(self, reason: str) -> None:
        """A poll could not read the database: keep the last board, and say how old it is."""
        at = self.read_at.astimezone().strftime("%H:%M:%S") if self.read_at else "-"
        status = self.query_one("#wall-status", Label)
        status.update(t("wall_db_error", reason=reason, at=at))
        status.add_class("error")
