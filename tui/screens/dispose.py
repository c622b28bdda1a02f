"""处置: recovered copies archived, destroyed before a witness, or returned, one tap each."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlmodel import Session
from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import Footer, Header, Input, Label, RadioButton, RadioSet, Select

from carrier_tracker.custody.service import find_meeting
from carrier_tracker.enums import DestroyMethod, Disposal, PlaceKind, Verdict
from carrier_tracker.errors import CarrierTrackerError
from carrier_tracker.meeting.disposition import (
    Ask,
    DisposeOutcome,
    check_ask,
    dispose,
    disposition_status,
)
from carrier_tracker.meeting.places import place_names
from carrier_tracker.messages import local_time
from carrier_tracker.readers import TagTap

from ..app import CarrierTrackerApp
from ..messages import LedgerAdvanced
from ..taking import TakesTaps
from ..texts import t
from ..widgets.banners import OutcomePanel
from ..widgets.entry import Entry
from ..widgets.reader_status import ReaderHelp, ReaderStatusBar
from ..widgets.tap_entry import TapEntry
from ..widgets.tap_log import TapLog

FIELDS: dict[Disposal, tuple[str, ...]] = {
    Disposal.ARCHIVE: ("#dispose-location",),
    Disposal.DESTROY: ("#dispose-method", "#dispose-witness", "#dispose-pin"),
    Disposal.RETURN: ("#dispose-unit",),
}
"""The fields each kind of disposition is filled in with (the others are hidden)."""
KINDS = (Disposal.ARCHIVE, Disposal.DESTROY, Disposal.RETURN)


@dataclass(frozen=True)
class Counts:
    """What the screen's counts line says, read from ``status --disposition``'s function."""

    waiting: int
    not_back: int
    archived: int
    destroyed: int
    returned: int


@dataclass(frozen=True)
class Places:
    """The registered archives and the units a copy may go back to (suggested as typed)."""

    archives: list[str]
    units: list[str]
    organizer: str


def read_counts(session: Session, code: str) -> Counts:
    """待处置 and what was done, for the whole meeting (any desk, the command line)."""
    data = disposition_status(session, code)
    done = data["disposed"]
    return Counts(
        data["waiting_total"],
        data["not_back"],
        done[Disposal.ARCHIVE.value],
        done[Disposal.DESTROY.value],
        done[Disposal.RETURN.value],
    )


def read_places(session: Session, code: str) -> Places:
    """The places the fields suggest: registered archives; the organizer and registered units."""
    organizer = find_meeting(session, code).organizer or ""
    units = place_names(session, PlaceKind.UNIT)
    return Places(
        place_names(session, PlaceKind.ARCHIVE),
        [organizer, *[u for u in units if u != organizer]] if organizer else units,
        organizer,
    )


class DisposeScreen(TakesTaps, Screen[None]):
    """Choose 归档, 销毁 or 退回 and fill in its fields, then tap copies one by one: each tap is
    one disposition (one transaction), shown big and listed; 待处置 counts down."""

    app = getters.app(CarrierTrackerApp)
    NAME = "dispose"
    RECORDS = True
    AUTO_FOCUS = "#dispose-kind"
    BINDINGS = [Binding("escape", "app.show('desk')", t("key_back"))]

    def __init__(self) -> None:
        super().__init__()
        self.kind = Disposal.ARCHIVE
        self.confirmed: str | None = None
        """The witness whose PIN was checked here (until the witness's name changes)."""
        self.held: list[Ask] = []
        """Destructions tapped while the witness's PIN is being checked (recorded after it)."""
        self.checking = False
        self.pending = 0
        """Dispositions sent to the write lane whose outcome has not come back."""
        self.disposed = 0
        """Copies disposed of on this screen since it opened."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            yield Label(t("dispose_title"), id="dispose-title", classes="screen-title")
            yield ReaderStatusBar(id="reader")
        yield ReaderHelp(id="reader-help")
        with Horizontal(id="dispose-form"):
            with RadioSet(id="dispose-kind"):
                for kind in KINDS:
                    yield RadioButton(
                        t(f"dispose_kind_{kind.value}"),
                        value=kind is self.kind,
                        id=f"kind-{kind.value}",
                    )
            yield Entry(placeholder=t("dispose_location_placeholder"), id="dispose-location")
            yield Select(
                [(m.value, m.value) for m in DestroyMethod],
                prompt=t("dispose_method_prompt"),
                id="dispose-method",
            )
            yield Entry(placeholder=t("dispose_witness_placeholder"), id="dispose-witness")
            yield Entry(placeholder=t("dispose_pin_placeholder"), password=True, id="dispose-pin")
            yield Entry(placeholder=t("dispose_unit_placeholder"), id="dispose-unit")
        yield Label(t("dispose_counts_reading"), id="dispose-counts", markup=False)
        yield OutcomePanel(
            t("dispose_prompt_kind", kind=t(f"dispose_kind_{self.kind.value}")),
            id="dispose-outcome",
        )
        with Horizontal(id="body"):
            with Vertical(id="dispose-list"):
                yield Label(t("dispose_list_title"), classes="tap-title", markup=False)
                yield TapLog(id="dispose-log")
            yield TapEntry(self.app.tray_items, id="tap")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.app.show_reader(self)
        self._show_fields()
        self._load_counts()
        code = self.app.ctx.code
        self.app.service.read(self, lambda s: read_places(s, code), self._places, key="places")

    # -- reads ---------------------------------------------------------------------------------

    def _places(self, places: Places) -> None:
        location = self.query_one("#dispose-location", Input)
        location.suggester = SuggestFromList(places.archives)
        if places.archives:
            location.tooltip = t("dispose_known_archives", known="、".join(places.archives))
        unit = self.query_one("#dispose-unit", Input)
        unit.suggester = SuggestFromList(places.units)
        unit.tooltip = t("dispose_known_units", known="、".join(places.units))
        if not unit.value and places.organizer:
            unit.value = places.organizer  # the usual issuing unit: the meeting's organizer

    def _load_counts(self) -> None:
        code = self.app.ctx.code
        self.app.service.read(self, lambda s: read_counts(s, code), self._counts, key="counts")

    def _counts(self, c: Counts) -> None:
        self.query_one("#dispose-counts", Label).update(
            t(
                "dispose_counts",
                waiting=c.waiting,
                archived=c.archived,
                destroyed=c.destroyed,
                returned=c.returned,
                not_back=c.not_back,
                here=self.disposed,
            )
        )

    def on_ledger_advanced(self, _message: LedgerAdvanced) -> None:
        self._load_counts()  # a disposition at another desk or on the command line too

    # -- the form ------------------------------------------------------------------------------

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.kind = KINDS[event.index]
        self._show_fields()
        kind = t(f"dispose_kind_{self.kind.value}")
        self.query_one(OutcomePanel).hint(t("dispose_prompt_kind", kind=kind))
        self._focus_empty()

    def _show_fields(self) -> None:
        shown = FIELDS[self.kind]
        for fields in FIELDS.values():
            for field in fields:
                self.query_one(field).display = field in shown

    def _focus_empty(self) -> None:
        """The cursor in the kind's first empty field; all filled: back to tapping."""
        for field in FIELDS[self.kind]:
            if field == "#dispose-method":
                if self.query_one(field, Select).is_blank():
                    self.query_one(field).focus()
                    return
            elif field == "#dispose-pin":
                if not self._witness_ready() and not self._value(field):
                    self.query_one(field).focus()
                    return
            elif not self._value(field):
                self.query_one(field).focus()
                return
        self.app.action_focus_tap_entry()

    def _value(self, field: str) -> str:
        return self.query_one(field, Input).value.strip()

    def _witness_ready(self) -> bool:
        """No PIN is needed: this witness confirmed here already, or is the operator (whom the
        disposition itself refuses as a witness, recorded, as on the command line)."""
        name = self._value("#dispose-witness")
        return bool(name) and name in (self.confirmed, self.app.ctx.operator)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "dispose-witness" and event.value.strip() != self.confirmed:
            self.confirmed = None
            self.query_one("#dispose-pin", Input).placeholder = t("dispose_pin_placeholder")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        field = event.input.id
        if (
            field == "dispose-pin"
            and event.value
            and self._value("#dispose-witness")
            and not self.checking
        ):
            self._check_witness(None)
            return
        if field in ("dispose-location", "dispose-witness", "dispose-unit", "dispose-pin"):
            self._focus_empty()

    def on_select_changed(self, _event: Select.Changed) -> None:
        if self.kind is Disposal.DESTROY and self.query_one("#dispose-method").has_focus_within:
            self.call_later(self._focus_empty)

    # -- taps ------------------------------------------------------------------------------------

    def take_tap(self, tap: TagTap) -> None:
        """One copy, disposed of as the form says (read now, at tap time)."""
        ask = self._ask(tap.uid)
        if ask is None:
            return
        if self.kind is Disposal.DESTROY and not self._witness_ready():
            if not self.checking and not self._value("#dispose-pin"):
                name = self._value("#dispose-witness")
                self._unrecorded(t("dispose_pin_needed", name=name), "#dispose-pin")
                return
            self._check_witness(ask)
            return
        self._record(ask)

    def _ask(self, uid: str) -> Ask | None:
        """The disposition the form asks for, with this tag; None (said, nothing recorded) when
        a field is missing or malformed."""
        kind = self.kind
        missing = next(
            (
                f
                for f in FIELDS[kind]
                if f not in ("#dispose-method", "#dispose-pin") and not self._value(f)
            ),
            None,
        )
        method = self.query_one("#dispose-method", Select)
        if kind is Disposal.DESTROY and method.is_blank():
            missing = "#dispose-method"
        if missing is not None:
            self._unrecorded(t(f"dispose_missing_{missing.removeprefix('#dispose-')}"), missing)
            return None
        witness = self._value("#dispose-witness")
        try:
            return check_ask(
                Ask(
                    kind=kind,
                    uids=(uid,),
                    location=self._value("#dispose-location") if kind is Disposal.ARCHIVE else "",
                    method=str(method.value) if kind is Disposal.DESTROY else "",
                    unit=self._value("#dispose-unit") if kind is Disposal.RETURN else "",
                    witnesses=(witness,) if kind is Disposal.DESTROY else (),
                )
            )
        except CarrierTrackerError as e:
            self._unrecorded(str(e), None)
            return None

    def _unrecorded(self, message: str, field: str | None) -> None:
        """Refused here, before anything is recorded: the panel says why (and that nothing was
        recorded), the cursor goes to the field to fill."""
        self.app.bell()
        self._show(Verdict.REFUSED, t("dispose_unrecorded", message=message))
        if field is not None:
            self.query_one(field).focus()

    def _show(self, verdict: Verdict, message: str) -> None:
        """The big panel and a line of the screen's list (newest first)."""
        self.query_one(OutcomePanel).show(verdict, message)
        self.query_one(TapLog).add(local_time(datetime.now(UTC)), verdict, message)

    # -- the witness ------------------------------------------------------------------------------

    def _check_witness(self, ask: Ask | None) -> None:
        """Check the witness's PIN once (then their name stands for this screen); destructions
        tapped meanwhile wait for it."""
        if ask is not None:
            self.held.append(ask)
        if self.checking:
            return
        self.checking = True
        name, pin = self._value("#dispose-witness"), self.query_one("#dispose-pin", Input).value
        self.query_one(OutcomePanel).hint(t("dispose_checking", name=name))
        self._authenticate(name, pin)

    @work(thread=True, exclusive=True, exit_on_error=False, group="witness")
    def _authenticate(self, name: str, pin: str) -> None:
        """The same check as ``dispose --witness`` (argon2 takes a while: never on the event loop,
        never inside the write lane's transaction: a wrong PIN is recorded in its own)."""
        from carrier_tracker.access.operators import authenticate

        ctx = self.app.ctx
        try:
            authenticate(engine=ctx.engine, key=ctx.key, name=name, pin=pin, station=ctx.station)
        except CarrierTrackerError as e:
            self.app.call_from_thread(self._witness_failed, str(e))
            return
        self.app.call_from_thread(self._witness_ok, name)

    def _witness_ok(self, name: str) -> None:
        self.checking = False
        self.query_one("#dispose-pin", Input).value = ""
        if self._value("#dispose-witness") == name:
            self.confirmed = name
            self.query_one("#dispose-pin", Input).placeholder = t("dispose_pin_confirmed")
        held, self.held = self.held, []
        self.query_one(OutcomePanel).hint(t("dispose_witness_ok", name=name))
        for ask in held:  # the name the PIN was checked for, whatever the field says now
            self._record(replace(ask, witnesses=(name,)))
        if not held:
            self._focus_empty()

    def _witness_failed(self, error: str) -> None:
        self.checking = False
        self.query_one("#dispose-pin", Input).value = ""
        held, self.held = self.held, []
        for _ in range(max(len(held), 1)):  # each destruction tapped meanwhile, or the Enter
            self._unrecorded(error, "#dispose-pin")

    # -- recording -------------------------------------------------------------------------------

    def _record(self, ask: Ask) -> None:
        """One disposition, in its own transaction on the write lane, as the operator now."""
        ctx = self.app.ctx
        operator = ctx.operator
        self.pending += 1

        def run(s: Session) -> DisposeOutcome:
            return dispose(
                session=s,
                key=ctx.key,
                meeting_code=ctx.code,
                ask=ask,
                operator=operator,
                station=ctx.station,
            )

        self.app.service.write(self, run, self._recorded, self._failed)

    def _recorded(self, outcome: DisposeOutcome) -> None:
        self.pending -= 1
        if outcome.refused:
            self.app.bell()
            self._show(Verdict.REFUSED, outcome.message)
        else:
            self.disposed += outcome.count
            self._show(Verdict.ACCEPTED, outcome.message)
        self._load_counts()
        self.app.poll_ledger()

    def _failed(self, error: str) -> None:
        """Bad input the core named before recording (a tag of no copy here, a pass), or the
        database failed, or an auditor: nothing recorded."""
        self.pending -= 1
        self._unrecorded(error, None)
