"""分发情况: per document the plan, planned, issued, 未领取 (names), out and recovered; then what
each attendee should still receive — the same view as ``status --by-document``, live."""

from __future__ import annotations

from sqlmodel import Session
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from carrier_tracker import messages
from carrier_tracker.meeting.distribution import PlanView, plan_view

from ..app import CarrierTrackerApp
from ..messages import LedgerAdvanced
from ..texts import t

COLUMNS = ("number", "planned", "issued", "missing", "out", "recovered", "title")
NAMES_SHOWN = 20
"""未领取 names shown for the highlighted document (the export and ``--json`` list everyone)."""
DUE_SHOWN = 3
"""Attendees listed under 尚应领取 (the rest are counted)."""


class PlanScreen(Screen[None]):
    """The distribution plan of every document and how far its hand-out has got."""

    app = getters.app(CarrierTrackerApp)

    NAME = "plan"
    BINDINGS = [Binding("escape", "app.pop_screen", t("key_back"))]

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[str, str] = {}  # document number -> its plan and 未领取 names

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(messages.text("plan_screen_title"), classes="screen-title", markup=False)
        yield DataTable(id="plan-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="plan-line", markup=False)
        yield Label("", id="plan-due", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key in COLUMNS:
            table.add_column(messages.text(f"plan_col_{key}"), key=key)
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
        self.lines = {}
        for d in view.documents:
            names = "、".join(f"{p.code} {p.name}" for p in d.not_collected[:NAMES_SHOWN])
            if len(d.not_collected) > NAMES_SHOWN:
                names += messages.text("plan_more_names", count=len(d.not_collected))
            line = f"{d.number}  " + messages.text("plan_note", plan=d.plan_text)
            if d.excluded:  # covered by the plan, cleared below the document's level
                line += "\n" + messages.text("plan_excluded", count=d.excluded)
            if names:
                line += "\n" + messages.text("plan_missing", names=names)
            if d.outside_plan:
                outside = "、".join(f"{p.code} {p.name}" for p in d.outside_plan)
                line += "\n" + messages.text("plan_outside_list", names=outside)
            self.lines[d.number] = line
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
        due = [
            f"{a.person.code} {a.person.name}：" + "、".join(a.documents) for a in view.attendees
        ]
        shown = "\n".join(f"  {line}" for line in due[:DUE_SHOWN])
        if len(due) > DUE_SHOWN:
            shown += "\n  " + messages.text("break_desk_more", count=len(due) - DUE_SHOWN)
        self.query_one("#plan-due", Label).update(
            messages.text("plan_due_title") + "\n" + shown
            if due
            else messages.text("plan_none_due")
        )

    def _line(self, number: str) -> None:
        self.query_one("#plan-line", Label).update(self.lines.get(number, ""))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value is not None:
            self._line(str(event.row_key.value))

    def on_ledger_advanced(self, _message: LedgerAdvanced) -> None:
        self._load()
