"""The desk's long work (export, signed forms) in a child process the desk watches.

A thread in the desk's own process would hold the GIL while openpyxl writes (keys and taps
stalled for seconds), and the export's verifying grandchild cannot be started from inside a
running Textual app (its stderr has no file descriptor). So :class:`DeskJob` starts
``python -m carrier_tracker.cli.jobs`` with real pipes, reads its progress lines on the event
loop, and can stop it. The child writes into a private staging folder beside the chosen file
(its temporary files too, through ``TMPDIR``); only a finished workbook is moved into place, and
the folder is removed whatever happens, so a stopped or failed job leaves nothing behind.

:class:`DeskJobs` is the app's side: one job at a time, a :class:`~tui.widgets.job_bar.JobBar`
on every screen while it runs, the result as a notice, the technical cause of a failure in the
desk's log file (:func:`open_desk_log`).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import errno
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from textual.app import App
from textual.screen import ModalScreen, Screen

from carrier_tracker import messages
from carrier_tracker.cli.jobs import EXPORT, FORMS, STAGING_PREFIX, JobDone, JobRequest
from carrier_tracker.config import make_private_dir
from carrier_tracker.errors import os_reason
from carrier_tracker.paper.output import taken

from .context import DeskContext
from .texts import t

LOG_NAME = "desk.log"
STOP_GRACE = 5.0  # seconds a stopped child has to clean up before it is killed
STDERR_KEEP = 64 * 1024  # bytes of the child's stderr kept for the log (the tail)

log = logging.getLogger("carrier_tracker.tui.jobs")


class _PrivateFileHandler(logging.FileHandler):
    """A log file only its owner can read (it names files and meetings)."""

    def _open(self) -> Any:
        make_private_dir(Path(self.baseFilename).parent)  # the data directory (0700)
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return open(fd, "a", encoding=self.encoding or "utf-8")


_handler: _PrivateFileHandler | None = None


def open_desk_log(folder: Path) -> Path:
    """Send the desk's log (logger ``tui``: failed jobs, failed database work) to
    ``folder/desk.log`` (0600, created at the first line); a desk opened again elsewhere moves it.

    Returns:
        The log file's path.
    """
    global _handler
    path = folder / LOG_NAME
    root = logging.getLogger("carrier_tracker.tui")
    if _handler is not None and _handler.baseFilename == str(path.absolute()):
        return path
    if _handler is not None:
        root.removeHandler(_handler)
        _handler.close()
    _handler = _PrivateFileHandler(path, encoding="utf-8", delay=True)
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(_handler)
    root.setLevel(logging.INFO)
    return path


@dataclass(frozen=True)
class JobOutcome:
    """How a job ended: written (``report``), failed (``error``), or stopped."""

    kind: str
    target: Path
    report: JobDone | None = None
    error: str = ""
    """Why it failed, in the custodian's words."""
    stopped: bool = False


