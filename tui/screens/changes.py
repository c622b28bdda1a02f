"""变更: changes during the meeting — a late attendee, a substitute (代会), copies added or
withdrawn, a new tag for a copy or pass, a void of a mistaken tap, a document's distribution plan
(分发范围) — the same services as the CLI.

Steps marked ✦ need an officer: the desk's operator when they are one, else an approver who types
their name and PIN here (authenticated like ``--approver`` on the CLI, failures recorded).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session
from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, OptionList
from textual.widgets.option_list import Option

from carrier_tracker import messages
from carrier_tracker.enums import Level, Verdict
from carrier_tracker.errors import CarrierTrackerError
from carrier_tracker.meeting.changes import (
    MAX_COPIES,
    MAX_SEQ,
    ChangeOutcome,
    NewPerson,
    add_attendee,
    add_copies,
    retag,
    substitute_attendee,
    void_event,
    withdraw_copy,
)
from carrier_tracker.meeting.distribution import Step, set_plan
from carrier_tracker.readers import TagTap

from ..app import CarrierTrackerApp
from ..taking import TakesTaps
from ..texts import t
from ..widgets.entry import Entry
from ..wording import desk_words

KINDS = ("attendee_add", "substitute", "copies_add", "withdraw", "retag", "void", "plan")
APPROVAL = ("approver", "approver_pin")
PERSON = ("code", "name", "unit", "clearance", "away", "pass_number", "pass_uid")
FIELDS: dict[str, tuple[str, ...]] = {
    "attendee_add": (*PERSON, *APPROVAL),
    "substitute": ("absent", *PERSON, "note", *APPROVAL),
    "copies_add": ("doc", "count"),
    "withdraw": ("doc", "copy", "note", *APPROVAL),
    "retag": ("old_uid", "new_uid", "note", *APPROVAL),
    "void": ("seq", "note", *APPROVAL),
    "plan": ("doc", "plan", *APPROVAL),
}
HELP = {"plan": messages.text("tui_change_help_plan", syntax=messages.text("help_plan_to"))}
"""A line above the fields explaining a kind's syntax (the CLI help's wording)."""
ALL_FIELDS = (
    "absent",
    *PERSON,
    "doc",
    "count",
    "copy",
    "plan",
    "old_uid",
    "new_uid",
    "seq",
    "note",
    *APPROVAL,
)
"""Every field's row, top to bottom: each kind's fields appear in its own order (so they read, and
Enter moves, from the first to the last; a test checks)."""
REQUIRED = frozenset(
    {
        "code",
        "absent",
        "name",
        "unit",
        "clearance",
        "doc",
        "count",
        "copy",
        "old_uid",
        "new_uid",
        "seq",
        "plan",
    }
)
LIMITS = {"count": MAX_COPIES, "copy": MAX_COPIES, "seq": MAX_SEQ}
UID_FIELDS = ("pass_uid", "old_uid", "new_uid")
RESULT_LINE = {
    Verdict.ACCEPTED: "change_done_line",
    Verdict.ALREADY: "tui_change_already_line",
    Verdict.REFUSED: "change_refused_line",
}
YES = frozenset({*messages.text("tui_yes_words").split("|"), "y", "yes", "1", "true"})


@dataclass(frozen=True)
class Form:
    """What was typed for one change."""

    kind: str
    values: dict[str, str]

    def __getitem__(self, name: str) -> str:
        return self.values.get(name, "").strip()


def _label(field: str) -> str:
    return messages.text(f"tui_field_{field}")


class ChangesScreen(TakesTaps, Screen[None]):
    """Pick a change on the left, fill in its fields, Ctrl+S to submit; the result shows below."""

    app = getters.app(CarrierTrackerApp)

    NAME = "changes"
    AUTO_FOCUS = "#kinds"
    BINDINGS = [
        Binding("ctrl+s", "submit", messages.text("tui_change_submit"), priority=True),
        Binding("escape", "app.show('desk')", t("key_back")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.kind = KINDS[0]
        self.busy = False
        self.last: ChangeOutcome | Step | None = None
        self.answers = 0
        """Results shown so far (done, refused or failed): tests wait on it."""

    def compose(self) -> ComposeResult:
        meeting = self.app.ctx.chosen_meeting
        yield Header()
        yield Label(
            messages.text("tui_changes_title", meeting=meeting.code),
            classes="screen-title",
            markup=False,
        )
        yield Label(messages.text("tui_changes_hint"), id="changes-hint", markup=False)
        with Horizontal(id="changes-body"):
            names = messages.text("tui_change_kinds").split("|")
            yield OptionList(
                *(Option(name, id=kind) for kind, name in zip(KINDS, names, strict=True)),
                id="kinds",
            )
            # Not focusable itself: Tab from the list goes straight to the first field.
            with VerticalScroll(id="change-form", can_focus=False):
                yield Label("", id="change-help", markup=False)
                for field in ALL_FIELDS:
                    with Horizontal(id=f"row-{field}", classes="change-row"):
                        yield Label(_label(field), classes="change-label", markup=False)
                        yield Entry(
                            id=f"f-{field}",
                            compact=True,
                            password=field == "approver_pin",
                        )
        yield Label("", id="change-result", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._show_fields()

    # -- the form ------------------------------------------------------------------------------

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id in FIELDS and event.option.id != self.kind:
            self.kind = event.option.id
            self._show_fields()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        first = FIELDS[self.kind][0]
        self.query_one(f"#f-{first}", Input).focus()

    def _show_fields(self) -> None:
        shown = set(FIELDS[self.kind])
        help_line = self.query_one("#change-help", Label)
        help_line.update(HELP.get(self.kind, ""))
        help_line.display = self.kind in HELP
        for field in ALL_FIELDS:
            self.query_one(f"#row-{field}").display = field in shown

    def on_input_submitted(self, event: Input.Submitted) -> None:
        fields = FIELDS[self.kind]
        name = (event.input.id or "").removeprefix("f-")
        if name == fields[-1]:
            self.action_submit()
        else:
            self.focus_next()

    def take_tap(self, tap: TagTap) -> None:
        """A tag tapped here fills the UID field in focus, else the first empty one shown."""
        shown = [f for f in UID_FIELDS if f in FIELDS[self.kind]]
        focused = getattr(self.focused, "id", "") or ""
        target = focused.removeprefix("f-") if focused.removeprefix("f-") in shown else None
        if target is None:
            target = next(
                (f for f in shown if not self.query_one(f"#f-{f}", Input).value.strip()),
                shown[0] if shown else None,
            )
        if target is not None:
            self.query_one(f"#f-{target}", Input).value = tap.uid

    def _form(self) -> Form:
        values = {f: self.query_one(f"#f-{f}", Input).value for f in FIELDS[self.kind]}
        return Form(self.kind, values)

    def _say(self, text: str, accepted: bool | None, *, answer: bool = True) -> None:
        """Show a result line: accepted (green), refused (red, bell) or neither (an "already"
        answer, or ``answer=False`` for a progress line that is no answer)."""
        if answer:
            self.answers += 1
        label = self.query_one("#change-result", Label)
        label.update(desk_words(text))
        label.set_class(accepted is True, "change-accepted")
        label.set_class(accepted is False, "change-refused")
        if accepted is False:
            self.app.bell()

    def _check(self, form: Form) -> str | None:
        """What is missing or malformed, named (nothing is sent to the database then)."""
        for field in FIELDS[form.kind]:
            if field in REQUIRED and not form[field]:
                return messages.text("tui_field_required", field=_label(field))
        for field, limit in LIMITS.items():
            if field in FIELDS[form.kind]:
                value = form[field]
                if not (value.isascii() and value.isdigit() and 1 <= int(value) <= limit):
                    return messages.text("tui_field_number", field=_label(field), value=value)
        if "clearance" in FIELDS[form.kind]:
            try:
                Level.parse(form["clearance"])
            except ValueError:
                return messages.text("clearance_bad", value=form["clearance"])
        return None

    # -- submitting ----------------------------------------------------------------------------

    def action_submit(self) -> None:
        if self.busy:
            return
        form = self._form()
        problem = self._check(form)
        if problem is not None:
            self._say(problem, False)
            return
        self.busy = True
        self._say(t("db_waiting"), None, answer=False)
        self._approve_and_send(form)

    @work(thread=True, exclusive=True, exit_on_error=False, group="changes")
    def _approve_and_send(self, form: Form) -> None:
        """Authenticate the approver (in this thread: it commits on its own), then queue the
        change on the desk's write lane."""
        approver = ""
        if form["approver"]:
            from carrier_tracker.access.operators import authenticate

            ctx = self.app.ctx
            try:
                who = authenticate(
                    engine=ctx.engine,
                    key=ctx.key,
                    name=form["approver"],
                    pin=form.values.get("approver_pin", ""),
                    station=ctx.station,
                )
            except CarrierTrackerError as e:
                self.app.call_from_thread(self._failed, t_approver(str(e)))
                return
            if not who.is_officer:
                role = messages.ROLE_LABEL[who.role.value]
                reason = messages.text("approver_not_officer", name=who.name, role=role)
                self.app.call_from_thread(self._failed, t_approver(reason))
                return
            approver = who.name
        self.app.call_from_thread(self._send, form, approver)

    def _send(self, form: Form, approver: str) -> None:
        ctx = self.app.ctx

        def run(s: Session) -> ChangeOutcome | Step:
            return apply_form(s, ctx, form, approver)

        self.app.service.write(self, run, self._done, self._failed)

    def _done(self, outcome: ChangeOutcome | Step) -> None:
        self.busy = False
        self.last = outcome
        if isinstance(outcome, Step):
            verdict, seqs = outcome.verdict, str(outcome.seq)
        else:
            verdict = Verdict.ACCEPTED if outcome.accepted else Verdict.REFUSED
            seqs = "、".join(str(s) for s in (outcome.seq, *outcome.extra_seqs))
        line = messages.text(
            RESULT_LINE[verdict], message=outcome.message, seq=outcome.seq, seqs=seqs
        )
        self._say(line, None if verdict is Verdict.ALREADY else verdict is Verdict.ACCEPTED)
        if verdict is not Verdict.REFUSED:
            self.query_one("#f-approver_pin", Input).value = ""

    def _failed(self, reason: str) -> None:
        self.busy = False
        self._say(reason, False)


