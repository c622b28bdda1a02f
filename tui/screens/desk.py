"""The desk screen: mode, current attendee, a big result per tap, the log of recent taps."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import Footer, Header, Input, Label

from carrier_tracker import messages
from carrier_tracker.custody import checklists
from carrier_tracker.custody.rules import TRIP_MODES
from carrier_tracker.enums import Mode, Verdict
from carrier_tracker.meeting.distribution import BreakView, break_view
from carrier_tracker.messages import MODE_LABEL, local_time
from carrier_tracker.readers import TagTap
from carrier_tracker.storage.models import Attendee
from carrier_tracker.storage.queries import attendees, holdings, people_changed_since

from ..app import CarrierTrackerApp
from ..messages import DbWaiting, LedgerAdvanced, TapDone
from ..navigation import desk_bindings
from ..service import CLOSED_MODES, CONSIGNMENT_MODES, TapResult
from ..taking import TakesTaps, exception_binding
from ..texts import t
from ..widgets.banners import MODE_KEYS, ModeBanner, OutcomePanel, mode_keys
from ..widgets.entry import Entry
from ..widgets.operator_badge import OperatorBadge
from ..widgets.reader_status import ReaderHelp, ReaderStatusBar
from ..widgets.tap_entry import TapEntry
from ..widgets.tap_log import TapLog

BREAK_LINES = 5
"""Attendees listed in the break view (the rest are counted)."""
FIELD_OF_MODE = {
    Mode.DISPATCH: "#consignment-input",
    Mode.LOST: "#note-input",
    Mode.SWEEP: "#room-input",
}
"""The field a mode needs filled before its taps; switching to the mode puts the cursor there."""


class DeskScreen(TakesTaps, Screen[None]):
    """Where custodians work all day: tap, look, tap."""

    app = getters.app(CarrierTrackerApp)
    NAME = "desk"
    RECORDS = True
    AUTO_FOCUS = "#tap-input"
    BINDINGS = [
        *(
            Binding(
                key.lower(), f"mode('{mode.value}')", MODE_LABEL[mode], show=False, priority=True
            )
            for mode, key in MODE_KEYS.items()
        ),
        Binding("ctrl+f", "focus_attendee", t("key_attendee"), priority=True),
        Binding("ctrl+u", "clear_attendee", t("key_clear_attendee"), priority=True),
        *desk_bindings(),
        exception_binding(),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.held = 0
        self.people: dict[str, Attendee] = {}
        self._closed_shown = False

    @property
    def mode(self) -> Mode:
        """The desk's mode (the 清点 screen taps in it too)."""
        return self.app.service.desk.mode

    @property
    def attendee(self) -> Attendee | None:
        """The current attendee (发放 hands copies to them)."""
        return self.app.service.desk.attendee

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            yield ModeBanner(id="mode")
            yield ReaderStatusBar(id="reader")
            yield OperatorBadge(id="operator-badge")
        yield ReaderHelp(id="reader-help")
        offered = [m for m in MODE_KEYS if m in TRIP_MODES or not self.app.meeting_is_trip]
        yield Label(mode_keys(offered), id="mode-keys")
        with Horizontal(id="who"):
            yield Label(t("attendee_none"), id="attendee", markup=False)
            yield Entry(placeholder=t("attendee_placeholder"), id="attendee-input")
        with Horizontal(id="extras"):
            yield Entry(placeholder=t("consignment_placeholder"), id="consignment-input")
            yield Entry(placeholder=t("note_placeholder"), id="note-input")
            yield Entry(placeholder=t("room_placeholder"), id="room-input")
        yield OutcomePanel(t("tap_prompt"), id="outcome")
        yield Label("", id="break-view", markup=False)
        with Horizontal(id="body"):
            yield TapLog(id="log")
            yield TapEntry(self.app.tray_items, id="tap")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.app.show_reader(self)
        self._show_mode(focus=False)
        self._load_people()
        rooms = [it.label for it in checklists.active()[checklists.SWEEP].items]
        self.query_one("#room-input", Input).suggester = SuggestFromList(rooms)
        self.query_one("#room-input", Input).tooltip = t("room_hint", rooms="、".join(rooms))
        self._show_closed()

    def _load_people(self, since: int | None = None) -> None:
        """Read the meeting's attendees: at mount, and again when events after ``since`` changed
        who attends (a late attendee or a substitute added at another desk or on the 变更
        screen can be chosen here at once)."""
        meeting = self.app.ctx.chosen_meeting

        def load(s: Session) -> list[Attendee] | None:
            if since is not None and not people_changed_since(s, meeting, since):
                return None
            return attendees(s, meeting)

        self.app.service.read(self, load, self._people_loaded, key="people")

    def _people_loaded(self, people: list[Attendee] | None) -> None:
        if people is None:
            return
        self.people = {a.code: a for a in people}
        suggestions = [f"{a.code} {a.name}" for a in people] + [
            f"{a.name} {a.code}" for a in people
        ]
        self.query_one("#attendee-input", Input).suggester = SuggestFromList(
            suggestions, case_sensitive=False
        )

    # -- modes and attendee ------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "mode" and self.app.meeting_closed:
            return Mode(str(parameters[0])) in CLOSED_MODES
        if action == "mode" and self.app.meeting_is_trip:
            return Mode(str(parameters[0])) in TRIP_MODES
        if action == "focus_attendee":
            return not self.app.meeting_closed
        if action == "clear_attendee":
            return self.app.service.desk.attendee is not None
        if action == "approve_exception":
            return self.app.service.offers_exception(self.NAME)
        return True

    def action_mode(self, value: str) -> None:
        self.app.service.desk.mode = Mode(value)
        self._show_mode()

    def _show_mode(self, *, focus: bool = True) -> None:
        """The banner, the fields the mode needs (the cursor in the one still empty), the break view."""
        mode = self.mode
        banner = self.query_one(ModeBanner)
        if self.app.meeting_closed:
            banner.closed(mode)
        else:
            banner.show(mode)
        for m, field in FIELD_OF_MODE.items():
            self.query_one(field).display = mode is m or (
                field == "#consignment-input" and mode in CONSIGNMENT_MODES
            )
        self.query_one("#extras").display = mode in (*CONSIGNMENT_MODES, *FIELD_OF_MODE)
        extras, focused = self.query_one("#extras"), self.focused
        if (
            focused is not None
            and focused.parent is extras
            and not (focused.display and extras.display)
        ):
            self.app.action_focus_tap_entry()  # its field went away with the mode: tap on
        needed = FIELD_OF_MODE.get(mode)
        if focus and needed is not None and not self.query_one(needed, Input).value.strip():
            self.query_one(needed, Input).focus()
        self.query_one("#break-view").display = mode is Mode.COLLECT
        self._load_break()

    def _show_closed(self) -> None:
        """A closed meeting's desk: 会议已结束, only 找回 (F11) records; said once."""
        if not self.app.meeting_closed or self._closed_shown:
            return
        self._closed_shown = True
        self.app.service.meeting_closed()
        self._show_mode(focus=False)
        self.query_one("#who").display = False  # nobody receives anything any more
        self.query_one("#mode-keys", Label).update(mode_keys(list(CLOSED_MODES)))
        self.query_one(OutcomePanel).hint(messages.text("tui_desk_closed"))
        self.refresh_bindings()

    def _load_break(self) -> None:
        """In 休会收回 mode: the flagged copies still out, by attendee, counting down."""
        if self.mode is not Mode.COLLECT:
            return
        meeting = self.app.ctx.chosen_meeting

        def run(s: Session) -> BreakView:
            return break_view(s, meeting)

        self.app.service.read(self, run, self._show_break, key="desk-break")

    def _show_break(self, view: BreakView) -> None:
        found = self.query("#break-view")
        if not found:  # a read that finished while the desk was being torn down
            return
        label = found.first(Label)
        if not view.flagged:
            label.update(messages.text("break_no_flagged"))
            return
        if not view.remaining:
            label.update(messages.text("break_all_in"))
            return
        lines = [
            messages.text(
                "break_desk_title", remaining=view.remaining, docs="、".join(view.flagged)
            )
        ]
        lines += [
            f"  {g.code} {g.name}：" + "、".join(it.label for it in g.items)
            for g in view.groups[:BREAK_LINES]
        ]
        if len(view.groups) > BREAK_LINES:
            lines.append(
                "  " + messages.text("break_desk_more", count=len(view.groups) - BREAK_LINES)
            )
        label.update("\n".join(lines))

    def action_focus_attendee(self) -> None:
        self.query_one("#attendee-input", Input).focus()

    def action_clear_attendee(self) -> None:
        self.query_one("#attendee-input", Input).value = ""
        self._choose(None)

    def on_input_changed(self, event: Input.Changed) -> None:
        """The mode's fields are the desk's: a tap on the 清点 screen uses them too."""
        desk = self.app.service.desk
        if event.input.id == "consignment-input":
            desk.consignment = event.value
        elif event.input.id == "note-input":
            desk.note = event.value
        elif event.input.id == "room-input":
            desk.room = event.value

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id in ("room-input", "note-input", "consignment-input"):
            self.app.action_focus_tap_entry()  # the mode's field is filled: back to tapping
            return
        if event.input.id != "attendee-input":
            return
        typed = event.value.strip()
        if not typed:
            return
        found = self._find_person(typed)
        if found is None:
            # The custodian meant someone else: nothing more may go to the one chosen before.
            had = self.app.service.desk.attendee
            self._choose(None)
            self.query_one(OutcomePanel).show(
                Verdict.REFUSED,
                t("attendee_unknown", text=typed)
                + (t("attendee_unknown_cleared", code=had.code, name=had.name) if had else ""),
            )
            self.app.bell()
            return
        event.input.value = ""
        self._choose(found)

    def _find_person(self, typed: str) -> Attendee | None:
        token = typed.split()[0]
        if token.upper() in self.people:
            return self.people[token.upper()]
        named = [a for a in self.people.values() if token in (a.name, a.code)]
        return named[0] if len(named) == 1 else None

    def _choose(self, attendee: Attendee | None) -> None:
        """The custodian chose (or cleared) the attendee: it applies to the taps from now on."""
        self.app.service.choose(attendee)
        self._attendee_changed()

    def _attendee_changed(self) -> None:
        self.refresh_bindings()
        self._show_attendee()
        self._count_holdings()

    def _show_attendee(self) -> None:
        label = self.query_one("#attendee", Label)
        a = self.app.service.desk.attendee
        if a is None:
            label.update(t("attendee_none"))
            return
        extra = t("attendee_out_of_town") if a.out_of_town else ""
        if a.pledge_on is None:
            extra += t("attendee_no_pledge")
        label.update(
            t(
                "attendee_line",
                code=a.code,
                name=a.name,
                unit=a.unit,
                clearance=a.clearance,
                count=self.held,
                extra=extra,
            )
        )

    def _count_holdings(self) -> None:
        a = self.app.service.desk.attendee
        if a is None:
            return

        def count(s: Session) -> tuple[int, date | None]:
            fresh = s.get(Attendee, a.id)  # its pledge may have been recorded meanwhile
            return holdings(s, a.id or 0), fresh.pledge_on if fresh else a.pledge_on

        def got(result: tuple[int, date | None]) -> None:
            # the read may finish while the app shuts down and the screen's widgets are gone
            if self.app.service.desk.attendee is a and self.query("#attendee"):
                self.held, a.pledge_on = result
                self._show_attendee()

        self.app.service.read(self, count, got, key="desk-holdings")

    # -- taps -----------------------------------------------------------------------------------

    def take_tap(self, tap: TagTap) -> None:
        """A tap on this screen: record it in the current mode (read now, at tap time: pressing
        F2 while the database is busy changes the next tap, not this one)."""
        service = self.app.service
        service.tap(service.desk_request(tap))

    def action_approve_exception(self) -> None:
        """Ctrl+Y: retry the last refused tap as an officer's exception (asks for an officer)."""
        self.app.service.retry_exception(self.NAME)
        self.refresh_bindings()

    def on_tap_done(self, message: TapDone) -> None:
        """Every tap of this desk, from any screen: the big panel and the log; the attendee a pass
        made current (unless the custodian has chosen someone since)."""
        result = message.result
        self.show_result(result)
        self.refresh_bindings()
        if result.attendee is not None and result.request.choice == self.app.service.desk.choice:
            self._attendee_changed()
        else:
            self._count_holdings()
        self._load_break()
        if result.error and result.request.mode is Mode.LOST and not result.request.note:
            self.query_one("#note-input", Input).focus()  # the loss report's note is missing

    def show_result(self, result: TapResult) -> None:
        """A tap's result: the panel (accepted with a remark is yellow, still 成功) and the log."""
        self.query_one(OutcomePanel).result(result, self.NAME)
        if result.asking or result.cancelled:
            return  # nothing recorded: not a line of the log
        outcome = result.outcome
        at = outcome.at if outcome is not None and outcome.at else datetime.now(UTC)
        self.query_one(TapLog).add(local_time(at), result.verdict, result.line)

    def on_db_waiting(self, message: DbWaiting) -> None:
        pending = self.app.service.pending
        if message.waiting and pending:
            self.query_one(OutcomePanel).waiting(t("db_waiting_taps", n=pending))

    def on_ledger_advanced(self, message: LedgerAdvanced) -> None:
        self._load_people(since=message.old)
        self._count_holdings()
        self._load_break()
        self._show_closed()
