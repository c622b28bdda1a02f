"""机要递送: open consignments, then tap copies to dispatch (F6), confirm receipt (F7), record a return (F8)."""

from __future__ import annotations

from sqlmodel import Session
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from carrier_tracker import messages
from carrier_tracker.enums import Mode, Verdict
from carrier_tracker.meeting.distribution import Step
from carrier_tracker.meeting.lifecycle import open_consignment
from carrier_tracker.messages import CONSIGNMENT_STATE_LABEL, MODE_LABEL
from carrier_tracker.readers import TagTap
from carrier_tracker.storage.queries import consignments

from ..app import CarrierTrackerApp
from ..messages import DbWaiting, LedgerAdvanced, TapDone
from ..service import TapRequest
from ..taking import TakesTaps
from ..texts import t
from ..widgets.banners import MODE_KEYS, ModeBanner, OutcomePanel, mode_keys
from ..widgets.operator_badge import OperatorBadge
from ..widgets.reader_status import ReaderHelp, ReaderStatusBar
from ..widgets.tap_entry import TapEntry
from .consignment_dialog import ConsignmentDialog, NewConsignment

MODES = (Mode.DISPATCH, Mode.DELIVER, Mode.RETURN)
COLUMNS = ("number", "unit", "recipient", "state", "moving", "delivered")


