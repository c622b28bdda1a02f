"""分发情况: per document the plan, planned, issued, 未领取 (names), out and recovered; then what
each attendee should still receive — the same view as ``status --by-document``, live."""

from __future__ import annotations

from sqlmodel import Session
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from carrier_tracker import messages
from carrier_tracker.distribution import PlanView, plan_view

from ..messages import LedgerAdvanced
from ..texts import t

COLUMNS = ("number", "plan", "planned", "issued", "missing", "out", "recovered", "names")
NAMES_SHOWN = 6
"""未领取 names shown per row (the export and ``--json`` list everyone)."""


class PlanScreen(Screen[None]):
    """The distribution plan of every document and how far its hand-out has got."""

    NAME = "plan"
    BINDINGS = [Binding("escape", "app.pop_screen", t("key_back"))]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(messages.text("plan_screen_title"), classes="screen-title", markup=False)
        yield DataTable(id="plan-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="plan-due", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key in COLUMNS:
            table.add_column(messages.text(f"plan_col_{key}"), key=key)
        self._load()

    def _load(self) -> None:
        code = self.app.ctx.code  # type: ignore[attr-defined]

        def run(s: Session) -> PlanView:
            return plan_view(s, code)

        self.app.read(self, run, self._show, key="plan")  # type: ignore[attr-defined]

    def _show(self, view: PlanView) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for d in view.documents:
            names = "、".join(p.name for p in d.not_collected[:NAMES_SHOWN])
            if len(d.not_collected) > NAMES_SHOWN:
                names += messages.text("plan_more_names", count=len(d.not_collected))
            table.add_row(
                d.number,
                d.plan_text,
                len(d.planned),
                len(d.issued),
                len(d.not_collected),
                d.out,
                d.recovered,
                names,
                key=d.number,
            )
        due = [
            f"{a.person.code} {a.person.name}：" + "、".join(a.documents) for a in view.attendees
        ]
        self.query_one("#plan-due", Label).update(
            messages.text("plan_due_title")
            + "\n"
            + "\n".join(due[:8])
            + (messages.text("plan_more_names", count=len(due)) if len(due) > 8 else "")
            if due
            else messages.text("plan_none_due")
        )

    def on_ledger_advanced(self, _message: LedgerAdvanced) -> None:
        self._load()
