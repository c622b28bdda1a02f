"""The App: wiring, the reader worker, the database lanes, the ledger poll, screen switching.
``make_app`` builds it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session
from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.widgets import Header, Static

from carrier_tracker.access.operators import Authenticated
from carrier_tracker.config import load_settings, lock_after_minutes, make_private_dir
from carrier_tracker.custody.service import find_meeting
from carrier_tracker.enums import Level, MeetingKind, MeetingStatus, Verdict
from carrier_tracker.ledger import keyring
from carrier_tracker.messages import text
from carrier_tracker.readers import Reader, ReaderError, ReaderStatus, TagTap, open_reader
from carrier_tracker.readers.base import DEFAULT_DEBOUNCE
from carrier_tracker.readers.sim import SimReader
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Meeting
from carrier_tracker.storage.queries import newest_seq

from .context import DeskContext
from .jobs import DeskJobs, result_lines
from .keys import KeyOrder
from .lanes import Job, Lane
from .messages import (
    DbWaiting,
    JobDone,
    LedgerAdvanced,
    ReaderStatusChanged,
    ReadRepeated,
    TapArrived,
)
from .navigation import app_bindings
from .service import DeskService
from .taking import TakesTaps
from .texts import t
from .widgets.header_title import HEADER_SIDES, fit_title
from .widgets.reader_status import ReaderHelp, ReaderStatusBar, open_failure, runtime_fix
from .widgets.tap_entry import TapEntry
from .wording import desk_words

if TYPE_CHECKING:
    from .screens.desk import DeskScreen

POLL_SECONDS = 1.0
WAITING_AFTER = 0.4  # a write that takes longer than this shows 等待数据库…
READER_RETRY = 5.0

SCREENS = (
    "desk",
    "reconcile",
    "enroll",
    "courier",
    "copies",
    "audit",
    "changes",
    "dispose",
    "policy",
)
CLOSED_HIDES = frozenset({"enroll", "courier", "changes"})
"""Screens of a meeting that closed (their steps would all be refused): not offered."""
IDLE_CHECK_SECONDS = 1.0
LIFT_AFTER = 0.2
"""Seconds a tag laid from the demo's tray stays on the simulated reader."""


