"""载体一览: every copy with state, holder and since when; searchable. A tap here looks the tag up."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label

from carrier_tracker import messages
from carrier_tracker.enums import State
from carrier_tracker.messages import STATE_LABEL, local_time
from carrier_tracker.readers import TagTap
from carrier_tracker.storage.queries import copies_table

from ..app import CarrierTrackerApp
from ..messages import LedgerAdvanced
from ..taking import TakesTaps
from ..texts import t
from ..widgets.entry import Entry

COLUMNS = ("item", "state", "holder", "since", "uid")


class CopiesScreen(TakesTaps, Screen[None]):
    """All copies; type to filter by document number, title, holder or UID (or tap a tag)."""

    app = getters.app(CarrierTrackerApp)

    NAME = "copies"
    AUTO_FOCUS = "#search"
    BINDINGS = [Binding("escape", "app.show('desk')", t("key_back"))]

    def __init__(self) -> None:
        super().__init__()
        self.docs: dict[str, str] = {}  # row key -> the document line

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(t("copies_title"), classes="screen-title", markup=False)
        yield Entry(placeholder=t("copies_search"), id="search")
        yield Label("", id="doc-line", markup=False)
        yield DataTable(id="copies", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key in COLUMNS:
            table.add_column(t(f"copies_col_{key}"), key=key)
        self._load("")

    def _load(self, search: str) -> None:
        meeting = self.app.ctx.chosen_meeting

        def run(s: Session) -> list[tuple[Any, ...]]:
            return copies_table(s, meeting, search)

        self.app.service.read(self, run, self._show, key="copies")

    def _show(self, rows: list[tuple[Any, ...]]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.docs = {}
        for number, copy_no, title, level, state, holder, since, uid in rows:
            key = f"{number}/{copy_no}"
            self.docs[key] = t("copies_doc", number=number, title=title, level=level)
            table.add_row(
                messages.text("copy_item", doc=number, copy=copy_no),
                STATE_LABEL[State(state)],
                holder or "",
                local_time(since),
                uid or t("unbound"),
                key=key,
            )
        self.query_one("#doc-line", Label).update(
            self.docs[next(iter(self.docs))] if self.docs else ""
        )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key else None
        self.query_one("#doc-line", Label).update(self.docs.get(key or "", ""))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._load(event.value.strip())

    def take_tap(self, tap: TagTap) -> None:
        """Nothing is recorded here: the tag is looked up (its copy is shown)."""
        self.query_one("#search", Input).value = tap.uid

    def on_ledger_advanced(self, _message: LedgerAdvanced) -> None:
        self._load(self.query_one("#search", Input).value.strip())
