"""审计台账: this meeting's ledger, newest first, filterable, with the chain verified at the top."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label

from carrier_tracker.enums import Action, Verdict
from carrier_tracker.ledger import as_utc, verify_meeting
from carrier_tracker.messages import ACTION_LABEL, VERDICT_LABEL
from carrier_tracker.queries import audit_events

from ..messages import LedgerAdvanced


class AuditScreen(Screen[None]):
    """The ledger; filter by copy, attendee, action, operator or UID."""

    BINDINGS = [Binding("escape", "app.show('desk')", "返回工作台")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="verify")
        yield Input(placeholder="筛选：文件编号、人员、操作（如 发放）、操作员、标签", id="search")
        yield DataTable(id="events", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("序号", "时间", "工作台", "操作员", "操作", "结果", "载体", "人员", "原因")
        self._verify()
        self._load("")

    def _verify(self) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        with ctx.read() as s:
            report = verify_meeting(s, ctx.key, ctx.meeting)
        label = self.query_one("#verify", Label)
        label.set_class(report.ok, "verify-ok")
        label.set_class(not report.ok, "verify-bad")
        if report.ok:
            label.update(f"台账校验：完整　事件 {report.count}　头哈希 {report.head_hash}")
        else:
            label.update(f"台账校验：第 {report.broken_seq} 条起被篡改（{report.problem}）")

    def _load(self, search: str) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        table = self.query_one(DataTable)
        table.clear()
        with ctx.read() as s:
            rows = audit_events(s, ctx.meeting, search)
        for seq, at, station, operator, action, verdict, reason, doc, copy_no, who, uid in rows:
            item = f"{doc} 第{copy_no:03d}份" if doc else (uid or "")
            table.add_row(str(seq), as_utc(at).astimezone().strftime("%m-%d %H:%M:%S"), station, operator,
                          ACTION_LABEL[Action(action)], VERDICT_LABEL[Verdict(verdict)], item, who or "", reason)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._load(event.value.strip())

    def on_ledger_advanced(self, _message: LedgerAdvanced) -> None:
        self._verify()
        self._load(self.query_one("#search", Input).value.strip())