class CourierScreen(TakesTaps, Screen[None]):
    """Taps here are dispatch / receipt / return, for the highlighted consignment."""

    app = getters.app(CarrierTrackerApp)
    NAME = "courier"
    RECORDS = True
    AUTO_FOCUS = "#tap-input"
    BINDINGS = [
        Binding("escape", "app.show('desk')", t("key_back")),
        *(
            Binding(
                MODE_KEYS[m].lower(), f"mode('{m.value}')", MODE_LABEL[m], show=False, priority=True
            )
            for m in MODES
        ),
        Binding("ctrl+n", "new_consignment", t("key_new_consignment"), priority=True),
        Binding("ctrl+y", "receipt", messages.text("key_receipt"), priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.mode = Mode.DISPATCH
        self.current: str | None = None
        self.rows: dict[str, tuple[str, str]] = {}  # number -> (unit, recipient)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            yield ModeBanner(id="mode")
            yield ReaderStatusBar(id="reader")
            yield OperatorBadge(id="operator-badge")
        yield ReaderHelp(id="reader-help")
        yield Label(mode_keys(list(MODES)), id="mode-keys")
        yield Label(t("courier_current_none"), id="current", markup=False)
        yield OutcomePanel(t("courier_prompt"), id="outcome")
        with Horizontal(id="body"):
            yield DataTable(id="consignments", cursor_type="row", zebra_stripes=True)
            yield TapEntry(self.app.tray_items, id="tap")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.app.show_reader(self)
        self.query_one(ModeBanner).show(self.mode)
        table = self.query_one(DataTable)
        for key in COLUMNS:
            table.add_column(t(f"courier_col_{key}"), key=key)
        self._load()

    def action_mode(self, value: str) -> None:
        """Same keys as the desk modes: F6 dispatch, F7 receipt, F8 return."""
        self.mode = Mode(value)
        self.query_one(ModeBanner).show(self.mode)

    # -- consignments ------------------------------------------------------------------------

    def _load(self, select: str | None = None) -> None:
        meeting = self.app.ctx.chosen_meeting

        def run(s: Session) -> list[tuple[str, str, str, str, int, int]]:
            return [
                (c.number, c.unit, c.recipient, c.state, moving, delivered)
                for c, moving, delivered in consignments(s, meeting)
            ]

        self.app.service.read(self, run, lambda rows: self._show(rows, select), key="courier")

    def _show(self, rows: list[tuple[str, str, str, str, int, int]], select: str | None) -> None:
        table = self.query_one(DataTable)
        keep = select or self.current
        table.clear()
        self.rows = {}
        for number, unit, recipient, state, moving, delivered in rows:
            label = CONSIGNMENT_STATE_LABEL.get(state, state)
            table.add_row(number, unit, recipient, label, str(moving), str(delivered), key=number)
            self.rows[number] = (unit, recipient)
        if not rows:
            return
        numbers = [r[0] for r in rows]
        table.move_cursor(row=numbers.index(keep) if keep in numbers else 0)
        self._set_current(numbers[table.cursor_row])

    def _set_current(self, number: str | None) -> None:
        self.current = number
        label = self.query_one("#current", Label)
        if number is None or number not in self.rows:
            label.update(t("courier_current_none"))
            return
        unit, recipient = self.rows[number]
        label.update(
            t(
                "courier_current",
                number=number,
                unit=unit,
                recipient=f"（{recipient}）" if recipient else "",
            )
        )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._set_current(event.row_key.value if event.row_key else None)

    def action_new_consignment(self) -> None:
        self.app.push_screen(ConsignmentDialog(), callback=self._open)

    def _open(self, new: NewConsignment | None) -> None:
        if new is None:
            return
        ctx = self.app.ctx

        operator = ctx.operator  # fixed now: a lock and a new sign-in may come first

        def run(s: Session) -> str:
            c = open_consignment(
                session=s,
                key=ctx.key,
                meeting_code=ctx.code,
                number=new.number,
                unit=new.unit,
                recipient=new.recipient,
                operator=operator,
                station=ctx.station,
                attendee_code=new.attendee or None,
            )
            return c.unit

        def done(unit: str) -> None:
            self.query_one(OutcomePanel).show(
                Verdict.ACCEPTED, t("new_consignment_done", number=new.number, unit=unit)
            )
            self._load(select=new.number)
            self.app.poll_ledger()

        self.app.service.write(self, run, done, self._refused)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "receipt":
            return self.current is not None
        return True

    def action_receipt(self) -> None:
        """The signed 回执 of the highlighted consignment came back: its copies in transit are
        delivered, without tapping them (``consignment receipt``)."""
        from carrier_tracker.meeting.courier import record_receipt

        ctx = self.app.ctx
        number = self.current
        if number is None:
            return

        operator = ctx.operator  # fixed now: a lock and a new sign-in may come first

        def run(s: Session) -> Step:
            return record_receipt(
                session=s,
                key=ctx.key,
                meeting_code=ctx.code,
                number=number,
                operator=operator,
                station=ctx.station,
            )

        def done(step: Step) -> None:
            self.query_one(OutcomePanel).show(step.verdict, step.message)
            if step.refused:
                self.app.bell()
            self._load()
            self.app.poll_ledger()

        self.app.service.write(self, run, done, self._refused)

    # -- taps ---------------------------------------------------------------------------------

    def take_tap(self, tap: TagTap) -> None:
        """Dispatch, deliver or return the tapped copy, for the highlighted consignment (the desk
        logs it with its own taps)."""
        mode = self.mode
        self.app.service.tap(
            TapRequest(
                tap=tap,
                mode=mode,
                operator=self.app.ctx.operator,  # who tapped, fixed now (a lock may come first)
                screen=self.NAME,
                consignment=self.current if mode is not Mode.RETURN else None,
            )
        )

    def on_tap_done(self, message: TapDone) -> None:
        result = message.result
        if result.request.screen != self.NAME:
            return
        panel = self.query_one(OutcomePanel)
        if result.asking or result.cancelled:
            panel.remark(result.line)
        else:
            panel.show(result.verdict, result.line)

    def _refused(self, error: str) -> None:
        self.query_one(OutcomePanel).show(Verdict.REFUSED, error)
        self.app.bell()

    def on_db_waiting(self, message: DbWaiting) -> None:
        pending = self.app.service.pending
        if message.waiting and pending:
            self.query_one(OutcomePanel).waiting(t("db_waiting_taps", n=pending))

    def on_ledger_advanced(self, _message: LedgerAdvanced) -> None:
        self._load()