def t_approver(reason: str) -> str:
    return messages.text("tui_approver_failed", reason=reason)


def apply_form(session: Session, ctx: Any, form: Form, approver: str) -> ChangeOutcome | Step:
    """Run the change a form describes (on the write lane), as the desk's operator."""
    common = {
        "session": session,
        "key": ctx.key,
        "meeting_code": ctx.code,
        "operator": ctx.operator,
        "station": ctx.station,
    }
    kind = form.kind
    if kind in ("attendee_add", "substitute"):
        person = NewPerson(
            code=form["code"],
            name=form["name"],
            unit=form["unit"],
            clearance=Level.parse(form["clearance"]),
            out_of_town=form["away"].lower() in YES,
            pass_number=form["pass_number"],
            pass_uid=form["pass_uid"],
        )
        if kind == "attendee_add":
            return add_attendee(person=person, approver=approver, **common)
        return substitute_attendee(
            absent_code=form["absent"],
            person=person,
            approver=approver,
            note=form["note"],
            **common,
        )
    if kind == "copies_add":
        return add_copies(doc_no=form["doc"], count=int(form["count"]), **common)
    if kind == "withdraw":
        return withdraw_copy(
            doc_no=form["doc"],
            copy_no=int(form["copy"]),
            note=form["note"],
            approver=approver,
            **common,
        )
    if kind == "plan":
        # Typed, never empty (the field is required): 全体 is everyone (carrier_tracker.custody.plan), so a
        # forgotten field cannot widen a plan to everyone.
        return set_plan(doc_no=form["doc"], to=form["plan"], approver=approver, **common)
    if kind == "retag":
        return retag(
            old_uid=form["old_uid"],
            new_uid=form["new_uid"],
            note=form["note"],
            approver=approver,
            **common,
        )
    return void_event(seq=int(form["seq"]), note=form["note"], approver=approver, **common)
