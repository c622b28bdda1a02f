"""The App: wiring, the reader worker, the ledger poll, screen switching. ``make_app`` builds it."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from carrier_tracker import db, ledger
from carrier_tracker.config import load_settings
from carrier_tracker.custody import find_meeting
from carrier_tracker.queries import newest_seq
from readers import Reader, ReaderStatus, open_reader
from readers.base import DEFAULT_DEBOUNCE

from .context import DeskContext
from .messages import LedgerAdvanced, ReaderStatusChanged, TapArrived
from .widgets.banners import ReaderStatusBar

POLL_SECONDS = 1.0


class CarrierTrackerApp(App[None]):
    """The desk application."""

    CSS_PATH = "app.tcss"
    TITLE = "涉密载体管理"
    ENABLE_COMMAND_PALETTE = True
    # priority: these win over a focused Input's Emacs-style keys (ctrl+d/e/k edit text there);
    # at a desk, getting to a screen matters more (Home/End/Delete still edit).
    BINDINGS = [
        Binding("ctrl+d", "show('desk')", "工作台", priority=True),
        Binding("ctrl+r", "show('reconcile')", "清点", priority=True),
        Binding("ctrl+e", "show('enroll')", "绑定标签", priority=True),
        Binding("ctrl+k", "show('courier')", "机要", priority=True),
        Binding("ctrl+l", "show('copies')", "载体", priority=True),
        Binding("ctrl+t", "show('audit')", "审计", priority=True),
        Binding("ctrl+o", "export", "导出", priority=True),
        Binding("ctrl+q", "quit", "退出", priority=True),
    ]

    def __init__(self, ctx: DeskContext, reader_spec: str, *, tray: list[tuple[str, str]] | None = None,
                 debounce: float = DEFAULT_DEBOUNCE) -> None:
        super().__init__()
        self.debounce = debounce
        self.ctx = ctx
        self.reader_spec = reader_spec
        self.tray_items = tray
        self.reader: Reader | None = None
        self.reader_status = ReaderStatus(False, reader_spec, "启动中")
        self._stop = threading.Event()
        self.last_seq = 0
        self._screens: dict[str, Screen[None]] = {}
        self.last_export: Path | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def on_mount(self) -> None:
        def on_status(status: ReaderStatus) -> None:  # called on the reader's thread
            self.post_message(ReaderStatusChanged(status))

        self.reader = open_reader(self.reader_spec, debounce=self.debounce, on_status=on_status)
        self.reader_status = self.reader.status
        self.run_reader()
        self.set_interval(POLL_SECONDS, self.poll_ledger)
        if self.ctx.meeting is None:
            from .screens.picker import MeetingPicker

            self.push_screen(MeetingPicker(), callback=lambda _=None: self.open_desk())
        else:
            self.open_desk()

    def open_desk(self) -> None:
        meeting = self.ctx.meeting
        assert meeting is not None
        self.title = meeting.title
        self.sub_title = f"{meeting.code}  {meeting.level}★  工作台 {self.ctx.station}  操作员 {self.ctx.operator}"
        with self.ctx.read() as s:
            self.last_seq = newest_seq(s, meeting)
        self.action_show("desk")

    def on_unmount(self) -> None:
        self._stop.set()
        if self.reader is not None:
            self.reader.close()

    @work(thread=True, exclusive=True, exit_on_error=False, group="reader")
    def run_reader(self) -> None:
        """Blocking reader loop in a thread; talks back only by post_message."""
        assert self.reader is not None
        for tap in self.reader.taps(self._stop):
            self.post_message(TapArrived(tap))

    # -- messages --------------------------------------------------------------------------------

    def on_tap_arrived(self, message: TapArrived) -> None:
        if self.ctx.meeting is None:
            return
        handler = getattr(self.screen, "handle_tap", None)
        if handler is None:
            handler = self.desk.handle_tap
        handler(message.tap)
        self.poll_ledger()

    def on_reader_status_changed(self, message: ReaderStatusChanged) -> None:
        self.reader_status = message.status
        for screen in self.screen_stack:
            for bar in screen.query(ReaderStatusBar):
                bar.show(message.status)
        if not message.status.online:
            self.bell()
            self.notify(f"读卡器离线：{message.status.detail}", severity="error", timeout=5)

    def poll_ledger(self) -> None:
        """Look for events newer than the last seen (this desk's or another's)."""
        if self.ctx.meeting is None:
            return
        with self.ctx.read() as s:
            newest = newest_seq(s, self.ctx.meeting)
        if newest != self.last_seq:
            old, self.last_seq = self.last_seq, newest
            for screen in self.screen_stack:
                screen.post_message(LedgerAdvanced(old, newest))

    # -- screens ---------------------------------------------------------------------------------

    @property
    def desk(self):  # type: ignore[no-untyped-def]
        from .screens.desk import DeskScreen

        if "desk" not in self._screens:
            self._screens["desk"] = DeskScreen()
        return self._screens["desk"]

    def _make(self, name: str) -> Screen[None]:
        from .screens.audit import AuditScreen
        from .screens.copies import CopiesScreen
        from .screens.courier import CourierScreen
        from .screens.enroll import EnrollScreen
        from .screens.reconcile import ReconcileScreen

        screens: dict[str, type[Screen[None]]] = {
            "reconcile": ReconcileScreen, "enroll": EnrollScreen, "courier": CourierScreen,
            "copies": CopiesScreen, "audit": AuditScreen,
        }
        return screens[name]()

    def action_show(self, name: str) -> None:
        """Bring a screen to the top (the desk stays at the bottom of the stack)."""
        if self.ctx.meeting is None:
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

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for name, title, help_ in [
            ("desk", "工作台", "刷卡发放、收回、清退"), ("reconcile", "清点", "每人未收回的载体，全部收回后结束会议"),
            ("enroll", "绑定标签", "为文件各份和会议证绑定标签"), ("courier", "机要递送", "登记机要件、发出、签收、退回"),
            ("copies", "载体一览", "每一份文件的状态和持有人"), ("audit", "审计台账", "操作日志与哈希链校验"),
        ]:
            yield SystemCommand(title, help_, lambda n=name: self.action_show(n))
        yield SystemCommand("导出保密办工作簿", "登记表、会议证、未收回清单、机要、带离目录、操作日志", self.action_export)

    # -- export ------------------------------------------------------------------------------

    def action_export(self) -> None:
        """Ask for a path and write the 保密办 workbook (marked as a snapshot while open)."""
        from datetime import datetime

        from .screens.export_dialog import ExportDialog

        if self.ctx.meeting is None:
            return
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        default = Path.cwd() / f"保密办-{self.ctx.meeting.code}-{stamp}.xlsx"

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.write_export(path)

        self.push_screen(ExportDialog(default), callback=chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def write_export(self, path: Path) -> None:
        """Write the workbook in a thread (a large meeting takes a while); report by notification."""
        from carrier_tracker.export import export_meeting

        self.call_from_thread(self.notify, f"正在导出 {path.name}…", timeout=3)
        try:
            with self.ctx.read() as s:
                result = export_meeting(session=s, key=self.ctx.key, meeting_code=self.ctx.code, path=path,
                                        operator=self.ctx.operator)
        except Exception as e:
            self.call_from_thread(self.notify, f"导出失败：{e}", severity="error", timeout=10)
            return
        verdict = "台账校验完整" if result.chain.ok else f"台账第 {result.chain.broken_seq} 条起被篡改"
        self.call_from_thread(self.notify, f"已导出 {path}（{verdict}）", timeout=10)
        self.last_export = path

    # -- demo ------------------------------------------------------------------------------------

    def simulate_tap(self, uid: str) -> None:
        """Lay a tag on the simulated reader and lift it (the demo tray)."""
        reader = self.reader
        if reader is None or not hasattr(reader, "present"):
            return
        reader.present(uid)
        self.set_timer(0.2, reader.remove)  # type: ignore[attr-defined]


def make_app(
    db_url: str | None, reader_spec: str, *, meeting: str | None = None, station: str = "", operator: str = "",
    key_path: Path | None = None, tray: bool = False, debounce: float = DEFAULT_DEBOUNCE,
) -> CarrierTrackerApp:
    """Build the app on a database and a reader (used by the CLI and the tests).

    Raises:
        CarrierTrackerError: the database has no schema, the meeting does not exist, or the
            ledger key cannot be read.
    """
    settings = load_settings(db_url)
    engine = db.make_engine(settings.database_url)
    db.require_schema(engine)
    key = ledger.load_key(key_path or settings.ledger_key_path)
    ctx = DeskContext(engine=engine, key=key, station=station, operator=operator)
    items: list[tuple[str, str]] | None = None
    with ctx.read() as s:
        if meeting:
            ctx.meeting = find_meeting(s, meeting)
            if tray:
                from carrier_tracker.queries import tray_items

                items = tray_items(s, ctx.meeting)
    return CarrierTrackerApp(ctx, reader_spec, tray=items, debounce=debounce)
