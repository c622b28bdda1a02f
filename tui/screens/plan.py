"""分发情况: per document the plan, planned, issued, 未领取 (names), out and recovered; then what
each attendee should still receive — the same view as ``status --by-document``, live."""

from __future__ import annotations

from sqlmodel import Session
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from carrier_tracker import messages
from carrier_tracker.meeting.distribution import DocumentPlan, PlanView, plan_view

from ..app import CarrierTrackerApp
from ..messages import LedgerAdvanced
from ..texts import t
from ..widgets.row_table import RowTable

COLUMNS = ("number", "planned", "issued", "missing", "out", "recovered", "title")


def document_line(d: DocumentPlan) -> str:
    """The detail of one document: its plan, and everyone who has not collected it (all of them:
    the pane scrolls)."""
    line = f"{d.number}  " + messages.text("plan_note", plan=d.plan_text)
    if d.excluded:  # covered by the plan, cleared below the document's level
        line += "\n" + messages.text("plan_excluded", count=d.excluded)
    if d.not_collected:
        names = "、".join(f"{p.code} {p.name}" for p in d.not_collected)
        line += "\n" + messages.text("plan_missing", names=names)
    if d.outside_plan:
        outside = "、".join(f"{p.code} {p.name}" for p in d.outside_plan)
        line += "\n" + messages.text("plan_outside_list", names=outside)
    return line


def due_rows(view: PlanView) -> dict[str, tuple[str, str]]:
    """尚应领取: every attendee with what they should still receive (row key: the code)."""
    return {
        a.person.code: (f"{a.person.code} {a.person.name}", "、".join(a.documents))
        for a in view.attendees
    }


class PlanScreen(Screen[None]):
    """The distribution plan of every document and how far its hand-out has got."""

    app = getters.app(CarrierTrackerApp)

    NAME = "plan"
    BINDINGS = [
        Binding("escape", "app.pop_screen", t("key_back")),
        Binding("tab", "app.focus_next", t("key_plan_switch")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.plans: dict[str, DocumentPlan] = {}  # document number -> its plan and counts
        self.shown = ""  # the document whose detail is in the pane

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(messages.text("plan_screen_title"), classes="screen-title", markup=False)
        yield DataTable(id="plan-table", cursor_type="row", zebra_stripes=True)
        # Everyone still to collect, however many: Tab moves to each, the arrows and PgUp/PgDn
        # scroll. 尚应领取 may name thousands (a national meeting at its start): a RowTable draws
        # only the lines in view, where a Label would lay out all of them at each ledger change.
        with VerticalScroll(id="plan-detail"):
            yield Label("", id="plan-line", markup=False)
        yield Label("", id="plan-due", markup=False)
        yield RowTable(id="plan-due-table", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key in COLUMNS:
            table.add_column(messages.text(f"plan_col_{key}"), key=key)
        due = self.query_one(RowTable)
        for key in ("person", "due"):
            due.add_column(messages.text(f"plan_col_{key}"), key=key)
        self._load()

    def _load(self) -> None:
        code = self.app.ctx.code

        def run(s: Session) -> PlanView:
            return plan_view(s, code)

        self.app.service.read(self, run, self._show, key="plan")

    def _show(self, view: PlanView) -> None:
        table = self.query_one(DataTable)
        at = table.cursor_row
        table.clear()
        self.plans = {d.number: d for d in view.documents}
        self.shown = ""  # the plans are new: the highlighted one's detail is made again
        for d in view.documents:
            table.add_row(
                d.number,
                len(d.planned),
                len(d.issued),
                len(d.not_collected),
                d.out,
                d.recovered,
                d.title,
                key=d.number,
            )
        if table.row_count:
            table.move_cursor(row=min(at, table.row_count - 1))
            self._line(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))
        rows = due_rows(view)
        self.query_one(RowTable).set_rows(rows)
        self.query_one(RowTable).display = bool(rows)
        self.query_one("#plan-due", Label).update(
            messages.text("plan_due_title") if rows else messages.text("plan_none_due")
        )

    def _line(self, number: str) -> None:
        """The highlighted document's detail, made once per document highlighted (a national
        meeting's document may have thousands not collected), not at every key or redraw."""
        if number == self.shown:
            return
        self.shown = number
        plan = self.plans.get(number)
        self.query_one("#plan-line", Label).update(document_line(plan) if plan else "")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value is not None:
            self._line(str(event.row_key.value))

    def on_ledger_advanced(self, _message: LedgerAdvanced) -> None:
        self._load()
