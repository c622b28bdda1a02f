"""The desk screen: mode, current attendee, a big result per tap, the log of recent taps."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import DataTable, Footer, Header, Input, Label

from carrier_tracker.custody import record_tap
from carrier_tracker.enums import Mode, Verdict
from carrier_tracker.errors import CarrierTrackerError
from carrier_tracker.messages import MODE_LABEL, VERDICT_LABEL
from carrier_tracker.models import Attendee
from carrier_tracker.queries import attendees, holdings, tag_info
from readers import TagTap

from ..messages import LedgerAdvanced
from ..widgets.banners import MODE_KEYS, ModeBanner, OutcomePanel, ReaderStatusBar
from ..widgets.tray import TagTray

LOG_ROWS = 200


class DeskScreen(Screen[None]):
    """Where custodians work all day: tap, look, tap."""

    BINDINGS = [
        *(Binding(key.lower(), f"mode('{mode.value}')", MODE_LABEL[mode], show=False, priority=True) for mode, key in MODE_KEYS.items()),
        Binding("ctrl+f", "focus_attendee", "选领取人", priority=True),
        Binding("ctrl+u", "clear_attendee", "清除领取人", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.mode = Mode.ISSUE
        self.attendee: Attendee | None = None
        self.last_unknown: str | None = None
        self.people: dict[str, Attendee] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            yield ModeBanner(id="mode")
            yield ReaderStatusBar(id="reader")
        yield Label("  ".join(f"{key} {MODE_LABEL[mode]}" for mode, key in MODE_KEYS.items()), id="mode-keys")
        with Horizontal(id="who"):
            yield Label("当前领取人：（未选择——刷会议证或输入编号/姓名）", id="attendee")
            yield Input(placeholder="人员编号或姓名，回车确认", id="attendee-input")
        with Horizontal(id="extras"):
            yield Input(placeholder="机要编号（机要发出时）", id="consignment-input")
            yield Input(placeholder="说明（挂失时必填）", id="note-input")
        yield OutcomePanel("请刷卡", id="outcome")
        with Horizontal(id="body"):
            yield DataTable(id="log", cursor_type="row", zebra_stripes=True)
            tray = self.app.tray_items  # type: ignore[attr-defined]
            if tray:
                yield TagTray(tray, id="tray")
        yield Footer()

    def on_mount(self) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        with ctx.read() as s:
            self.people = {a.code: a for a in attendees(s, ctx.meeting)}
        suggestions = [f"{a.code} {a.name}" for a in self.people.values()] + [f"{a.name} {a.code}" for a in self.people.values()]
        self.query_one("#attendee-input", Input).suggester = SuggestFromList(suggestions, case_sensitive=False)
        table = self.query_one("#log", DataTable)
        table.add_columns("时间", "结果", "方式", "载体", "人员", "操作员", "说明")
        self.query_one(ModeBanner).show(self.mode)
        self.query_one(ReaderStatusBar).show(self.app.reader_status)  # type: ignore[attr-defined]
        self._show_extras()

    # -- modes and attendee ------------------------------------------------------------------

    def action_mode(self, value: str) -> None:
        self.mode = Mode(value)
        self.query_one(ModeBanner).show(self.mode)
        self._show_extras()

    def _show_extras(self) -> None:
        self.query_one("#consignment-input").display = self.mode in (Mode.DISPATCH, Mode.DELIVER)
        self.query_one("#note-input").display = self.mode is Mode.LOST

    def action_focus_attendee(self) -> None:
        self.query_one("#attendee-input", Input).focus()

    def action_clear_attendee(self) -> None:
        self.attendee = None
        self._show_attendee()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "attendee-input":
            return
        text = event.value.strip()
        if not text:
            return
        found = self._find_person(text)
        if found is None:
            self.query_one(OutcomePanel).show(Verdict.REFUSED, f"找不到参会人员“{text}”")
            self.app.bell()
            return
        self.attendee = found
        event.input.value = ""
        self._show_attendee()

    def _find_person(self, text: str) -> Attendee | None:
        if not text:
            return None
        token = text.split()[0]
        if token.upper() in self.people:
            return self.people[token.upper()]
        named = [a for a in self.people.values() if token in (a.name, a.code)]
        return named[0] if len(named) == 1 else None

    def _show_attendee(self) -> None:
        label = self.query_one("#attendee", Label)
        if self.attendee is None:
            label.update("当前领取人：（未选择——刷会议证或输入编号/姓名）")
            return
        ctx = self.app.ctx  # type: ignore[attr-defined]
        with ctx.read() as s:
            count = holdings(s, self.attendee.id or 0)
        a = self.attendee
        out = "  外地代表" if a.out_of_town else ""
        label.update(f"当前领取人：{a.code} {a.name}（{a.unit}）  知悉：{a.clearance}  持有 {count} 件{out}")

    # -- taps -----------------------------------------------------------------------------------

    def handle_tap(self, tap: TagTap) -> None:
        """Record one tap in the current mode and show its outcome (called by the app)."""
        ctx = self.app.ctx  # type: ignore[attr-defined]
        consignment = self.query_one("#consignment-input", Input).value.strip() or None
        note = self.query_one("#note-input", Input).value.strip()
        try:
            with ctx.session() as s:
                info = tag_info(s, tap.uid)
                is_own_pass = info is not None and info.kind == "pass" and info.meeting_id == ctx.meeting.id
                outcome = record_tap(
                    session=s, key=ctx.key, meeting_code=ctx.code, uid=tap.uid, mode=self.mode,
                    attendee_code=None if is_own_pass else (self.attendee.code if self.attendee else None),
                    consignment_no=consignment if self.mode is Mode.DISPATCH else None,
                    station=ctx.station, operator=ctx.operator, note=note,
                )
                if is_own_pass and self.mode is Mode.ISSUE and not outcome.refused and info and info.owner_code:
                    self.attendee = s.exec(select(Attendee).where(Attendee.meeting_id == ctx.meeting.id, Attendee.code == info.owner_code)).one()
        except CarrierTrackerError as e:
            self.query_one(OutcomePanel).show(Verdict.REFUSED, str(e))
            self.app.bell()
            return
        panel = self.query_one(OutcomePanel)
        panel.show(outcome.verdict, outcome.message)
        self.last_unknown = tap.uid if info is None else None
        if info is None:
            panel.update(f"{VERDICT_LABEL[Verdict.REFUSED]}：{outcome.message}　— 按 Ctrl+E 去绑定此标签")
        if outcome.refused:
            self.app.bell()
        self._log(outcome.verdict, outcome.item or tap.uid, outcome.attendee_name, outcome.reason or outcome.message)
        self._show_attendee()

    def _log(self, verdict: Verdict, item: str, who: str, note: str) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        table = self.query_one("#log", DataTable)
        table.add_row(datetime.now().strftime("%H:%M:%S"), VERDICT_LABEL[verdict], MODE_LABEL[self.mode], item, who, ctx.operator, note)
        while table.row_count > LOG_ROWS:
            table.remove_row(next(iter(table.rows)))
        table.move_cursor(row=table.row_count - 1)

    def on_ledger_advanced(self, message: LedgerAdvanced) -> None:
        if self.attendee is not None:
            self._show_attendee()
