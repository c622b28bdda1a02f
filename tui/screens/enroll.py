"""绑定标签: tap blank tags one after another to bind copies 001…N in order, or passes per attendee."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, ProgressBar, Select

from carrier_tracker.enums import Verdict
from carrier_tracker.errors import CarrierTrackerError
from carrier_tracker.meeting.enrollment import Binding as Bound
from carrier_tracker.meeting.enrollment import bind_copy, bind_pass
from carrier_tracker.readers import TagTap
from carrier_tracker.storage.models import Document
from carrier_tracker.storage.queries import (
    attendees,
    bound_count,
    documents,
    next_unbound_copy,
    unbound_passes,
)

from ..app import CarrierTrackerApp
from ..messages import DbWaiting
from ..taking import TakesTaps
from ..texts import t
from ..widgets.banners import OutcomePanel
from ..widgets.reader_status import ReaderHelp, ReaderStatusBar
from ..widgets.tap_entry import TapEntry

PASSES = "__passes__"


@dataclass(frozen=True)
class Progress:
    """How far binding has got for the chosen target."""

    done: int
    total: int
    next_label: str


class EnrollScreen(TakesTaps, Screen[None]):
    """Each tap binds the next unbound copy of the chosen document (or the next pass)."""

    app = getters.app(CarrierTrackerApp)
    RECORDS = True

    NAME = "enroll"
    AUTO_FOCUS = "#target"
    BINDINGS = [Binding("escape", "app.show('desk')", t("key_back"))]

    def __init__(self) -> None:
        super().__init__()
        self.docs: dict[str, Document] = {}
        self.pending = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            yield Label(t("enroll_title"), classes="screen-title", markup=False)
            yield ReaderStatusBar(id="reader")
        yield ReaderHelp(id="reader-help")
        with Horizontal(id="enroll-bar"):
            yield Select[str]([], prompt=t("enroll_select"), id="target", allow_blank=True)
            yield Label("", id="next", markup=False)
        yield ProgressBar(id="enroll-progress", show_eta=False)
        yield OutcomePanel(t("enroll_prompt"), id="outcome")
        with Horizontal(id="body"):
            yield DataTable(id="bound", cursor_type="row", zebra_stripes=True)
            yield TapEntry(self.app.tray_items, id="tap")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.app.show_reader(self)
        self.query_one(ProgressBar).display = False
        table = self.query_one(DataTable)
        table.add_column(t("enroll_col_item"), key="item")
        table.add_column(t("enroll_col_uid"), key="uid")
        pending = self.app.service.last_unknown
        if pending:
            self.query_one(OutcomePanel).hint(t("enroll_pending", uid=pending))
        meeting = self.app.ctx.chosen_meeting

        def load(s: Session) -> list[Document]:
            return documents(s, meeting)

        self.app.service.read(self, load, self._docs_loaded)

    def _docs_loaded(self, docs: list[Document]) -> None:
        self.docs = {d.number: d for d in docs}
        options = [
            (t("enroll_doc_option", number=d.number, title=d.title, copies=d.copies), d.number)
            for d in docs
        ]
        options.append((t("enroll_passes"), PASSES))
        self.query_one("#target", Select).set_options(options)

    def _target(self) -> str | None:
        value = self.query_one("#target", Select).value
        return value if isinstance(value, str) else None

    def on_select_changed(self, _event: Select.Changed) -> None:
        self._progress()

    def _progress(self) -> None:
        target = self._target()
        self.query_one(ProgressBar).display = target is not None  # no target: no (animated) bar
        if target is None:
            self.query_one("#next", Label).update("")
            return
        meeting = self.app.ctx.chosen_meeting
        doc = self.docs.get(target)

        def run(s: Session) -> Progress:
            if doc is None:
                left = unbound_passes(s, meeting)
                total = len(attendees(s, meeting))
                nxt = (
                    t("enroll_next_pass", code=left[0].code, name=left[0].name)
                    if left
                    else t("enroll_passes_done")
                )
                return Progress(total - len(left), total, nxt)
            copy = next_unbound_copy(s, doc)
            nxt = (
                t("enroll_next_copy", number=doc.number, copy=copy)
                if copy
                else t("enroll_doc_done", number=doc.number)
            )
            return Progress(bound_count(s, doc), doc.copies, nxt)

        def show(p: Progress) -> None:
            if self._target() != target:
                return
            self.query_one(ProgressBar).update(total=max(p.total, 1), progress=p.done)
            self.query_one("#next", Label).update(p.next_label)

        self.app.service.read(self, run, show, key="enroll-progress")

    def take_tap(self, tap: TagTap) -> None:
        """Bind the tapped tag to the next unbound copy/pass of the chosen target."""
        ctx = self.app.ctx
        target = self._target()
        panel = self.query_one(OutcomePanel)
        if target is None:
            panel.show(Verdict.REFUSED, t("enroll_choose_first"))
            self.app.bell()
            return
        doc = self.docs.get(target)

        operator = ctx.operator  # fixed now: a lock and a new sign-in may come first

        def run(s: Session) -> Bound:
            if doc is None:
                left = unbound_passes(s, ctx.chosen_meeting)
                if not left:
                    raise CarrierTrackerError(t("enroll_passes_done"))
                return bind_pass(
                    session=s,
                    key=ctx.key,
                    meeting_code=ctx.code,
                    attendee_code=left[0].code,
                    uid=tap.uid,
                    operator=operator,
                    station=ctx.station,
                )
            nxt = next_unbound_copy(s, doc)
            if nxt is None:
                raise CarrierTrackerError(t("enroll_doc_done", number=doc.number))
            return bind_copy(
                session=s,
                key=ctx.key,
                meeting_code=ctx.code,
                doc_no=doc.number,
                copy_no=nxt,
                uid=tap.uid,
                operator=operator,
                station=ctx.station,
            )

        def done(b: Bound) -> None:
            self.pending -= 1
            panel.show(
                Verdict.ALREADY if b.already else Verdict.ACCEPTED,
                t("enroll_bound", item=b.item, uid=b.uid),
            )
            if not b.already:
                self.query_one(DataTable).add_row(b.item, b.uid)
            self._progress()
            self.app.poll_ledger()

        def failed(error: str) -> None:
            self.pending -= 1
            panel.show(Verdict.REFUSED, error)
            self.app.bell()

        self.pending += 1
        self.app.service.write(self, run, done, failed)

    def on_db_waiting(self, message: DbWaiting) -> None:
        if message.waiting and self.pending:
            self.query_one(OutcomePanel).waiting(t("db_waiting_taps", n=self.pending))
