"""The desk writes the 保密办 workbook and the signed forms in a child process it watches: a large
meeting (above the export's parallel-verification threshold) from a running desk, on SQLite and
PostgreSQL; progress on every screen; stop, failure and a killed job leave nothing behind."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import text
from textual.widgets import Input, ProgressBar, RadioButton

from carrier_tracker import ledger
from carrier_tracker.access.operators import Authenticated, add_operator
from carrier_tracker.cli.jobs import PARALLEL_VERIFY_ENV
from carrier_tracker.custody import checklists
from carrier_tracker.custody.service import record_tap
from carrier_tracker.enums import Answer, Mode, Role
from carrier_tracker.meeting.lifecycle import close_meeting
from carrier_tracker.meeting.policy import answer_items, file_meeting
from carrier_tracker.paper.export import PARALLEL_VERIFY_MIN
from carrier_tracker.paper.importer import import_workbook
from carrier_tracker.readers import TagTap
from carrier_tracker.storage import db
from carrier_tracker.storage.models import LedgerHead
from carrier_tracker.tui.app import CarrierTrackerApp, make_app
from carrier_tracker.tui.screens.desk import DeskScreen
from carrier_tracker.tui.screens.export_dialog import ExportDialog, JobDialog
from carrier_tracker.tui.screens.reconcile import ReconcileScreen
from carrier_tracker.tui.texts import MIN_SIZE
from carrier_tracker.tui.widgets.job_bar import JobBar
from tests.conftest import SAMPLE, fresh_pg_url
from tests.paper_tables import summary as read_summary
from tests.paper_tables import table
from tests.tui.conftest import WAIT_SCALE, pass_uid, wait_for
from tests.tui.layout import clipping_problems, screen_text

CODE = "HY2026-12"
OFFICER = "赵保密"
SIZE = (120, 36)
THRESHOLD = 50
"""The parallel-verification threshold the desk's jobs see here (the product's is 20,000)."""
ATTENDEES = [f"A{i:03d}" for i in range(1, 41)]


@pytest.fixture
def meeting(backend: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The sample meeting on the backend, filed and its venue checked, every pass issued and
    recalled (89 events: above :data:`THRESHOLD`); returns (URL, key path)."""
    url = f"sqlite:///{tmp_path / 'desk.db'}" if backend == "sqlite" else fresh_pg_url("ct_jobs")
    engine = db.make_engine(url)
    db.upgrade(engine)
    key_path = tmp_path / "ledger.key"
    key = ledger.load_key(key_path)
    with db.session_scope(engine) as s:
        add_operator(session=s, key=key, name=OFFICER, role=Role.OFFICER, pin="135790", by=OFFICER)
    with db.session_scope(engine) as s:
        import_workbook(session=s, key=key, path=SAMPLE, operator=OFFICER)
    with db.session_scope(engine) as s:
        file_meeting(
            session=s,
            key=key,
            meeting_code=CODE,
            ref="BM-1",
            on=date(2026, 12, 1),
            operator=OFFICER,
        )
        venue = checklists.active()[checklists.VENUE]
        answers = [(it.id, Answer.OK, "") for it in venue.items]
        answer_items(
            session=s,
            key=key,
            meeting_code=CODE,
            checklist=venue,
            answers=answers,
            operator=OFFICER,
        )
    engine.dispose()
    _pass_rounds(url, key_path, 1)
    yield url, key_path


def _pass_rounds(url: str, key_path: Path, rounds: int) -> None:
    """Every pass issued and recalled, ``rounds`` times (80 events a round)."""
    engine = db.make_engine(url)
    key = ledger.load_key(key_path)
    with db.tap_scope(engine) as conn:
        for _ in range(rounds):
            for mode in (Mode.ISSUE, Mode.RECALL):
                for code in ATTENDEES:
                    outcome = record_tap(
                        session=conn,
                        key=key,
                        meeting_code=CODE,
                        uid=pass_uid(code),
                        mode=mode,
                        station="一号台",
                        operator=OFFICER,
                    )
                    assert not outcome.refused, outcome.message
    engine.dispose()