class CarrierTrackerApp(App[None]):
    """The desk application."""

    CSS_PATH = "app.tcss"
    TITLE = t("app_title")
    ENABLE_COMMAND_PALETTE = True
    # priority: these win over a focused Input's Emacs-style keys (ctrl+d/e/k edit text there);
    # at a desk, getting to a screen matters more (Home/End/Delete still edit). check_action hides
    # each one where it would do nothing (no meeting yet, a dialog open, already on that screen).
    BINDINGS = [
        Binding("ctrl+d", "show('desk')", t("key_desk"), priority=True),
        *app_bindings(),
        Binding(
            "ctrl+g", "focus_tap_entry", t("key_tap_entry"), show=False, priority=True
        ),  # named on the entry
        # Not in the footer (it is full at 100 columns): the operator badge, top right, names it.
        Binding("ctrl+x", "lock", text("key_lock"), show=False, priority=True),
        Binding("ctrl+q", "quit", t("key_quit"), priority=True),
        Binding("ctrl+p", "command_palette", t("key_palette"), show=False, priority=True),
    ]

    def __init__(
        self,
        ctx: DeskContext,
        reader_spec: str,
        *,
        tray: list[tuple[str, str]] | None = None,
        debounce: float = DEFAULT_DEBOUNCE,
        notice: str = "",
        signed_in: Authenticated | None = None,
        login_hint: str = "",
        lock_after: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """Args:
        ctx: the desk's database, key, station, meeting; ``ctx.operator`` pre-fills the login.
        reader_spec: the reader.
        tray: the demo's tag tray.
        debounce: the reader's debounce.
        signed_in: an operator the caller already authenticated (tests): no login screen.
        login_hint: text shown under the login form (the demo lists its operators).
        lock_after: idle seconds before the desk locks (0: never on idle; Ctrl+X always locks).
        clock: the idle clock (tests inject one).
        now: the wall clock of authentications (lockout expiry; tests inject one).
        """
        super().__init__()
        self.notice = notice
        """Said on screen when the desk opens (the demo: what it did before the first tap)."""
        self.signed_in_as = signed_in
        self.login_hint = login_hint
        self.lock_after = lock_after
        self.clock = clock
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self.last_activity = clock()
        self.locked = signed_in is None
        self._started = False
        self.debounce = debounce
        self.ctx = ctx
        self.reader_spec = reader_spec
        self.tray_items = tray
        self.reader: Reader | None = None
        self.reader_status = ReaderStatus(False, reader_spec, "")
        self.reader_fix = ""
        self.reader_known = (
            False  # until the reader's thread reports: 启动中, neither green nor red
        )
        self._stop = threading.Event()
        self.last_seq = 0
        self._desk: DeskScreen | None = None
        self.last_export: Path | None = None
        self.jobs = DeskJobs(self, ctx, written=self._exported)
        self.writes = Lane("write", ctx.session, self.post_message, ctx.tap)
        self.reads = Lane("read", ctx.read, self.post_message)
        self.service = DeskService(self, ctx, self.writes, self.reads)
        """Every screen's way to the database, the ledger and an officer's approval."""
        self._waiting = False
        self.key_order = KeyOrder(self)
        self._tray_labels: dict[str, str] | None = None
        """The demo tray's labels by UID (made when the reader first drops a re-read)."""

    # -- lifecycle -------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.run_worker(
            lambda: self.writes.loop(self._stop), thread=True, group="db-write", exit_on_error=False
        )
        self.run_worker(
            lambda: self.reads.loop(self._stop), thread=True, group="db-read", exit_on_error=False
        )
        self.run_reader()  # opens the reader on its thread: a failure there is 离线, never a crash
        self.set_interval(POLL_SECONDS, self.poll_ledger)
        self.set_interval(0.2, self._watch_lanes)
        self.set_interval(IDLE_CHECK_SECONDS, self.lock_if_idle)
        if self.signed_in_as is not None:
            self.sign_in(self.signed_in_as)
        else:
            from .screens.login import LoginScreen

            login = LoginScreen(name=self.ctx.operator, hint=self.login_hint)
            self.push_screen(login, callback=self.sign_in)

    def _start(self) -> None:
        """After the first sign-in: the meeting picker or the desk."""
        if self.ctx.meeting is None:
            from .screens.picker import MeetingPicker

            self.push_screen(MeetingPicker(), callback=lambda _=None: self.open_desk())
        else:
            self.open_desk()

    # -- operators: sign in, lock ----------------------------------------------------------------

    def sign_in(self, who: Authenticated | None) -> None:
        """An operator signed in (first, or again after a lock): the desk is theirs from now on."""
        if who is None:
            return
        self.ctx.operator, self.ctx.role = who.name, who.role
        self.signed_in_as, self.locked = who, False
        self.last_activity = self.clock()
        self.sub_title = self._sub_title()
        from .widgets.operator_badge import OperatorBadge

        for screen in self.screen_stack:
            for badge in screen.query(OperatorBadge):
                badge.show(who)
        if not self._started:
            self._started = True
            self._start()
        self.refresh_bindings()

    def action_lock(self) -> None:
        """Lock the desk (Ctrl+X or idle): back to the login. Dialogs on top are cancelled (nothing
        they would have done is done); queued taps are still recorded and shown."""
        from .screens.login import LoginScreen

        if self.locked or self.signed_in_as is None:
            return
        self.locked = True
        self.sub_title = self._sub_title()
        while isinstance(self.screen, ModalScreen):
            self.screen.dismiss(None)
        self._withdraw_exception()
        previous = self.signed_in_as.name
        self.push_screen(
            LoginScreen(name="", hint=self.login_hint, locked_by=previous), callback=self.sign_in
        )

    def _withdraw_exception(self) -> None:
        """The last refusal's Ctrl+Y offer ends with the operator it was shown to: whoever signs
        in next taps again (else their officer's approval would record a step someone else
        tapped, in their name)."""
        from .widgets.banners import OutcomePanel

        self.service.exception = None
        for screen in self.screen_stack:
            for panel in screen.query(OutcomePanel):
                panel.withdraw_offer()
            screen.refresh_bindings()

    def lock_if_idle(self) -> None:
        """Lock when nobody has pressed a key, clicked or tapped for ``lock_after`` seconds."""
        idle = self.clock() - self.last_activity
        if self.lock_after > 0 and not self.locked and idle >= self.lock_after:
            self.action_lock()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown)):
            self.last_activity = self.clock()
        if isinstance(event, events.Key) and not event.is_forwarded:
            await self.key_order.take(event)  # in order, each to the end (tui/keys.py)
            return
        await super().on_event(event)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A notice in the desk's words (no command-line flags); never markup (texts hold data)."""
        super().notify(
            desk_words(message), title=title, severity=severity, timeout=timeout, markup=markup
        )

    def action_help_quit(self) -> None:
        """Ctrl+C: how to quit (Textual says it in English)."""
        self.notify(t("quit_hint"), timeout=5)

    def open_desk(self) -> None:
        meeting = self.ctx.meeting
        assert meeting is not None
        self.title = meeting.title
        self.sub_title = self._sub_title()
        self.action_show("desk")
        self.refresh_bindings()
        if self.notice:
            self.notify(self.notice, timeout=15)

        def seq(s: Session) -> tuple[int, str]:
            fresh = s.get(Meeting, meeting.id)  # it may have closed while the desk was starting
            return newest_seq(s, meeting), fresh.status if fresh is not None else meeting.status

        def got(read: tuple[int, str]) -> None:
            value, status = read
            self.last_seq = max(self.last_seq, value)
            self._status_read(status)

        self.reads.submit(Job(seq, got, self))

    def _sub_title(self) -> str:
        meeting = self.ctx.meeting
        if meeting is None:
            return ""
        base = t(
            "sub_title",
            code=meeting.code,
            marking=Level(meeting.level).marking,
            station=self.ctx.station,
            operator=self.ctx.operator if not self.locked else "—",
        )
        return f"{base}  · {t('db_waiting')}" if self._waiting else base

    def format_title(self, title: str, sub_title: str) -> Content:
        """The header line; a long meeting title is shortened so the sub-title stays whole."""
        return super().format_title(
            fit_title(title, sub_title, self.size.width - HEADER_SIDES), sub_title
        )

    def on_resize(self, event: events.Resize) -> None:
        """Refit every header to the new width (Textual redraws it only when a title changes).
        Later, not now: this handler runs before App's own, which records the new size."""
        self.call_later(self._refit_headers)

    def _refit_headers(self) -> None:
        for screen in self.screen_stack:
            for header in screen.query(Header):
                header.query_one("HeaderTitle", Static).update(header.format_title())

    def on_unmount(self) -> None:
        self._stop.set()
        if self.reader is not None:
            self.reader.close()

    # -- the reader ------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="reader")
    def run_reader(self) -> None:
        """Open the reader and run its blocking loop in a thread; talks back only by post_message.

        A reader that cannot be opened (library missing, bad spec) or that fails later is reported
        as 离线 with the reason and the fix; the desk keeps working with typed UIDs.
        """
        spec = self.reader_spec

        def on_status(status: ReaderStatus) -> None:  # called on the reader's thread
            self.post_message(
                ReaderStatusChanged(status, "" if status.online else runtime_fix(spec))
            )

        def on_repeat(uid: str) -> None:  # called on the reader's thread
            self.post_message(ReadRepeated(uid))

        while not self._stop.is_set():
            try:
                reader = open_reader(
                    spec, debounce=self.debounce, on_status=on_status, on_repeat=on_repeat
                )
            except ReaderError as e:
                status, fix = open_failure(spec, e)
                self.post_message(ReaderStatusChanged(status, fix))
                return  # nothing changes by retrying: the fix needs a person
            self.reader = reader
            self.post_message(
                ReaderStatusChanged(
                    reader.status, "" if reader.status.online else runtime_fix(spec)
                )
            )
            try:
                for tap in reader.taps(self._stop):
                    self.post_message(TapArrived(tap))
                return
            except Exception as e:  # a backend bug or a device error it did not handle: retry
                reason = t("reader_crashed", reason=e, seconds=int(READER_RETRY))
                self.post_message(
                    ReaderStatusChanged(ReaderStatus(False, spec, reason), runtime_fix(spec))
                )
                reader.close()
                self._stop.wait(READER_RETRY)

    def on_reader_status_changed(self, message: ReaderStatusChanged) -> None:
        was_online = self.reader_status.online
        self.reader_status, self.reader_fix, self.reader_known = message.status, message.fix, True
        for screen in self.screen_stack:
            self.show_reader(screen)
        if not message.status.online and (was_online or message.status.detail):
            self.bell()
            self.notify(
                t("reader_notify", reason=message.status.detail), severity="error", timeout=5
            )

    def show_reader(self, screen: Screen[Any]) -> None:
        """Put the reader's status (and, offline, the reason and fix) on a screen."""
        for bar in screen.query(ReaderStatusBar):
            bar.show(self.reader_status, starting=not self.reader_known)
        for help_ in screen.query(ReaderHelp):
            help_.show(self.reader_status, self.reader_fix, starting=not self.reader_known)

    # -- taps ------------------------------------------------------------------------------------

    def on_tap_arrived(self, message: TapArrived) -> None:
        """Hand the tap to the topmost screen that takes taps (a dialog on top does not lose it)."""
        if self.ctx.meeting is None:
            return
        self.last_activity = self.clock()
        for screen in reversed(self.screen_stack):
            taker = screen if isinstance(screen, TakesTaps) else None
            if taker is None:
                continue
            if self.ctx.is_auditor and taker.RECORDS:
                self._auditor_tapped(screen)
            else:
                taker.take_tap(message.tap)
            break
        self.key_order.tap_taken()

    def _auditor_tapped(self, screen: Screen[Any]) -> None:
        """An auditor's tap on a screen that records: refused here, never recorded."""
        from .widgets.banners import OutcomePanel

        message = text("auditor_no_taps", name=self.ctx.operator)
        panels = list(screen.query(OutcomePanel))
        for panel in panels:
            panel.show(Verdict.REFUSED, message)
        if not panels:
            self.notify(message, severity="error", timeout=5)
        self.bell()

    def on_tap_entry_tapped(self, message: TapEntry.Tapped) -> None:
        """The tap entry: the demo's tray lays the tag on the simulated reader; a typed UID is a tap."""
        if message.via_tray and self.simulate_tap(message.uid):
            return  # a tap comes from the reader, or (a re-read it drops) ReadRepeated
        now = datetime.now(UTC)
        self.post_message(
            TapArrived(
                TagTap(
                    uid=message.uid,
                    reader_id=t("manual_reader"),
                    monotonic=time.monotonic(),
                    at=now,
                )
            )
        )

    def on_read_repeated(self, message: ReadRepeated) -> None:
        """The reader dropped a re-read: said under the tap entry (or, with none on screen, in a
        notice), else a tag laid again seems lost. Only the reader's debounce knows when the tag
        left (the demo tray lifts it on a timer, late on a busy host), so it alone decides."""
        if self._tray_labels is None:
            self._tray_labels = {uid: label for label, uid in self.tray_items or []}
        label = self._tray_labels.get(message.uid, message.uid)
        said = t("tray_reread", label=label, seconds=self.debounce)
        entries = list(self.screen.query(TapEntry))
        for entry in entries:
            entry.say(said, for_seconds=self.debounce + 1.0)  # it is no longer so after that
        if not entries:
            self.notify(said, timeout=5)
        self.key_order.tap_taken()  # no tap will come of it

    def on_tap_entry_missed(self, _message: TapEntry.Missed) -> None:
        """Enter in the tap entry matched no tag: no tap will come."""
        self.key_order.tap_taken()

    def simulate_tap(self, uid: str) -> bool:
        """Lay a tag on the simulated reader and lift it (the demo tray); False without one."""
        reader = self.reader
        if not isinstance(reader, SimReader):
            return False
        reader.present(uid)
        self.set_timer(LIFT_AFTER, reader.remove)
        return True

    # -- database lanes --------------------------------------------------------------------------

    def on_job_done(self, message: JobDone) -> None:
        job = message.job
        if not job.owner.is_attached:
            return
        if message.error is None:
            job.done(message.value)
        elif job.failed is not None:
            job.failed(message.error)
        else:
            self.notify(message.error, severity="error", timeout=8)

    def _watch_lanes(self) -> None:
        waiting = self.writes.waited() > WAITING_AFTER or self.reads.waited() > WAITING_AFTER
        if waiting != self._waiting:
            self._waiting = waiting
            self.sub_title = self._sub_title()
            for screen in self.screen_stack:
                screen.post_message(DbWaiting(waiting))

    def poll_ledger(self) -> None:
        """Look for events newer than the last seen (this desk's or another's), off the event loop."""
        meeting = self.ctx.meeting
        if meeting is None or self.reads.queued("poll"):
            return

        last = self.last_seq

        def seq(s: Session) -> tuple[int, str]:
            newest = newest_seq(s, meeting)
            fresh = s.get(Meeting, meeting.id) if newest != last else None
            return newest, fresh.status if fresh is not None else meeting.status

        def got(read: tuple[int, str]) -> None:
            newest, status = read
            self._status_read(status)
            if newest != self.last_seq:
                old, self.last_seq = self.last_seq, newest
                for screen in self.screen_stack:
                    screen.post_message(LedgerAdvanced(old, newest))

        self.reads.submit(Job(seq, got, self, None, "poll"))

    def _status_read(self, status: str) -> None:
        """The meeting's status as just read: a close (here, at another desk, or while this desk
        was starting) turns the desk to 找回 at once and every screen shows it."""
        meeting = self.ctx.meeting
        if meeting is None or status == meeting.status:
            return
        meeting.status = status
        if self.meeting_closed:
            self.service.meeting_closed()
            for screen in self.screen_stack:
                screen.post_message(LedgerAdvanced.redraw(self.last_seq))
        self.refresh_bindings()

    # -- screens ---------------------------------------------------------------------------------

    @property
    def desk(self) -> DeskScreen:
        """The desk screen (made once; it stays at the bottom of the stack)."""
        from .screens.desk import DeskScreen

        if self._desk is None:
            self._desk = DeskScreen()
        return self._desk

    def _make(self, name: str) -> Screen[None]:
        from .screens.audit import AuditScreen
        from .screens.changes import ChangesScreen
        from .screens.copies import CopiesScreen
        from .screens.courier import CourierScreen
        from .screens.dispose import DisposeScreen
        from .screens.enroll import EnrollScreen
        from .screens.policy import PolicyScreen
        from .screens.reconcile import ReconcileScreen

        screens: dict[str, type[Screen[None]]] = {
            "reconcile": ReconcileScreen,
            "enroll": EnrollScreen,
            "courier": CourierScreen,
            "copies": CopiesScreen,
            "audit": AuditScreen,
            "changes": ChangesScreen,
            "dispose": DisposeScreen,
            "policy": PolicyScreen,
        }
        return screens[name]()

    @property
    def meeting_closed(self) -> bool:
        """The desk's meeting is closed: only a find (找回), the views and the export still work."""
        meeting = self.ctx.meeting
        return meeting is not None and meeting.status == MeetingStatus.CLOSED

    @property
    def meeting_is_trip(self) -> bool:
        """The desk's meeting is a trip (外出携带): only its modes (发放, 会后清退, 挂失, 找回) apply."""
        meeting = self.ctx.meeting
        return meeting is not None and meeting.kind == MeetingKind.TRIP

    def current(self) -> str | None:
        """The name of the screen on top (None for a dialog or the picker)."""
        return getattr(self.screen, "NAME", None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide keys that would do nothing here, so the footer lists only keys that work."""
        if action in ("quit", "focus_next", "focus_previous"):
            return True  # Tab and Shift+Tab move between fields everywhere, login and dialogs too
        if action == "command_palette":
            return not self.locked  # its commands would lead past the login
        if action == "lock":
            return not self.locked and self.signed_in_as is not None
        if self.locked:
            return False
        if self.ctx.meeting is None or isinstance(self.screen, ModalScreen):
            return False
        if action == "show":
            if self.meeting_closed and parameters[0] in CLOSED_HIDES:
                return False
            return parameters[0] != self.current()
        if action == "focus_tap_entry":
            return bool(self.screen.query(TapEntry))
        return True

    def action_show(self, name: str) -> None:
        """Bring a screen to the top (the desk stays at the bottom of the stack)."""
        if self.ctx.meeting is None or self.locked:
            return
        if name == "desk":
            if self.desk not in self.screen_stack:
                self.push_screen(self.desk)
            while self.screen is not self.desk:
                self.pop_screen()
            return
        while self.screen is not self.desk and len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(self._make(name))

    def action_focus_tap_entry(self) -> None:
        for entry in self.screen.query(TapEntry):
            entry.focus_input()

    def desk_commands(self) -> list[SystemCommand]:
        """The command palette's commands (Ctrl+P): the desk's own, in Chinese, each one that works
        here and now (Textual's own commands, in English and some failing, are not offered)."""
        if self.locked:
            return []
        commands = []
        if self.signed_in_as is not None:
            commands.append(
                SystemCommand(text("key_lock"), text("cmd_lock_help"), self.action_lock)
            )
        if self.ctx.meeting is not None:
            for name in SCREENS:
                if name != self.current() and self.check_action("show", (name,)) is not False:
                    commands.append(
                        SystemCommand(
                            t(f"title_{name}"), t(f"cmd_{name}"), lambda n=name: self.action_show(n)
                        )
                    )
            commands.append(
                SystemCommand(t("cmd_export"), t("cmd_export_help"), self.action_export)
            )
        commands.append(SystemCommand(t("key_quit"), t("cmd_quit_help"), self.exit))
        return commands

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Only the desk's commands, wherever Textual asks for the palette's."""
        return self.desk_commands()

    def action_command_palette(self) -> None:
        """Ctrl+P: the desk's commands, searchable, in Chinese."""
        from .screens.commands import CommandsDialog

        if self.locked or isinstance(self.screen, CommandsDialog):
            return
        self.push_screen(CommandsDialog(self.desk_commands()))

    # -- export ------------------------------------------------------------------------------

    def action_export(self) -> None:
        """Ask what to write (the 保密办 workbook, marked as a snapshot while open, or the signed
        forms) and where (a free name proposed; an existing file replaced only when confirmed),
        then write it in a child process (tui/jobs.py); while one runs, show it with the key that
        stops it."""
        from carrier_tracker.cli.jobs import EXPORT, FORMS

        from .screens.export_dialog import ExportChoice, ExportDialog, JobDialog, unused_path

        if self.ctx.meeting is None or self.locked:
            return
        if self.jobs.running is not None:
            self.push_screen(JobDialog(self.jobs))
            return
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        folder = self.ctx.export_dir or Path.home()
        try:
            make_private_dir(folder)  # the user data directory, never the current one
        except OSError:
            folder = Path.home()
        code = self.ctx.meeting.code
        defaults = {
            EXPORT: unused_path(folder / t("export_file", code=code, stamp=stamp)),
            FORMS: unused_path(folder / t("forms_file", code=code, stamp=stamp)),
        }
        last = result_lines(self.jobs.last) if self.jobs.last is not None else []

        def chosen(choice: ExportChoice | None) -> None:
            if choice is not None and self.jobs.running is None:
                self.jobs.start(choice.kind, choice.path, replace=choice.replace)

        self.push_screen(ExportDialog(defaults, last), callback=chosen)

    def _exported(self, path: Path) -> None:
        self.last_export = path


def make_app(
    db_url: str | None,
    reader_spec: str,
    *,
    meeting: str | None = None,
    station: str = "",
    operator: str = "",
    key_path: Path | None = None,
    tray: bool = False,
    debounce: float = DEFAULT_DEBOUNCE,
    notice: str = "",
    signed_in: Authenticated | None = None,
    login_hint: str = "",
    lock_after: float | None = None,
    export_dir: Path | None = None,
) -> CarrierTrackerApp:
    """Build the app on a database and a reader (used by the CLI and the tests).

    The reader is opened only once the app runs, on the reader's thread: a reader that cannot be
    opened shows as 离线 (with the reason and the fix) instead of stopping the desk.

    Nobody works at the desk before signing in (``operator`` only pre-fills the name), unless the
    caller passes ``signed_in``, an operator it authenticated itself (tests). ``lock_after`` is in
    minutes (default: $CARRIER_TRACKER_LOCK_AFTER or 10; 0 never locks on idle). ``export_dir``
    is where the export dialog proposes to write and the desk keeps its log (default: the user
    data directory; the demo's is its own temporary directory, removed with it).

    Raises:
        CarrierTrackerError: the database has no schema, the meeting does not exist, or the
            ledger key cannot be read.
    """
    settings = load_settings(db_url)
    engine = db.make_engine(settings.database_url)
    db.require_schema(engine)
    key = keyring.open_key(engine, key_path or settings.ledger_key_path, writes=True)
    minutes = lock_after_minutes(lock_after)
    ctx = DeskContext(
        engine=engine,
        key=key,
        station=station,
        operator=operator,
        export_dir=export_dir or settings.data_dir,
    )
    items: list[tuple[str, str]] | None = None
    with ctx.read() as s:
        if meeting:
            ctx.meeting = find_meeting(s, meeting)
            if tray:
                from carrier_tracker.storage.queries import tray_items

                items = tray_items(s, ctx.meeting)
    return CarrierTrackerApp(
        ctx,
        reader_spec,
        tray=items,
        debounce=debounce,
        signed_in=signed_in,
        login_hint=login_hint,
        notice=notice,
        lock_after=minutes * 60,
    )
