"""机要递送: open consignments, dispatch copies by tapping, confirm receipt, record returns."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, RadioButton, RadioSet

from carrier_tracker.custody import record_tap
from carrier_tracker.enums import Mode, Verdict
from carrier_tracker.errors import CarrierTrackerError
from carrier_tracker.meetings import open_consignment
from carrier_tracker.queries import consignments
from readers import TagTap

from ..messages import LedgerAdvanced
from ..widgets.banners import OutcomePanel, ReaderStatusBar

MODES = {"dispatch": Mode.DISPATCH, "deliver": Mode.DELIVER, "return": Mode.RETURN}


class CourierScreen(Screen[None]):
    """Taps here are dispatch / receipt / return, for the chosen consignment."""

    BINDINGS = [
        Binding("escape", "app.show('desk')", "返回工作台"),
        Binding("f6", "pick('dispatch')", "机要发出", priority=True),
        Binding("f7", "pick('deliver')", "签收", priority=True),
        Binding("f8", "pick('return')", "退回", priority=True),
    ]

    current: str | None = None

    def action_pick(self, which: str) -> None:
        """Same keys as the desk modes: F6 dispatch, F7 receipt, F8 return."""
        self.query_one(f"#{which}", RadioButton).value = True

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            yield Label("机要递送", classes="screen-title")
            yield ReaderStatusBar(id="reader")
        with Horizontal(id="courier-new"):
            yield Input(placeholder="机要编号", id="number")
            yield Input(placeholder="接收单位", id="unit")
            yield Input(placeholder="接收人", id="recipient")
            yield Button("登记机要件", id="open", variant="primary")
        with Horizontal(id="courier-mode"):
            with RadioSet(id="mode"):
                yield RadioButton("机要发出", value=True, id="dispatch")
                yield RadioButton("签收", id="deliver")
                yield RadioButton("退回", id="return")
            yield Label("当前机要件：（点选下表一行）", id="current")
        yield OutcomePanel("选择机要件和操作后刷卡", id="outcome")
        yield DataTable(id="consignments", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ReaderStatusBar).show(self.app.reader_status)  # type: ignore[attr-defined]
        self.query_one(DataTable).add_columns("机要编号", "接收单位", "接收人", "状态", "递送中", "已签收")
        self._refresh()

    def _refresh(self) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        table = self.query_one(DataTable)
        table.clear()
        with ctx.read() as s:
            rows = consignments(s, ctx.meeting)
        for c, moving, delivered in rows:
            table.add_row(c.number, c.unit, c.recipient, c.state, str(moving), str(delivered), key=c.number)
        if self.current is None and rows:  # preselect so the first tap can go straight out
            self.current = rows[0][0].number
            self.query_one("#current", Label).update(f"当前机要件：{self.current}")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.current = event.row_key.value if event.row_key else None
        self.query_one("#current", Label).update(f"当前机要件：{self.current or '（无）'}")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "open":
            return
        ctx = self.app.ctx  # type: ignore[attr-defined]
        number = self.query_one("#number", Input).value.strip()
        unit = self.query_one("#unit", Input).value.strip()
        if not number or not unit:
            self.query_one(OutcomePanel).show(Verdict.REFUSED, "请填写机要编号和接收单位")
            self.app.bell()
            return
        try:
            with ctx.session() as s:
                open_consignment(session=s, key=ctx.key, meeting_code=ctx.code, number=number, unit=unit,
                                 recipient=self.query_one("#recipient", Input).value.strip(),
                                 operator=ctx.operator, station=ctx.station)
        except CarrierTrackerError as e:
            self.query_one(OutcomePanel).show(Verdict.REFUSED, str(e))
            self.app.bell()
            return
        self.query_one(OutcomePanel).show(Verdict.ACCEPTED, f"已登记机要件 {number} → {unit}")
        for field in ("#number", "#unit", "#recipient"):
            self.query_one(field, Input).value = ""
        self._refresh()

    def handle_tap(self, tap: TagTap) -> None:
        """Dispatch, deliver or return the tapped copy (called by the app)."""
        ctx = self.app.ctx  # type: ignore[attr-defined]
        pressed = self.query_one(RadioSet).pressed_button
        mode = MODES[pressed.id if pressed and pressed.id else "dispatch"]
        try:
            with ctx.session() as s:
                outcome = record_tap(session=s, key=ctx.key, meeting_code=ctx.code, uid=tap.uid, mode=mode,
                                     consignment_no=self.current if mode is not Mode.RETURN else None,
                                     station=ctx.station, operator=ctx.operator)
        except CarrierTrackerError as e:
            self.query_one(OutcomePanel).show(Verdict.REFUSED, str(e))
            self.app.bell()
            return
        self.query_one(OutcomePanel).show(outcome.verdict, outcome.message)
        if outcome.refused:
            self.app.bell()

    def on_ledger_advanced(self, _message: LedgerAdvanced) -> None:
        self._refresh()
