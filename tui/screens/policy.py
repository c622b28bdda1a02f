"""会前/会后: the meeting's 备案 and its checklists (venue, agreement, sweep), keyboard first.

↑↓ choose an item, 1/2/3 answer it 符合/不符合/不适用 (with the note typed in the note field, N),
X accepts a 不符合 answer (officer, with a note); V/A/S switch between the checklists. Every
answer is a ledger event recorded on the write lane, like a tap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label

from carrier_tracker import messages
from carrier_tracker.custody import checklists
from carrier_tracker.custody.service import find_meeting
from carrier_tracker.enums import Answer, Level, MeetingStatus, requires_filing
from carrier_tracker.meeting.policy import ItemStatus, accept_items, answer_items, checklist_status
from carrier_tracker.messages import ANSWER_LABEL, MEETING_STATUS_LABEL, local_time

from ..app import CarrierTrackerApp
from ..messages import LedgerAdvanced
from ..taking import TakesTaps
from ..texts import t
from ..widgets.entry import Entry
from ..widgets.fit_table import FitTable
from ..wording import desk_words

COLUMNS = ("item", "answer", "who", "text")
KEYS = {"1": Answer.OK, "2": Answer.FAIL, "3": Answer.NA}


@dataclass(frozen=True)
class PolicyView:
    """What the screen shows, read in one snapshot."""

    filing: str
    statuses: list[ItemStatus]


class PolicyScreen(TakesTaps, Screen[None]):
    """The filing record and one checklist at a time."""

    app = getters.app(CarrierTrackerApp)

    NAME = "policy"
    AUTO_FOCUS = "#items"
    # The answer and checklist keys are named on the screen itself (title and checklist line):
    # the footer has room for what changes, X, besides the app's own keys.
    BINDINGS = [
        Binding("escape", "app.show('desk')", t("key_back")),
        Binding("v", "checklist('venue')", t("key_venue"), show=False),
        Binding("a", "checklist('agreement')", t("key_agreement"), show=False),
        Binding("s", "checklist('sweep')", t("key_sweep"), show=False),
        Binding("1", "answer('ok')", t("key_answer_ok"), show=False),
        Binding("2", "answer('fail')", t("key_answer_fail"), show=False),
        Binding("3", "answer('na')", t("key_answer_na"), show=False),
        Binding("n", "note", t("key_note"), show=False),
        Binding("x", "accept", t("key_accept")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.defs = checklists.active()
        self.name_ = checklists.VENUE
        self.statuses: list[ItemStatus] = []
        self.pending = 0
        self.problem = ""
        """The last refusal, shown until the next action (a reload must not hide it)."""

    @property
    def checklist(self) -> checklists.Checklist:
        return self.defs[self.name_]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(t("policy_title"), classes="screen-title", markup=False)
        yield Label("", id="filing", markup=False)
        yield Label("", id="checklist-title", markup=False)
        yield FitTable(id="items")
        yield Entry(placeholder=t("policy_note_placeholder"), id="policy-note")
        yield Label("", id="policy-status", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._load()

    # -- reading ------------------------------------------------------------------------------

    def _load(self) -> None:
        meeting = self.app.ctx.chosen_meeting
        checklist = self.checklist

        def run(s: Session) -> PolicyView:
            m = find_meeting(s, meeting.code)
            return PolicyView(filing_line(m), checklist_status(s, m, checklist))

        self.app.service.read(self, run, self._show, key="policy")

    def _show(self, view: PolicyView) -> None:
        self.query_one("#filing", Label).update(view.filing)
        c = self.checklist
        self.query_one("#checklist-title", Label).update(
            t("policy_checklist", title=c.title, form=c.form)
        )
        table = self.query_one(FitTable)
        self.statuses = view.statuses
        rows = []
        for st in view.statuses:
            answer = ANSWER_LABEL[st.answer] if st.answer else messages.text("checklist_unanswered")
            # The question, then the note and an officer's acceptance: the last column wraps.
            text = st.item.text
            if st.note:
                text += "\n" + t("policy_note_line", note=st.note)
            if st.accepted_by:
                text += "\n" + t("policy_accepted", by=st.accepted_by, note=st.accept_note or "")
            rows.append(
                (
                    st.item.id,
                    [
                        st.item.label,
                        ("✓ " if st.settled else "✗ ") + answer,
                        f"{st.operator} {local_time(st.answered_at)}" if st.answered_at else "",
                        text,
                    ],
                )
            )
        table.set_data([t(f"policy_col_{key}") for key in COLUMNS], rows)
        self.refresh_bindings()
        self._status(self.problem or self._summary(), bad=bool(self.problem))

    def _summary(self) -> str:
        open_items = [st.item.label for st in self.statuses if not st.settled]
        if not open_items:
            return messages.text("checklist_settled_all", checklist=self.checklist.title)
        return t("policy_open", count=len(open_items), items="、".join(open_items))

    def _status(self, text: str, *, bad: bool = False) -> None:
        label = self.query_one("#policy-status", Label)
        label.set_class(bad, "policy-bad")
        label.update(desk_words(text))

    def on_ledger_advanced(self, _message: LedgerAdvanced) -> None:
        self._load()

    # -- actions --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide what would do nothing: the checklist on screen, X on an item with nothing to
        accept."""
        if action == "checklist":
            return parameters[0] != self.name_
        if action == "accept":
            chosen = self._selected()
            return chosen is not None and chosen.answer is Answer.FAIL and not chosen.accepted_by
        return True

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    def action_checklist(self, name: str) -> None:
        self.problem = ""
        self.name_ = name
        self.query_one(FitTable).move_cursor(row=0)
        self.refresh_bindings()
        self._load()
        self.query_one(FitTable).focus()

    def action_note(self) -> None:
        self.query_one("#policy-note", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "policy-note":
            self.query_one(FitTable).focus()  # the note waits for the answer (1/2/3) or X

    def _selected(self) -> ItemStatus | None:
        row = self.query_one(FitTable).cursor_row
        return self.statuses[row] if 0 <= row < len(self.statuses) else None

    def action_answer(self, value: str) -> None:
        chosen = self._selected()
        if chosen is None:
            return
        self.problem = ""
        ctx = self.app.ctx
        note_input = self.query_one("#policy-note", Input)
        note, checklist, answer = note_input.value.strip(), self.checklist, Answer(value)

        operator = ctx.operator  # fixed now: a lock and a new sign-in may come first

        def run(s: Session) -> list[ItemStatus]:
            return answer_items(
                session=s,
                key=ctx.key,
                meeting_code=ctx.code,
                checklist=checklist,
                answers=[(chosen.item.id, answer, note)],
                operator=operator,
                station=ctx.station,
            )

        def done(_statuses: list[ItemStatus]) -> None:
            self.pending -= 1
            self._load()

        self.pending += 1
        self.app.service.write(self, run, done, self._failed)
        # On to the next item at once (the answer is recorded in the background): a custodian
        # going down the list presses 1 1 1 … without waiting.
        note_input.value = ""
        table = self.query_one(FitTable)
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)

    def action_accept(self) -> None:
        chosen = self._selected()
        if chosen is None:
            return
        ctx = self.app.ctx
        note_input = self.query_one("#policy-note", Input)
        note, checklist = note_input.value.strip(), self.checklist
        self.problem = ""
        if not note:
            self._refuse(messages.text("tui_checklist_accept_note"))
            note_input.focus()
            return

        operator = ctx.operator  # fixed now: a lock and a new sign-in may come first

        def run(s: Session) -> list[ItemStatus]:
            return accept_items(
                session=s,
                key=ctx.key,
                meeting_code=ctx.code,
                checklist=checklist,
                item_id=chosen.item.id,
                note=note,
                operator=operator,
                station=ctx.station,
            )

        def done(_statuses: list[ItemStatus]) -> None:
            self.pending -= 1
            note_input.value = ""
            self._load()

        self.pending += 1
        self.app.service.write(self, run, done, self._failed)

    def _failed(self, error: str) -> None:
        self.pending -= 1
        self._refuse(error)

    def _refuse(self, text: str) -> None:
        self.problem = text
        self._status(text, bad=True)
        self.app.bell()

    def take_tap(self, _tap: Any) -> None:
        """Taps are for the desk: nothing is recorded here."""
        self._refuse(t("policy_no_taps"))


def filing_line(meeting: Any) -> str:
    """The 备案 as one line (or what is missing and how to file)."""
    level = Level(meeting.level)
    status = MEETING_STATUS_LABEL[MeetingStatus(meeting.status)]
    if meeting.filed_ref:
        line = t(
            "policy_filed",
            ref=meeting.filed_ref,
            date=meeting.filed_on.isoformat() if meeting.filed_on else "",
            by=meeting.filed_by or "",
            status=status,
        )
        return line + (t("policy_plan", title=meeting.plan_title) if meeting.plan_title else "")
    if requires_filing(level):
        return t("policy_not_filed", code=meeting.code, level=level.value, status=status)
    return t("policy_no_filing_needed", status=status)