def _head(url: str) -> LedgerHead:
    engine = db.make_engine(url)
    try:
        with db.read_scope(engine) as s:
            head = s.get(LedgerHead, 1)
            assert head is not None
            return head
    finally:
        engine.dispose()


def _app(url: str, key_path: Path) -> CarrierTrackerApp:
    """The desk on the meeting, an officer signed in (the login has its own tests)."""
    who = Authenticated(OFFICER, Role.OFFICER)
    return make_app(url, "sim:", meeting=CODE, station="测试台", key_path=key_path, signed_in=who)


def _notices(app: CarrierTrackerApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


def _left_behind(folder: Path) -> list[str]:
    """Anything a job may leave: its staging folder, a temporary workbook, a workbook."""
    return sorted(
        p.name for p in folder.iterdir() if p.name.startswith(".ct-") or p.suffix == ".xlsx"
    )


async def _start(pilot: Any, app: CarrierTrackerApp, target: Path, *, forms: bool = False) -> None:
    """Ctrl+O, choose the kind and the path, Enter: the job starts."""
    await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen))
    await pilot.press("ctrl+o")
    await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog))
    if forms:
        app.screen.query_one("#kind-forms", RadioButton).value = True
        await pilot.pause(0.1)
        assert Path(app.screen.query_one("#path", Input).value).name.startswith("签字表格-")
    app.screen.query_one("#path", Input).value = str(target)
    before = app.jobs.last
    await pilot.press("enter")

    def started() -> bool:  # running with its process, or (a small meeting, a slow poll) done
        job = app.jobs.running
        return (job is not None and job.pid is not None) or app.jobs.last is not before

    await wait_for(pilot, started)


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> None:
    """The desk's job starts stopped (SIGSTOP as soon as it exists): a test steps it with
    :func:`_step_until` and so finds it where it wants it however loaded the host is (the
    sample meeting's export takes a moment: a test that waited for a core could miss it)."""
    real = asyncio.create_subprocess_exec

    async def stopped_at_start(*args: Any, **kwargs: Any) -> Any:
        proc = await real(*args, **kwargs)
        os.kill(proc.pid, signal.SIGSTOP)
        return proc

    monkeypatch.setattr(asyncio, "create_subprocess_exec", stopped_at_start)


async def _step_until(pilot: Any, pid: int, there: Callable[[], bool], what: str) -> None:
    """Let a held job run a few milliseconds at a time until ``there()`` holds (looked at while
    the job is stopped, after the desk has read what the job said); it is left stopped."""
    deadline = time.monotonic() + 60 * WAIT_SCALE
    while time.monotonic() < deadline:
        os.kill(pid, signal.SIGSTOP)
        await pilot.pause(0.02)  # the desk reads the job's progress lines meanwhile
        if there():
            return
        os.kill(pid, signal.SIGCONT)
        time.sleep(0.002)
    raise AssertionError(f"the job never got there: {what}")


async def _staged(pilot: Any, folder: Path, pid: int) -> Path:
    """Step a held job until it has its temporary workbook (it is writing); return that file,
    the job stopped there."""
    found: list[Path] = []

    def writing() -> bool:
        found[:] = list(folder.glob(".ct-job-*/.ct-*.xlsx.tmp"))
        return bool(found)

    await _step_until(pilot, pid, writing, "writing the workbook")
    return found[0]


