"""载体一览: every copy with state, holder and since when; searchable."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label

from carrier_tracker.ledger import as_utc
from carrier_tracker.messages import STATE_LABEL
from carrier_tracker.queries import copies_table

from ..messages import LedgerAdvanced


class CopiesScreen(Screen[None]):
    """All copies; type to filter by document number, title, holder or UID."""

    BINDINGS = [Binding("escape", "app.show('desk')", "返回工作台")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("载体一览（最多显示 500 行）", classes="screen-title")
        yield Input(placeholder="搜索：文件编号、名称、持有人、标签 UID", id="search")
        yield DataTable(id="copies", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("文件编号", "份号", "文件名称", "密级", "状态", "持有人", "自何时", "标签 UID")
        self._load("")

    def _load(self, search: str) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        table = self.query_one(DataTable)
        table.clear()
        with ctx.read() as s:
            for number, copy_no, title, level, state, holder, since, uid in copies_table(s, ctx.meeting, search):
                when = as_utc(since).astimezone().strftime("%m-%d %H:%M") if since else ""
                table.add_row(number, f"{copy_no:03d}", title, level, STATE_LABEL[state], holder or "", when, uid or "未绑定")

    def on_input_changed(self, event: Input.Changed) -> None:
        self._load(event.value.strip())

    def on_ledger_advanced(self, _message: LedgerAdvanced) -> None:
        self._load(self.query_one("#search", Input).value.strip())
