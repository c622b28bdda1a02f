"""清点: what is outstanding, for whom, since when — live, until 全部收回; then the meeting closes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session
from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Checkbox, Footer, Header, Label, ProgressBar

from carrier_tracker import messages
from carrier_tracker.custody.service import is_officer
from carrier_tracker.errors import CarrierTrackerError
from carrier_tracker.meeting.lifecycle import close_meeting
from carrier_tracker.messages import STATE_LABEL, local_time
from carrier_tracker.readers import TagTap
from carrier_tracker.storage.models import LedgerHead, Meeting
from carrier_tracker.storage.readmodel import (
    Group,
    Reconciliation,
    found_after_close,
    released_tags,
)

from ..app import CarrierTrackerApp
from ..messages import DbWaiting, LedgerAdvanced, TapDone
from ..reconciliation import Refresh, changes, merge, whole
from ..taking import TakesTaps, exception_binding
from ..texts import t
from ..widgets.banners import ModeBanner, OutcomePanel
from ..widgets.reader_status import ReaderHelp, ReaderStatusBar
from ..widgets.row_table import RowTable
from ..widgets.tap_entry import TapEntry
from .confirm_close import CloseChoice, ConfirmClose

COLUMNS = ("item", "state", "since", "pledge")
Row = tuple[str, str, str, str]


@dataclass(frozen=True)
class CloseRecord:
    """What a close leaves to write down: the ledger's head (the anchor the 保密办 checks the
    register against later) and the tags released for another meeting."""

    seq: int
    digest: str
    passes: int
    copies: int

    def line(self) -> str:
        """``台账锚点 17:…（…）  已释放标签：会议证 40 枚，文件 0 枚…``."""
        anchor = messages.text("tui_anchor_line", seq=self.seq, digest=self.digest)
        if not (self.passes or self.copies):
            return anchor
        released = messages.text("close_released", passes=self.passes, copies=self.copies)
        return f"{anchor}\n{released}"


def close_record(session: Session, meeting: Meeting) -> CloseRecord:
    """The anchor and the released tags of a (closed) meeting, read now."""
    head = session.get(LedgerHead, meeting.id)
    released = released_tags(session, meeting)
    return CloseRecord(
        head.seq if head else 0, head.hash if head else "", released["pass"], released["copy"]
    )


def table_rows(recon: Reconciliation, only_out: bool) -> dict[str, Row]:
    """Row key → cells, in order: a row naming each holder (attendee, consignment, nobody), then one
    row per item they have out; with ``only_out`` off, attendees with nothing out are listed too."""
    groups: list[Group] = list(recon.groups)
    if not only_out:
        groups = list(recon.everyone) + [g for g in recon.groups if not g.key.startswith("a:")]
    rows: dict[str, Row] = {}
    for g in groups:
        rows[g.key] = (
            g.title,
            t("recon_count", count=len(g.items)) if g.items else t("recon_nothing"),
            "",
            _pledge(g),
        )
        for i, it in enumerate(g.items):
            rows[f"{g.key}/{i:05d}"] = (
                f"  {it.label}",
                STATE_LABEL[it.state],
                local_time(it.since),
                "",
            )
    return rows


def _pledge(group: Group) -> str:
    """The 承诺书 cell of a holder's row: the day signed, 未签, or nothing (not an attendee)."""
    if group.attendee_code is None:
        return ""
    if group.pledge_on is None:
        return t("recon_pledge_missing")
    return group.pledge_on.isoformat()


