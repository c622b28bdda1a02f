"""清点: outstanding items per attendee, live, until 全部收回; then the meeting can be closed."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Checkbox, DataTable, Footer, Header, Label, ProgressBar

from carrier_tracker.enums import MeetingStatus
from carrier_tracker.errors import ConflictError
from carrier_tracker.ledger import as_utc
from carrier_tracker.meetings import close_meeting
from carrier_tracker.messages import STATE_LABEL
from carrier_tracker.models import Meeting
from carrier_tracker.queries import (
    HeldItem,
    attendees,
    changed_since,
    holders_of,
    outstanding_by_attendee,
    recovery_progress,
)

from ..messages import LedgerAdvanced
from ..widgets.banners import ReaderStatusBar
from .confirm_close import ConfirmClose


def _since(at: datetime | None) -> str:
    return as_utc(at).astimezone().strftime("%m-%d %H:%M") if at else ""


class ReconcileScreen(Screen[None]):
    """One row per attendee; updated in place as taps arrive here or at another desk."""

    BINDINGS = [Binding("escape", "app.show('desk')", "返回工作台"), Binding("ctrl+w", "close_meeting", "结束会议", priority=True)]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[int, list[HeldItem]] = {}
        self.names: dict[int, tuple[str, str, str]] = {}
        self.seen_seq = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            yield Label("清点", id="recon-title", classes="screen-title")
            yield ReaderStatusBar(id="reader")
        with Horizontal(id="recon-bar"):
            yield Label("", id="totals")
            yield Checkbox("只看未收回", value=True, id="only-out")
        yield ProgressBar(id="progress", show_eta=False)
        yield Label("", id="all-back")
        yield DataTable(id="recon", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        self.query_one(ReaderStatusBar).show(self.app.reader_status)  # type: ignore[attr-defined]
        table = self.query_one(DataTable)
        table.add_column("编号", key="code")
        table.add_column("姓名", key="name")
        table.add_column("单位", key="unit")
        table.add_column("件数", key="count")
        table.add_column("未收回（文件编号 份号 状态 自何时）", key="items")
        with ctx.read() as s:
            self.names = {a.id: (a.code, a.name, a.unit) for a in attendees(s, ctx.meeting)}  # type: ignore[misc]
            self.items = outstanding_by_attendee(s, ctx.meeting)
            self.seen_seq = self.app.last_seq  # type: ignore[attr-defined]
        self._rebuild()
        self._totals()

    def _row(self, attendee_id: int) -> list[str]:
        code, name, unit = self.names[attendee_id]
        held = self.items.get(attendee_id, [])
        text = "；".join(f"{h.label} {STATE_LABEL[h.state]} {_since(h.since)}" for h in held)  # type: ignore[index]
        return [code, name, unit, str(len(held)), text or "—"]

    def _visible(self, attendee_id: int) -> bool:
        return bool(self.items.get(attendee_id)) or not self.query_one("#only-out", Checkbox).value

    def _rebuild(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for attendee_id in sorted(self.names, key=lambda i: self.names[i][0]):
            if self._visible(attendee_id):
                table.add_row(*self._row(attendee_id), key=str(attendee_id))

    def on_checkbox_changed(self, _event: Checkbox.Changed) -> None:
        self._rebuild()

    def on_ledger_advanced(self, message: LedgerAdvanced) -> None:
        """Refresh only the attendees the new events touched."""
        ctx = self.app.ctx  # type: ignore[attr-defined]
        with ctx.read() as s:
            newest, carriers, named = changed_since(s, ctx.meeting, self.seen_seq)
            affected = (named | holders_of(s, carriers)) & set(self.names)
            affected |= {a for a, held in self.items.items() if a in named}
            fresh = outstanding_by_attendee(s, ctx.meeting, only=affected) if affected else {}
        self.seen_seq = newest
        table = self.query_one(DataTable)
        for attendee_id in affected:
            if fresh.get(attendee_id):
                self.items[attendee_id] = fresh[attendee_id]
            else:
                self.items.pop(attendee_id, None)
            key = str(attendee_id)
            present = key in table.rows
            if self._visible(attendee_id):
                row = self._row(attendee_id)
                if present:
                    for column, value in zip(("code", "name", "unit", "count", "items"), row, strict=True):
                        table.update_cell(key, column, value)
                else:
                    table.add_row(*row, key=key)
            elif present:
                table.remove_row(key)
        self._totals()

    def _totals(self) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        with ctx.read() as s:
            done, total = recovery_progress(s, ctx.meeting)
            meeting = s.get(Meeting, ctx.meeting.id)
            closed = meeting is not None and meeting.status == MeetingStatus.CLOSED
        out = total - done
        self.query_one(ProgressBar).update(total=max(total, 1), progress=done)
        self.query_one("#totals", Label).update(f"已收回 {done} / {total}，未收回 {out}")
        banner = self.query_one("#all-back", Label)
        banner.set_class(out == 0, "all-back")
        if closed:
            banner.update(f"全部收回　会议 {ctx.code} 已结束")
        else:
            banner.update("全部收回 —— 按 Ctrl+W 结束会议" if out == 0 else "")

    def action_close_meeting(self) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]

        def done(confirmed: bool | None) -> None:
            if not confirmed:
                return
            try:
                with ctx.session() as s:
                    close_meeting(session=s, key=ctx.key, meeting_code=ctx.code, operator=ctx.operator, station=ctx.station)
            except ConflictError as e:
                self.notify(str(e), severity="error", timeout=10)
                self.app.bell()
                return
            self.notify(f"会议 {ctx.code} 已结束", timeout=10)
            self._totals()

        self.app.push_screen(ConfirmClose(ctx.code), callback=done)
