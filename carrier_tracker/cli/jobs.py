"""The desk's long work in a child process: ``python -m carrier_tracker.cli.jobs`` (internal).

The desk (``tui/jobs.py``) writes one request line (JSON) on the child's stdin and reads JSON
lines back from its stdout: ``{"advance": [done, total]}`` now and then, then either
``{"done": {...}}`` or ``{"failed": "what a custodian reads"}``. The technical cause of a failure
goes to stderr, which the desk copies into its log file. The request travels on stdin, not on
the command line, so the ledger key and a database password never show in the process list.

The desk names a file in a staging folder of its own (:data:`STAGING_PREFIX`). The child gives
up — removing what it wrote — on SIGTERM or when its stdin closes, so a desk that stops (or
dies) takes its job with it; after reporting ``done`` it waits for the desk to close its stdin
(the desk has moved the workbook into place by then) and removes whatever is still staged. It
runs at a lower priority than the desk: on a two-core desk PC the custodian's keys and taps come
first.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

EXPORT = "export"
FORMS = "forms"
KINDS = (EXPORT, FORMS)

PARALLEL_VERIFY_ENV = "CARRIER_TRACKER_PARALLEL_VERIFY_MIN"
"""Chains at least this long are verified in a grandchild process while the export writes
(default ``carrier_tracker.paper.export.PARALLEL_VERIFY_MIN``); tests lower it."""

STAGING_PREFIX = ".ct-job-"
"""Name prefix of the desk's staging folders: the only folders a job removes itself."""
NICENESS = 10
ADVANCE_EVERY = 0.1  # seconds: at most ten progress lines a second reach the desk
EXIT_FAILED = 1
EXIT_CANCELLED = 4


@dataclass(frozen=True)
class JobRequest:
    """What the desk asks the child to write."""

    kind: str
    """:data:`EXPORT` (the 保密办 workbook) or :data:`FORMS` (the signed forms)."""
    db_url: str = field(repr=False)  # a server's URL may hold a password
    meeting: str
    path: str
    """The .xlsx to write (the desk's private staging folder; the desk moves it into place)."""
    operator: str = ""
    """Who exports (shown on the workbook's 汇总)."""
    key: str = field(default="", repr=False)
    """The ledger key, hex (the export verifies the chain); never in a repr or a log."""

    def encode(self) -> bytes:
        """One JSON line for the child's stdin."""
        return (json.dumps(asdict(self), ensure_ascii=False) + "\n").encode()

    @classmethod
    def decode(cls, line: str) -> JobRequest:
        """The request from its JSON line.

        Raises:
            ValueError: not a request.
        """
        data = json.loads(line)
        if not isinstance(data, dict) or data.get("kind") not in KINDS:
            raise ValueError(f"not a job request: {line[:80]!r}")
        return cls(**data)


@dataclass(frozen=True)
class JobDone:
    """What a finished job reports: rows per sheet and, for an export, the ledger's anchor."""

    rows: dict[str, int] = field(default_factory=dict)
    count: int = 0
    """Events in the meeting's chain (the anchor's number)."""
    head: str = ""
    """The chain's head hash (the anchor's hash)."""
    verified: bool = True
    """The chain is intact and the tables are what it says."""
    broken_seq: int | None = None
    """The first broken event of the chain, if it is broken."""
    differences: int = 0
    """Rows that differ from what the ledger says."""
    closed: bool = False
    """The meeting is closed (the workbook is the final register, not a snapshot)."""
    released_passes: int = 0
    released_copies: int = 0
    """Tags released at the close for other meetings (a closed meeting's export says so)."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobDone:
        """The report from the child's ``done`` line."""
        return cls(**data)


class Cancelled(BaseException):
    """The desk stopped the job (SIGTERM) or went away (stdin closed)."""


def _cancel(_signum: int, _frame: object) -> None:
    raise Cancelled


def _watch_stdin(stream: TextIO, closed: threading.Event) -> None:
    """Note when the desk closes our stdin; while the job works, that stops it (the desk died)."""
    while stream.readline():
        pass
    closed.set()
    os.kill(os.getpid(), signal.SIGTERM)


def _unstage(path: str) -> None:
    """Remove the staging folder of ``path`` with whatever is in it: a workbook the desk did not
    take, a temporary file the export had just created. Only a folder the desk made for the job
    (:data:`STAGING_PREFIX`) is removed; a path given by hand is never touched."""
    folder = Path(path).parent
    if folder.name.startswith(STAGING_PREFIX):
        shutil.rmtree(folder, ignore_errors=True)