class ReconcileScreen(TakesTaps, Screen[None]):
    """One row per outstanding item, grouped by holder; updated in place as taps arrive anywhere."""

    app = getters.app(CarrierTrackerApp)
    NAME = "reconcile"
    RECORDS = True
    AUTO_FOCUS = "#tap-input"
    BINDINGS = [
        Binding("escape", "app.show('desk')", t("key_back")),
        Binding("ctrl+w", "close_meeting", t("key_close"), priority=True),
        Binding("ctrl+f", "plan_view", messages.text("key_plan"), priority=True),
        exception_binding(),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.recon: Reconciliation | None = None
        self.shown: dict[str, Row] = {}  # what the table holds now
        self.seen = 0  # the ledger seq the reconciliation is as of

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            yield ModeBanner(id="mode")
            yield ReaderStatusBar(id="reader")
        yield ReaderHelp(id="reader-help")
        yield Label(t("recon_mode"), id="recon-mode", markup=False)
        with Horizontal(id="recon-bar"):
            yield Label("", id="totals", markup=False)
            yield Checkbox(t("recon_only_out"), value=True, id="only-out")
        with Horizontal(id="progress-row"):
            yield Label("", id="progress-label", markup=False)
            yield ProgressBar(id="progress", show_eta=False)
        yield Label("", id="all-back", markup=False)
        yield Label("", id="close-record", markup=False)
        yield Label("", id="found-later", markup=False)
        yield OutcomePanel("", id="recon-outcome")
        with Horizontal(id="body"):
            yield RowTable(id="recon", zebra_stripes=True)
            yield TapEntry(self.app.tray_items, id="tap")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#found-later").display = False
        self.query_one("#close-record").display = False
        self.app.show_reader(self)
        self._show_mode()
        table = self.query_one(RowTable)
        for key in COLUMNS:
            table.add_column(t(f"recon_col_{key}"), key=key)
        self._load()

    # -- data --------------------------------------------------------------------------------

    def _load(self) -> None:
        """Read the whole reconciliation (on mount), or only what changed since the last read."""
        meeting = self.app.ctx.chosen_meeting
        recon, seen = self.recon, self.seen
        shown_in = (
            {} if recon is None else {it.carrier_id: g.key for g in recon.groups for it in g.items}
        )

        def run(s: Session) -> Refresh:
            return whole(s, meeting) if recon is None else changes(s, meeting, seen, shown_in)

        self.app.service.read(self, run, self._apply, key="reconcile")

    def _apply(self, fresh: Refresh) -> None:
        if fresh.codes is not None and (self.recon is None or fresh.seq < self.seen):
            return  # a partial read only makes sense on top of what it was read against
        self.seen = max(self.seen, fresh.seq)
        self._show(fresh.recon if self.recon is None else merge(self.recon, fresh))

    def _show_mode(self) -> None:
        """The desk's mode, in which taps here are recorded (after a close: 会议已结束 first)."""
        banner, mode = self.query_one(ModeBanner), self.app.service.desk.mode
        if self.app.meeting_closed:
            self.app.service.meeting_closed()
            banner.closed(self.app.service.desk.mode)
        else:
            banner.show(mode)

    def _show(self, recon: Reconciliation) -> None:
        self.recon = recon
        self._show_mode()
        self.refresh_bindings()
        self._fill()
        left = recon.left_custody
        self.query_one(ProgressBar).update(total=max(left, 1), progress=left - recon.outstanding)
        self.query_one("#progress-label", Label).update(
            t("recon_progress", back=left - recon.outstanding, total=left)
        )
        self.query_one("#totals", Label).update(recon.summary())
        banner = self.query_one("#all-back", Label)
        banner.set_class(recon.all_back, "all-back")
        banner.display = recon.closed or recon.all_back
        banner.update(
            t("recon_all_back", verdict=recon.verdict())
            if not recon.closed
            else t("recon_closed", code=recon.code)
            if not recon.lost
            else messages.text("tui_recon_closed_lost", code=recon.code, lost=recon.lost)
        )
        if recon.closed:
            self._show_found_later()
            self._show_close_record()

    def _show_close_record(self) -> None:
        """After the close, as the CLI prints it: the tags released, the ledger's anchor."""
        meeting = self.app.ctx.chosen_meeting

        def got(record: CloseRecord) -> None:
            label = self.query_one("#close-record", Label)
            label.display = True
            label.update(record.line())

        self.app.service.read(self, lambda s: close_record(s, meeting), got, key="close-record")

    def _show_found_later(self) -> None:
        """After the close: what was lost then and has been found since (the ledger says so)."""
        meeting = self.app.ctx.chosen_meeting

        def run(s: Session) -> list[str]:
            return [f.label for f in found_after_close(s, meeting)]

        def got(labels: list[str]) -> None:
            found = self.query_one("#found-later", Label)
            found.display = bool(labels)
            found.update(
                messages.text(
                    "tui_recon_found_later", count=len(labels), items="、".join(labels[:6])
                )
            )

        self.app.service.read(self, run, got, key="found-later")

    def _fill(self) -> None:
        """Show the rows as they are now, in the read model's order (holders by code,
        consignments, nobody; each holder's items under it). The table draws only the lines in
        view, so a meeting of tens of thousands of rows is cheap to refresh; the cursor stays on
        its row."""
        if self.recon is None:
            return
        rows = table_rows(self.recon, self.query_one("#only-out", Checkbox).value)
        self.query_one(RowTable).set_rows(rows)
        self.shown = rows

    def on_checkbox_changed(self, _event: Checkbox.Changed) -> None:
        self._fill()

    def on_ledger_advanced(self, _message: LedgerAdvanced) -> None:
        self._load()

    # -- taps (recorded by the desk, in its mode) --------------------------------------------

    def take_tap(self, tap: TagTap) -> None:
        """Recorded in the desk's mode, as if tapped at the desk."""
        service = self.app.service
        service.tap(service.desk_request(tap, screen=self.NAME))

    def on_tap_done(self, message: TapDone) -> None:
        """The result of a tap made here (the desk logs it too)."""
        result = message.result
        if result.request.screen != self.NAME:
            return
        panel = self.query_one(OutcomePanel)
        panel.display = True
        panel.result(result, self.NAME)
        self.refresh_bindings()

    def action_approve_exception(self) -> None:
        """Ctrl+Y, as at the desk: the last refused tap again as an officer's exception."""
        self.app.service.retry_exception(self.NAME)
        self.refresh_bindings()

    def on_db_waiting(self, message: DbWaiting) -> None:
        pending = self.app.service.pending
        if message.waiting and pending:
            panel = self.query_one(OutcomePanel)
            panel.display = True
            panel.waiting(t("db_waiting_taps", n=pending))

    def action_plan_view(self) -> None:
        """分发情况: the by-document view (``status --by-document``)."""
        from .plan import PlanScreen

        self.app.push_screen(PlanScreen())

    # -- closing -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close_meeting":
            return self.recon is not None and not self.recon.closed
        if action == "approve_exception":
            return self.app.service.offers_exception(self.NAME)
        return True

    def action_close_meeting(self) -> None:
        """Ask with the counts read now, by the same function as the table."""
        ctx = self.app.ctx
        meeting = ctx.chosen_meeting

        def run(s: Session) -> tuple[Refresh, bool]:
            return whole(s, meeting), is_officer(s, ctx.operator)

        def ask(read: tuple[Refresh, bool]) -> None:
            fresh, officer = read
            self.seen = max(self.seen, fresh.seq)
            self._show(fresh.recon)
            self.app.push_screen(ConfirmClose(fresh.recon, officer=officer), callback=self._close)

        self.app.service.read(self, run, ask)

    def _close(self, choice: CloseChoice | None) -> None:
        if choice is None:
            return
        if choice.approver:
            self._approve_and_close(choice)
        else:
            self._write_close(choice, "")

    @work(thread=True, exclusive=True, exit_on_error=False, group="approve")
    def _approve_and_close(self, choice: CloseChoice) -> None:
        """Check the approving officer's PIN (argon2 takes a while: never on the event loop, and
        never inside the write lane's transaction: a failure is recorded in its own)."""
        from carrier_tracker.access.operators import AuthError, authenticate

        ctx = self.app.ctx
        try:
            who = authenticate(
                engine=ctx.engine,
                key=ctx.key,
                name=choice.approver,
                pin=choice.pin,
                station=ctx.station,
            )
            if not who.is_officer:
                role = messages.ROLE_LABEL[who.role.value]
                raise AuthError(messages.text("approver_not_officer", name=who.name, role=role))
        except CarrierTrackerError as e:
            self.app.call_from_thread(self._close_failed, str(e))
            return
        self.app.call_from_thread(self._write_close, choice, who.name)

    def _write_close(self, choice: CloseChoice, approver: str) -> None:
        """Close on the write lane, as the operator signed in now, with the approving officer."""
        ctx = self.app.ctx
        operator = ctx.operator

        def run(s: Session) -> CloseRecord:
            closed = close_meeting(
                session=s,
                key=ctx.key,
                meeting_code=ctx.code,
                operator=operator,
                station=ctx.station,
                with_exceptions=choice.with_exceptions,
                note=choice.note,
                approver=approver,
                release_copy_tags=choice.release_tags,
                never_opened=choice.never_opened,
            )
            s.flush()
            return close_record(s, closed)

        def done(record: CloseRecord) -> None:
            self.notify(t("close_done", code=ctx.code) + "\n" + record.line(), timeout=15)
            self.app.poll_ledger()
            self._load()

        self.app.service.write(self, run, done, self._close_failed)

    def _close_failed(self, error: str) -> None:
        self.notify(error, severity="error", timeout=10)
        self.app.bell()
        self._load()