class DeskJob:
    """One export or forms job in a child process: :meth:`run` it, :meth:`stop` it."""

    def __init__(
        self,
        request: JobRequest,
        target: Path,
        advance: Callable[[int, int], None] = lambda _d, _t: None,
        *,
        replace: bool = False,
    ) -> None:
        """Args:
        request: what to write (its ``path`` is replaced by the staging folder's).
        target: where the finished workbook goes.
        advance: called on the event loop with (done, total) as the child reports progress.
        replace: the custodian confirmed replacing an existing ``target``; without it the job
            fails rather than replace a file that is there when it ends.
        """
        self.request, self.target, self.advance = request, target, advance
        self.replace = replace
        self.kind = request.kind
        self.done = 0
        self.total = 0
        self.pid: int | None = None
        self.stopping = False
        self._proc: asyncio.subprocess.Process | None = None
        self._staging: Path | None = None
        self._kill_later: asyncio.TimerHandle | None = None

    async def run(self) -> JobOutcome:
        """Start the child, follow it to the end, move a finished workbook into place.

        Never raises for the job's own failures: they come back as an outcome with the reason.
        """
        started = time.monotonic()
        try:
            self._staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.target.parent))
        except OSError as e:
            return self._failed(messages.text("out_failed", path=self.target, reason=os_reason(e)))
        atexit.register(self.abandon)
        try:
            outcome = await self._follow()
        except asyncio.CancelledError:  # the desk is quitting: nothing of the job survives it
            self.abandon()
            raise
        except Exception:  # the child could not be started or followed: say so, log why
            log.exception("%s of %s: the job could not run", self.kind, self.target)
            self.abandon()
            outcome = self._failed(t("job_crashed"))
        finally:
            atexit.unregister(self.abandon)
            shutil.rmtree(self._staging, ignore_errors=True)
        log.info(
            "%s %s → %s: %s in %.1f s",
            self.kind,
            self.request.meeting,
            self.target,
            "stopped" if outcome.stopped else ("failed" if outcome.error else "written"),
            time.monotonic() - started,
        )
        return outcome

    async def _follow(self) -> JobOutcome:
        assert self._staging is not None
        staged = self._staging / self.target.name
        proc = self._proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "carrier_tracker.cli.jobs",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "TMPDIR": str(self._staging)},
            start_new_session=True,  # its verifying grandchild is in its group: stopped with it
        )
        self.pid = proc.pid
        assert proc.stdin and proc.stdout and proc.stderr
        stderr = asyncio.ensure_future(_tail(proc.stderr))
        watch = asyncio.ensure_future(self._watch_exit(proc))
        proc.stdin.write(replace(self.request, path=str(staged)).encode())
        await proc.stdin.drain()
        if self.stopping:  # stopped while it started
            self._signal(signal.SIGTERM)
        report: JobDone | None = None
        failed = ""
        async for line in proc.stdout:
            try:
                item = json.loads(line)
            except ValueError:
                continue  # not ours (a library printing): the log gets stderr, not this
            if not isinstance(item, dict):
                continue
            if "advance" in item:
                self.done, self.total = item["advance"]
                self.advance(self.done, self.total)
            elif "done" in item:
                report = JobDone.from_json(item["done"])
                break
            elif "failed" in item:
                failed = str(item["failed"])
                break
        error, moved = "", False
        if report is not None and not self.stopping:
            try:
                place(staged, self.target, replace=self.replace)
                moved = True
            except FileExistsError:
                error = t("job_target_appeared", path=self.target)
            except OSError as e:
                error = messages.text("out_failed", path=self.target, reason=os_reason(e))
        proc.stdin.close()  # the child removes what it staged and ends
        code = await proc.wait()
        watch.cancel()
        if self._kill_later is not None:
            self._kill_later.cancel()
        cause = (await stderr).decode(errors="replace").strip()
        if moved:
            return JobOutcome(self.kind, self.target, report=report)
        if self.stopping:
            return JobOutcome(self.kind, self.target, stopped=True)
        if error or failed:
            if cause:
                log.error("%s of %s failed; the job said:\n%s", self.kind, self.target, cause)
            return self._failed(error or failed)
        log.error(  # no result and no reason: it crashed or was killed
            "%s of %s: the job ended with code %s and no result; it said:\n%s",
            self.kind,
            self.target,
            code,
            cause or "(nothing)",
        )
        return self._failed(t("job_crashed"))

    def _failed(self, reason: str) -> JobOutcome:
        return JobOutcome(self.kind, self.target, error=reason)

    def stop(self) -> None:
        """Stop the job: the child removes what it wrote and ends (killed if it has not after
        :data:`STOP_GRACE` seconds); :meth:`run` then returns a stopped outcome."""
        self.stopping = True
        if self._proc is None or self._proc.returncode is not None:
            return
        self._signal(signal.SIGTERM)
        self._kill_later = asyncio.get_running_loop().call_later(STOP_GRACE, self._sweep_group)

    def abandon(self) -> None:
        """Kill the child and everything it started, and remove the staging folder, at once
        (the desk is going away: no time to wait)."""
        self.stopping = True
        self._sweep_group()
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)

    async def _watch_exit(self, proc: asyncio.subprocess.Process) -> None:
        """Killed (it did not end by itself), the child leaves what it started — a verifying
        grandchild — holding our pipes open; end that too, or reading them would never end.
        (``proc.wait()`` itself waits for the pipes: polled here instead.)"""
        while proc.returncode is None:
            await asyncio.sleep(0.2)
        if proc.returncode < 0:
            self._sweep_group()

    def _signal(self, sig: signal.Signals) -> None:
        if self._proc is not None and self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._proc.send_signal(sig)

    def _sweep_group(self) -> None:
        """SIGKILL the child's process group (the child, its verifying grandchild), if any."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)


def place(staged: Path, target: Path, *, replace: bool) -> None:
    """Move a finished workbook into place; without ``replace`` never over a file that is there
    (the dialog saw none, but another desk or a copy by hand may have put one there since).

    Raises:
        FileExistsError: ``target`` exists and ``replace`` is false.
        OSError: the move failed.
    """
    if replace:
        os.replace(staged, target)
        return
    try:
        os.link(staged, target)  # atomic: fails if the name is taken
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links (a FAT USB stick): check, then move
        if taken(target):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target)) from None
        os.replace(staged, target)
    else:
        staged.unlink()


async def _tail(stream: asyncio.StreamReader) -> bytes:
    """Read a stream to its end; keep its last :data:`STDERR_KEEP` bytes."""
    kept = b""
    while chunk := await stream.read(65536):
        kept = (kept + chunk)[-STDERR_KEEP:]
    return kept


class DeskJobs:
    """The app's jobs: one at a time, shown on every screen, its result said when it ends."""

    def __init__(
        self,
        app: App[Any],
        ctx: DeskContext,
        written: Callable[[Path], None] = lambda _p: None,
    ) -> None:
        """Args:
        app: the desk app (screens, notices, workers).
        ctx: the desk's database, key, meeting and operator.
        written: called with the path of each workbook written.
        """
        self.app, self.ctx, self.written = app, ctx, written
        self.running: DeskJob | None = None
        self.last: JobOutcome | None = None
        self.log_path = open_desk_log(ctx.export_dir) if ctx.export_dir else None

    def start(self, kind: str, target: Path, *, replace: bool = False) -> DeskJob:
        """Start writing ``kind`` (:data:`EXPORT` or :data:`FORMS`) to ``target`` (an existing
        file replaced only with ``replace``, the custodian's confirmation)."""
        assert self.running is None and self.ctx.meeting is not None
        request = JobRequest(
            kind=kind,
            db_url=self.ctx.engine.url.render_as_string(hide_password=False),
            meeting=self.ctx.meeting.code,
            path=str(target),
            operator=self.ctx.operator,
            key=self.ctx.key.hex() if kind == EXPORT else "",
        )
        job = self.running = DeskJob(request, target, self._advance, replace=replace)
        self.app.screen_change_signal.subscribe(self.app, self._on_screen)
        for screen in self.app.screen_stack:
            self._on_screen(screen)
        self.app.run_worker(self._run(job), group="job", exit_on_error=False)
        return job

    def stop(self) -> None:
        """Stop the running job (nothing of it is left)."""
        if self.running is not None:
            self.running.stop()
            self._advance(self.running.done, self.running.total)

    async def _run(self, job: DeskJob) -> None:
        try:
            outcome = await job.run()
        finally:
            self.running = None
            self.app.screen_change_signal.unsubscribe(self.app)
            self._clear()
        self.last = outcome
        if outcome.report is not None:
            self.written(outcome.target)
        self.app.notify(
            "\n".join(result_lines(outcome)),
            severity="error" if outcome.error else "information",
            timeout=30 if outcome.report is not None else 10,
        )
        if outcome.error:
            self.app.bell()

    def _on_screen(self, screen: Screen[Any]) -> None:
        """Put a job bar on a working screen that has none (not on dialogs or the login)."""
        from .widgets.job_bar import JobBar

        job = self.running
        if job is None or isinstance(screen, ModalScreen) or not screen.is_attached:
            return
        if getattr(screen, "NAME", None) in (None, "login") or screen.query(JobBar):
            return
        bar = JobBar(job.kind, job.target.name)
        screen.mount(bar)
        bar.show(job.done, job.total, stopping=job.stopping)

    def _advance(self, done: int, total: int) -> None:
        from .widgets.job_bar import JobBar

        stopping = self.running is not None and self.running.stopping
        for screen in self.app.screen_stack:
            for bar in screen.query(JobBar):
                bar.show(done, total, stopping=stopping)

    def _clear(self) -> None:
        """Remove the job's bars and close its dialog: it is over."""
        from .screens.export_dialog import JobDialog
        from .widgets.job_bar import JobBar

        for screen in list(self.app.screen_stack):
            if isinstance(screen, JobDialog):
                if screen is self.app.screen:
                    screen.dismiss(None)
                continue
            for bar in screen.query(JobBar):
                bar.remove()


def result_lines(outcome: JobOutcome) -> list[str]:
    """What the desk says when a job ends (also shown again in the export dialog): the file,
    the ledger's verdict, the anchor (台账锚点) and, for a closed meeting, the tags released."""
    what = t(f"job_kind_{outcome.kind}")
    if outcome.stopped:
        return [t("job_stopped", what=what)]
    if outcome.error:
        return [t("job_failed", what=what, reason=outcome.error)]
    report = outcome.report
    assert report is not None
    if outcome.kind == FORMS:
        return [t("forms_done", path=outcome.target)]
    if report.verified:
        verdict = t("export_chain_ok")
    elif report.broken_seq is not None:
        verdict = t("export_chain_bad", seq=report.broken_seq)
    else:
        verdict = t("export_tables_differ", count=report.differences)
    lines = [
        t("export_done", path=outcome.target, verdict=verdict),
        t(
            "export_anchor",
            seq=report.count,
            digest=report.head,
            verdict=messages.text("audit_ok" if report.verified else "audit_not_ok"),
        ),
    ]
    if report.closed and (report.released_passes or report.released_copies):
        lines.append(
            messages.text(
                "close_released", passes=report.released_passes, copies=report.released_copies
            )
        )
    return lines
