"""The desk screen: mode, current attendee, a big result per tap, the log of recent taps."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import Footer, Header, Input, Label

from carrier_tracker import messages
from carrier_tracker.custody import checklists
from carrier_tracker.custody.service import Outcome, record_tap
from carrier_tracker.enums import Mode, Verdict
from carrier_tracker.meeting.distribution import BreakView, break_view
from carrier_tracker.messages import MODE_LABEL, local_time, text
from carrier_tracker.storage.models import Attendee
from carrier_tracker.storage.queries import attendees, holdings, people_changed_since
from carrier_tracker.storage.tap_store import Bind, TapStore
from readers import TagTap

from ..messages import DbWaiting, LedgerAdvanced
from ..navigation import desk_bindings
from ..texts import t
from ..widgets.banners import MODE_KEYS, ModeBanner, OutcomePanel, mode_keys
from ..widgets.entry import Entry
from ..widgets.operator_badge import OperatorBadge
from ..widgets.reader_status import ReaderHelp, ReaderStatusBar
from ..widgets.tap_entry import TapEntry
from ..widgets.tap_log import TapLog

# Only these modes hand a copy to a person, so only they send the current attendee to the
# ledger; every other event names the person it concerns (the holder), never the desk's choice.
ATTENDEE_MODES = frozenset({Mode.ISSUE})
CONSIGNMENT_MODES = frozenset({Mode.DISPATCH, Mode.DELIVER})
BREAK_LINES = 5
"""Attendees listed in the break view (the rest are counted)."""


@dataclass(frozen=True)
class TapRequest:
    """A tap and everything it needs, read at tap time (a later mode change or sign-in does not
    change it): the mode, the chosen attendee, the consignment, the note, who operates."""

    tap: TagTap
    mode: Mode
    choice: int
    chosen: str | None
    consignment: str | None
    note: str
    operator: str
    override: bool = False
    room: str = ""


@dataclass(frozen=True)
class TapResult:
    """What the write lane reports back for one desk tap."""

    outcome: Outcome
    unknown_tag: bool
    attendee: Attendee | None  # the owner of a pass just issued (becomes the current attendee)
    approver: str = ""  # the officer who approved it at this desk


class DeskScreen(Screen[None]):
    """Where custodians work all day: tap, look, tap."""

    NAME = "desk"
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
        Binding("ctrl+y", "approve_exception", text("key_approve_exception"), priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.mode = Mode.ISSUE
        self.attendee: Attendee | None = None
        # Who 发放 hands copies to follows the taps *in order*, even while taps queue behind a
        # locked database: a pass issued by an earlier queued tap makes its owner the attendee of
        # the taps after it, unless the custodian chose someone in between (Ctrl+F/Ctrl+U bump
        # ``_choice``). ``_lane_pass`` is only touched on the write lane's thread.
        self._choice = 0
        self._lane_pass: tuple[int, str] | None = None
        self.held = 0
        self.last_unknown: str | None = None
        self.people: dict[str, Attendee] = {}
        self.pending = 0
        self.exception: tuple[TapRequest, Any] | None = None  # the last refusal Ctrl+Y may retry

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            yield ModeBanner(id="mode")
            yield ReaderStatusBar(id="reader")
            yield OperatorBadge(id="operator-badge")
        yield ReaderHelp(id="reader-help")
        yield Label(mode_keys(list(MODE_KEYS)), id="mode-keys")
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
            yield TapEntry(self.app.tray_items, id="tap")  # type: ignore[attr-defined]
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.app.show_reader(self)  # type: ignore[attr-defined]
        self.query_one(ModeBanner).show(self.mode)
        self._show_extras()
        self._load_people()
        rooms = [it.label for it in checklists.active()[checklists.SWEEP].items]
        self.query_one("#room-input", Input).suggester = SuggestFromList(rooms)
        self.query_one("#room-input", Input).tooltip = t("room_hint", rooms="、".join(rooms))

    def _load_people(self, since: int | None = None) -> None:
        """Read the meeting's attendees: at mount, and again when events after ``since`` changed
        who attends (a late attendee or a substitute added at another desk or on the 变更
        screen can be chosen here at once)."""
        meeting = self.app.ctx.meeting  # type: ignore[attr-defined]

        def load(s: Session) -> list[Attendee] | None:
            if since is not None and not people_changed_since(s, meeting, since):
                return None
            return attendees(s, meeting)

        self.app.read(self, load, self._people_loaded, key="people")  # type: ignore[attr-defined]

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
        if action == "clear_attendee":
            return self.attendee is not None
        if action == "approve_exception":
            return self.exception is not None
        return True

    def action_mode(self, value: str) -> None:
        self.mode = Mode(value)
        self.query_one(ModeBanner).show(self.mode)
        self._show_extras()

    def _show_extras(self) -> None:
        self.query_one("#consignment-input").display = self.mode in CONSIGNMENT_MODES
        self.query_one("#note-input").display = self.mode is Mode.LOST
        self.query_one("#room-input").display = self.mode is Mode.SWEEP
        self.query_one("#extras").display = self.mode in (*CONSIGNMENT_MODES, Mode.LOST, Mode.SWEEP)
        if self.mode is Mode.SWEEP and not self.query_one("#room-input", Input).value:
            self.query_one("#room-input", Input).focus()  # 巡检: choose the room first
        self.query_one("#break-view").display = self.mode is Mode.COLLECT
        self._load_break()

    def _load_break(self) -> None:
        """In 休会收回 mode: the flagged copies still out, by attendee, counting down."""
        if self.mode is not Mode.COLLECT:
            return
        meeting = self.app.ctx.meeting  # type: ignore[attr-defined]

        def run(s: Session) -> BreakView:
            return break_view(s, meeting)

        self.app.read(self, run, self._show_break, key="desk-break")  # type: ignore[attr-defined]

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
        self._choose(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "room-input":  # the room is chosen: back to tapping
            self.app.action_focus_tap_entry()  # type: ignore[attr-defined]
            return
        if event.input.id != "attendee-input":
            return
        text = event.value.strip()
        if not text:
            return
        found = self._find_person(text)
        if found is None:
            self.query_one(OutcomePanel).show(Verdict.REFUSED, t("attendee_unknown", text=text))
            self.app.bell()
            return
        event.input.value = ""
        self._choose(found)

    def _find_person(self, text: str) -> Attendee | None:
        token = text.split()[0]
        if token.upper() in self.people:
            return self.people[token.upper()]
        named = [a for a in self.people.values() if token in (a.name, a.code)]
        return named[0] if len(named) == 1 else None

    def _choose(self, attendee: Attendee | None) -> None:
        """The custodian chose (or cleared) the attendee: it applies to the taps from now on."""
        self._choice += 1
        self._set_attendee(attendee)

    def _set_attendee(self, attendee: Attendee | None) -> None:
        self.attendee = attendee
        self.refresh_bindings()
        self._show_attendee()
        self._count_holdings()

    def _show_attendee(self) -> None:
        label = self.query_one("#attendee", Label)
        a = self.attendee
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
        a = self.attendee
        if a is None:
            return

        def count(s: Session) -> tuple[int, date | None]:
            fresh = s.get(Attendee, a.id)  # its pledge may have been recorded meanwhile
            return holdings(s, a.id or 0), fresh.pledge_on if fresh else a.pledge_on

        def got(result: tuple[int, date | None]) -> None:
            # the read may finish while the app shuts down and the screen's widgets are gone
            if self.attendee is a and self.query("#attendee"):
                self.held, a.pledge_on = result
                self._show_attendee()

        self.app.read(self, count, got, key="desk-holdings")  # type: ignore[attr-defined]

    # -- taps -----------------------------------------------------------------------------------

    def take_tap(self, tap: TagTap) -> None:
        """A tap on this screen: record it in the current mode."""
        self.record(tap)

    def record(self, tap: TagTap, echo: Any = None) -> None:
        """Record a tap in the desk's current mode on the write lane (also for the 清点 screen).

        Everything the tap needs is read now, at tap time: pressing F2 while the database is busy
        changes the next tap, not this one. ``echo`` (a screen with ``show_outcome``) gets the result too.
        A step that needs an officer, tapped by a custodian, and that an officer's approval would
        let through, is not recorded: the desk asks for an officer first (:meth:`_ask_officer`).
        """
        ctx = self.app.ctx  # type: ignore[attr-defined]
        mode = self.mode
        request = TapRequest(
            tap=tap,
            mode=mode,
            choice=self._choice,
            chosen=self.attendee.code if self.attendee is not None else None,
            consignment=self.query_one("#consignment-input", Input).value.strip() or None,
            note=self.query_one("#note-input", Input).value.strip() if mode is Mode.LOST else "",
            operator=ctx.operator,
            room=self.query_one("#room-input", Input).value.strip() if mode is Mode.SWEEP else "",
        )
        self._submit(request, echo, "")

    def action_approve_exception(self) -> None:
        """Ctrl+Y: retry the last refused tap as an officer's exception (asks for an officer)."""
        if self.exception is None:
            return
        request, echo = self.exception
        self.exception = None
        self.refresh_bindings()
        operator = self.app.ctx.operator  # type: ignore[attr-defined]
        self._submit(replace(request, override=True, operator=operator), echo, "")

    def _ask_officer(self, request: TapRequest, echo: Any) -> None:
        """The tap needs an officer and would pass with one: ask; apply it with the approver, or
        (cancel) record nothing at all."""
        from .approval import ApprovalDialog

        what = MODE_LABEL[request.mode]
        if request.override:
            what = text("approval_exception", reason=what)

        def answered(approver: str | None) -> None:
            if approver is None:
                self.query_one(OutcomePanel).show(Verdict.ALREADY, text("approval_cancelled"))
                if echo is not None:
                    echo.show_outcome(Verdict.ALREADY, text("approval_cancelled"))
                return
            self._submit(request, echo, approver)

        self.app.push_screen(ApprovalDialog(what), callback=answered)

    def _submit(self, request: TapRequest, echo: Any, approver: str) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        meeting, mode, choice, tap = ctx.meeting, request.mode, request.choice, request.tap
        chosen, consignment, note = request.chosen, request.consignment, request.note
        room = request.room

        def run(conn: Bind) -> TapResult:
            store = TapStore(conn)
            info = store.tag_info(tap.uid, meeting.id)
            own_pass = info is not None and info.kind == "pass" and info.meeting_id == meeting.id
            attendee = chosen
            if self._lane_pass is not None and self._lane_pass[0] == choice:
                attendee = self._lane_pass[1]  # a pass tapped earlier (maybe still queued then)
            if mode not in ATTENDEE_MODES:
                attendee = None
            outcome = record_tap(
                session=conn,
                key=ctx.key,
                meeting_code=ctx.code,
                uid=tap.uid,
                mode=mode,
                attendee_code=None if own_pass else attendee,
                consignment_no=consignment if mode in CONSIGNMENT_MODES else None,
                station=ctx.station,
                operator=request.operator,
                note=note,
                room=room,
                override=request.override,
                approver=approver,
                ask_approval=not approver,
            )
            person = None
            if (
                own_pass
                and mode is Mode.ISSUE
                and not outcome.refused
                and info is not None
                and info.owner_code
            ):
                person = Attendee.model_validate(vars(store.attendee(meeting, info.owner_code)))
                self._lane_pass = (choice, info.owner_code)
            return TapResult(outcome, info is None, person, approver)

        def done(result: TapResult) -> None:
            self.pending -= 1
            if result.outcome.approval_needed:
                self._ask_officer(request, echo)
                return
            retry = result.outcome.exception_lifts and not request.override
            self.exception = (request, echo) if retry else None
            self.refresh_bindings()
            self.show_result(result, follow=choice == self._choice)
            self._load_break()
            if retry:
                offer = text("exception_offer", message=self._line(result))
                self.query_one(OutcomePanel).show(Verdict.REFUSED, offer)
            if echo is not None:
                echo.show_outcome(result.outcome.verdict, self._line(result))
            self.app.poll_ledger()  # type: ignore[attr-defined]

        def failed(error: str) -> None:
            self.pending -= 1
            self._refused(error)
            if echo is not None:
                echo.show_outcome(Verdict.REFUSED, error)

        self.pending += 1
        self.app.write(self, run, done, failed, tap=True)  # type: ignore[attr-defined]

    def _line(self, result: TapResult) -> str:
        outcome = result.outcome
        line = outcome.line
        if result.approver and not outcome.refused:
            line += text("approved_by", name=result.approver)
        return t("enroll_offer", message=line) if result.unknown_tag else line

    def show_result(self, result: TapResult, *, follow: bool = True) -> None:
        """Show a recorded tap: the big panel, the log, and the attendee it made current (unless
        the custodian has chosen someone since: ``follow`` is False)."""
        outcome = result.outcome
        line = self._line(result)
        # accepted with a remark: yellow, so it is read (the label still says 成功)
        self.query_one(OutcomePanel).show(outcome.verdict, line, remark=bool(outcome.warning))
        self.last_unknown = outcome.uid if result.unknown_tag else None
        if outcome.refused:
            self.app.bell()
        self.query_one(TapLog).add(
            local_time(outcome.at or datetime.now(UTC)), outcome.verdict, line
        )
        if result.attendee is not None and follow:
            self._set_attendee(result.attendee)
        else:
            self._count_holdings()

    def _refused(self, error: str) -> None:
        self.query_one(OutcomePanel).show(Verdict.REFUSED, error)
        self.query_one(TapLog).add(local_time(datetime.now(UTC)), Verdict.REFUSED, error)
        self.app.bell()

    def on_db_waiting(self, message: DbWaiting) -> None:
        if message.waiting and self.pending:
            self.query_one(OutcomePanel).waiting(t("db_waiting_taps", n=self.pending))

    def on_ledger_advanced(self, message: LedgerAdvanced) -> None:
        self._load_people(since=message.old)
        self._count_holdings()
        self._load_break()