class _Reporter:
    """Writes the JSON lines the desk reads (progress at most every :data:`ADVANCE_EVERY`)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.last = 0.0

    def line(self, **item: Any) -> None:
        self.out.write(json.dumps(item, ensure_ascii=False) + "\n")
        self.out.flush()

    def advance(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - self.last >= ADVANCE_EVERY:
            self.last = now
            self.line(advance=[done, total])


def _parallel_verify_min() -> int:
    from carrier_tracker import messages
    from carrier_tracker.errors import CarrierTrackerError
    from carrier_tracker.paper.export import PARALLEL_VERIFY_MIN

    raw = os.environ.get(PARALLEL_VERIFY_ENV, "").strip()
    if not raw:
        return PARALLEL_VERIFY_MIN
    if not raw.isdigit():
        raise CarrierTrackerError(
            messages.text("job_bad_setting", name=PARALLEL_VERIFY_ENV, value=raw)
        )
    return int(raw)


def run(request: JobRequest, advance: Callable[[int, int], None]) -> JobDone:
    """Write what ``request`` asks for.

    Raises:
        CarrierTrackerError: no such meeting, an unusable path, an unreachable database, ….
    """
    from carrier_tracker.storage import db

    engine = db.make_engine(request.db_url, read_only=True, create=False)
    try:
        if request.kind == FORMS:
            from carrier_tracker.paper.forms import write_forms

            with db.read_scope(engine) as session:
                forms = write_forms(
                    session=session,
                    key=bytes.fromhex(request.key),
                    meeting_code=request.meeting,
                    path=Path(request.path),
                    advance=advance,
                )
            return JobDone(rows=forms.rows)
        return _export(engine, request, advance)
    finally:
        engine.dispose()


def _export(engine: Any, request: JobRequest, advance: Callable[[int, int], None]) -> JobDone:
    from carrier_tracker.custody.service import find_meeting
    from carrier_tracker.paper.export import export_meeting
    from carrier_tracker.storage import db
    from carrier_tracker.storage.readmodel import released_tags

    minimum = _parallel_verify_min()
    with db.read_scope(engine) as session:
        result = export_meeting(
            session=session,
            key=bytes.fromhex(request.key),
            meeting_code=request.meeting,
            path=Path(request.path),
            operator=request.operator,
            parallel_verify_min=minimum,
            advance=advance,
        )
        meeting = find_meeting(session, request.meeting)
        closed = meeting.status == "closed"
        released = released_tags(session, meeting) if closed else {}
    chain = result.chain
    return JobDone(
        rows=result.rows,
        count=chain.count,
        head=chain.head_hash,
        verified=result.audit.ok,
        broken_seq=None if chain.ok else chain.broken_seq,
        differences=len(result.audit.differences),
        closed=closed,
        released_passes=released.get("pass", 0),
        released_copies=released.get("copy", 0),
    )


def _stop_children() -> None:
    """End the chain's verifying grandchild, if any: the job is over."""
    import multiprocessing

    for child in multiprocessing.active_children():
        child.kill()


def main(stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Run one job: read the request, write the workbook, report. Returns the exit code."""
    signal.signal(signal.SIGTERM, _cancel)
    report = _Reporter(stdout)
    closed = threading.Event()
    request: JobRequest | None = None
    try:
        with contextlib.suppress(OSError):  # refused (a sandbox): run at the desk's priority
            os.nice(NICENESS)
        request = JobRequest.decode(stdin.readline())
        threading.Thread(target=_watch_stdin, args=(stdin, closed), daemon=True).start()
        done = run(request, report.advance)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # written: the desk decides what to keep
    except Cancelled:
        _stop_children()
        if request is not None:
            _unstage(request.path)
        return EXIT_CANCELLED
    except Exception as e:
        from carrier_tracker import messages
        from carrier_tracker.errors import CarrierTrackerError

        traceback.print_exc(file=sys.stderr)
        if isinstance(e, CarrierTrackerError):
            reason = str(e)
        else:
            reason = messages.text("job_internal_error")
        _stop_children()
        if request is not None:
            _unstage(request.path)
        report.line(failed=reason)
        return EXIT_FAILED
    report.line(done=asdict(done))
    closed.wait()  # the desk has taken the workbook (or does not want it)
    _unstage(request.path)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # No interpreter shutdown: it would wait for a verifying grandchild that was told to stop.
    os._exit(code)