async def test_desk_exports_a_meeting_above_the_parallel_threshold(
    meeting: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's failure (`bad value(s) in fds_to_keep` at ≥ 20,000 events) came from starting
    the verifying process inside Textual; the child the desk starts has real descriptors."""
    url, key_path = meeting
    monkeypatch.setenv(PARALLEL_VERIFY_ENV, str(THRESHOLD))
    head = _head(url)
    assert THRESHOLD < head.seq < PARALLEL_VERIFY_MIN
    target = tmp_path / "out" / "保密办.xlsx"
    target.parent.mkdir()
    app = _app(url, key_path)
    async with app.run_test(size=SIZE) as pilot:
        await _start(pilot, app, target)
        await wait_for(pilot, lambda: app.jobs.running is None, timeout=60)
        assert app.last_export == target
        shown = _notices(app)
    assert f"已导出 {target}（台账校验完整）" in shown
    assert f"台账锚点 {head.seq}:{head.hash}（完整；" in shown
    assert "已释放标签" not in shown  # the meeting is open: nothing was released
    assert _left_behind(target.parent) == [target.name]
    assert (target.stat().st_mode & 0o777) == 0o600
    wb = openpyxl.load_workbook(target)
    summary = read_summary(wb["汇总"])
    assert summary["导出时校验结果"] == "完整" and summary["导出人"] == OFFICER
    assert summary["台账事件数"] == head.seq and summary["台账头哈希"] == head.hash
    assert len(table(wb["操作日志"])) == head.seq  # every event
    assert len(table(wb["文件发放回收登记表"])) == 225  # the sample's 225 copies
    wb.close()


async def test_progress_shows_on_every_screen_while_the_desk_keeps_working(
    meeting: tuple[str, Path], tmp_path: Path, held: None
) -> None:
    """Held at its first progress report (1,000 of the log's ~2,100 rows), the job's bar says
    how far it is; meanwhile the desk records a tap and switches screens, each working screen has
    the bar, Ctrl+O shows the job and Esc leaves it running; nothing is cut off at the smallest
    size."""
    url, key_path = meeting
    _pass_rounds(url, key_path, 25)  # 2,088 events: the log reports at 1,000 and 2,000
    total = _head(url).seq + 13  # the log's rows, then a step per sheet written after it
    rows = f"1,000/{total:,} 行"
    target = tmp_path / "保密办.xlsx"
    app = _app(url, key_path)
    async with app.run_test(size=MIN_SIZE) as pilot:
        await _start(pilot, app, target)
        job = app.jobs.running
        assert job is not None and job.pid is not None
        await _step_until(pilot, job.pid, lambda: job.done > 0, "its first progress report")
        try:
            assert (job.done, job.total) == (1000, total)
            await pilot.pause(0.1)
            desk = app.screen
            bar = desk.query_one(JobBar)
            assert bar.query_one(ProgressBar).percentage == pytest.approx(1000 / total)
            shown = screen_text(app)
            assert "导出 保密办.xlsx" in shown and rows in shown
            assert "Ctrl+O 查看或停止" in shown
            assert clipping_problems(app) == []
            tap = TagTap(pass_uid("A003"), "测试", 0.0, datetime.now(UTC))
            desk.take_tap(tap)  # type: ignore[attr-defined]
            await wait_for(pilot, lambda: "发放：会议证 P003" in screen_text(app), timeout=10)
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: isinstance(app.screen, ReconcileScreen))
            await wait_for(pilot, lambda: bool(app.screen.query(JobBar)))
            await pilot.press("ctrl+o")
            await wait_for(pilot, lambda: isinstance(app.screen, JobDialog))
            assert str(target) in screen_text(app) and rows in screen_text(app)
            assert clipping_problems(app) == []
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, ReconcileScreen))
            assert app.jobs.running is job and not job.stopping
        finally:
            os.kill(job.pid, signal.SIGCONT)
        await wait_for(pilot, lambda: app.jobs.running is None, timeout=60)
        await pilot.pause(0.1)
        assert not app.screen.query(JobBar)  # gone with the job
        assert app.last_export == target


async def test_stopping_an_export_leaves_nothing_behind(
    meeting: tuple[str, Path], tmp_path: Path, held: None
) -> None:
    """Stopped mid-write (Ctrl+O, Ctrl+S): no workbook, no temporary file, no staging folder,
    no process; the desk says so."""
    url, key_path = meeting
    target = tmp_path / "保密办.xlsx"
    app = _app(url, key_path)
    async with app.run_test(size=SIZE) as pilot:
        await _start(pilot, app, target)
        job = app.jobs.running
        assert job is not None and job.pid is not None
        await _staged(pilot, tmp_path, job.pid)
        os.kill(job.pid, signal.SIGSTOP)  # hold it mid-write: the stop must find it working
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, JobDialog))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: job.stopping)
        os.kill(job.pid, signal.SIGCONT)
        await wait_for(pilot, lambda: app.jobs.running is None, timeout=30)
        shown = _notices(app)
        assert app.last_export is None
    assert "已停止导出保密办工作簿，未留下任何文件" in shown
    assert _left_behind(tmp_path) == []
    with pytest.raises(ProcessLookupError):
        os.kill(job.pid, 0)


async def test_quitting_the_desk_mid_export_ends_the_job_and_leaves_nothing(
    meeting: tuple[str, Path], tmp_path: Path, held: None
) -> None:
    url, key_path = meeting
    target = tmp_path / "保密办.xlsx"
    app = _app(url, key_path)
    async with app.run_test(size=SIZE) as pilot:
        await _start(pilot, app, target)
        job = app.jobs.running
        assert job is not None and job.pid is not None
        await _staged(pilot, tmp_path, job.pid)
        os.kill(job.pid, signal.SIGSTOP)  # mid-write, and deaf to anything but SIGKILL
        await pilot.press("ctrl+q")
    deadline = time.monotonic() + 10 * WAIT_SCALE
    while _alive(job.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(job.pid)
    assert _left_behind(tmp_path) == []


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting for its parent."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


async def test_a_killed_job_leaves_nothing_behind(
    meeting: tuple[str, Path], tmp_path: Path, held: None
) -> None:
    """A child that dies mid-write (killed, out of memory) cannot clean up: the desk does, and
    says what happened in plain words; the log file has the exit code."""
    url, key_path = meeting
    target = tmp_path / "保密办.xlsx"
    app = _app(url, key_path)
    async with app.run_test(size=SIZE) as pilot:
        await _start(pilot, app, target)
        job = app.jobs.running
        assert job is not None and job.pid is not None
        await _staged(pilot, tmp_path, job.pid)
        os.kill(job.pid, signal.SIGKILL)
        await wait_for(pilot, lambda: app.jobs.running is None, timeout=30)
        shown = _notices(app)
        log_path = app.jobs.log_path
    assert "导出保密办工作簿失败：后台任务意外结束，未留下任何文件" in shown
    assert _left_behind(tmp_path) == []
    assert log_path is not None and "ended with code -9" in log_path.read_text()


async def test_a_killed_job_takes_its_verifying_process_with_it(
    meeting: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held: None
) -> None:
    """The export's verifying grandchild inherits the child's pipes: the child killed while it
    waits for it, the desk ends the grandchild too (or it would wait on the pipes for ever)."""
    url, key_path = meeting
    _pass_rounds(url, key_path, 14)
    monkeypatch.setenv(PARALLEL_VERIFY_ENV, str(THRESHOLD))
    target = tmp_path / "保密办.xlsx"
    app = _app(url, key_path)
    async with app.run_test(size=SIZE) as pilot:
        await _start(pilot, app, target)
        job = app.jobs.running
        assert job is not None and job.pid is not None
        workers: list[int] = []

        def verifying() -> bool:
            workers[:] = [p for p in _group(job.pid) if "spawn_main" in _cmdline(p)]
            return bool(workers)

        await _step_until(pilot, job.pid, verifying, "a verifying process started")
        os.kill(workers[0], signal.SIGSTOP)  # it will not finish, nor let go of the pipes
        os.kill(job.pid, signal.SIGKILL)
        await wait_for(pilot, lambda: app.jobs.running is None, timeout=30)
        shown = _notices(app)
    assert "后台任务意外结束，未留下任何文件" in shown
    deadline = time.monotonic() + 5 * WAIT_SCALE  # killed processes may still be on their way out
    while [p for p in _group(job.pid) if _alive(p)] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in _group(job.pid) if _alive(p)]
    assert _left_behind(tmp_path) == []


def _group(pgid: int) -> list[int]:
    """The processes of a process group."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:
            members.append(int(stat.parent.name))
    return members


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


async def test_a_failed_export_says_why_and_logs_the_cause(
    meeting: tuple[str, Path], tmp_path: Path
) -> None:
    """A bug met mid-export: the custodian reads that it failed and where the cause went; the
    traceback is in the desk's log file (0600), nothing is left in the folder."""
    url, key_path = meeting
    engine = db.make_engine(url)
    with db.session_scope(engine) as s:  # a state no version of the program writes
        s.execute(text("UPDATE carrier SET state = 'misplaced' WHERE id = 1"))
    engine.dispose()
    target = tmp_path / "保密办.xlsx"
    app = _app(url, key_path)
    async with app.run_test(size=SIZE) as pilot:
        await _start(pilot, app, target)
        await wait_for(pilot, lambda: app.jobs.running is None, timeout=60)
        shown = _notices(app)
        log_path = app.jobs.log_path
    assert "导出保密办工作簿失败：程序内部出错，未生成文件；详细原因已记入工作台日志" in shown
    assert "Traceback" not in shown and "misplaced" not in shown
    assert _left_behind(tmp_path) == []
    assert log_path is not None
    logged = log_path.read_text()
    assert "Traceback" in logged and "'misplaced' is not a valid State" in logged
    assert (log_path.stat().st_mode & 0o777) == 0o600


async def test_the_desk_writes_the_signed_forms(meeting: tuple[str, Path], tmp_path: Path) -> None:
    url, key_path = meeting
    target = tmp_path / "签字表格.xlsx"
    app = _app(url, key_path)
    async with app.run_test(size=SIZE) as pilot:
        await _start(pilot, app, target, forms=True)
        await wait_for(pilot, lambda: app.jobs.running is None, timeout=60)
        shown = _notices(app)
    assert f"已生成签字表格 {target}" in shown
    wb = openpyxl.load_workbook(target)
    assert "会议证登记表" in wb.sheetnames and "会场保密检查表" in wb.sheetnames
    assert len(table(wb["会议证登记表"])) == 40  # a row per attendee
    wb.close()
    assert _left_behind(tmp_path) == [target.name]


async def test_a_closed_meetings_export_names_the_anchor_and_the_released_tags(
    meeting: tuple[str, Path], tmp_path: Path
) -> None:
    """Like the CLI: 台账锚点 and the tags released at the close; the export dialog shows the
    last export's lines again (the anchor is to be written down)."""
    url, key_path = meeting
    engine = db.make_engine(url)
    key = ledger.load_key(key_path)
    sweep = checklists.active()[checklists.SWEEP]
    with db.session_scope(engine) as s:
        answer_items(
            session=s,
            key=key,
            meeting_code=CODE,
            checklist=sweep,
            answers=[(it.id, Answer.OK, "") for it in sweep.items],
            operator=OFFICER,
        )
    with db.session_scope(engine) as s:
        close_meeting(
            session=s, key=key, meeting_code=CODE, operator=OFFICER, release_copy_tags=True
        )
    engine.dispose()
    head = _head(url)
    target = tmp_path / "保密办.xlsx"
    app = _app(url, key_path)
    async with app.run_test(size=SIZE) as pilot:
        await _start(pilot, app, target)
        await wait_for(pilot, lambda: app.jobs.running is None, timeout=60)
        shown = _notices(app)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog))
        dialog = str(app.screen.query_one("#last").render())
    anchor = f"台账锚点 {head.seq}:{head.hash}"
    released = "已释放标签：会议证 40 枚，文件 225 枚"
    assert anchor in shown and released in shown
    assert anchor in dialog and released in dialog


def test_the_desk_log_is_private_and_made_where_it_is_missing(tmp_path: Path) -> None:
    import logging

    from carrier_tracker.tui.jobs import open_desk_log

    folder = tmp_path / "home" / "data"
    path = open_desk_log(folder)
    assert not folder.exists()  # nothing is created before there is something to say
    logging.getLogger("carrier_tracker.tui.lanes").error("database job failed in lane %s", "write")
    assert "database job failed in lane write" in path.read_text()
    assert (path.stat().st_mode & 0o777) == 0o600
    assert (folder.stat().st_mode & 0o777) == 0o700
