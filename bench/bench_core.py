"""Core benchmarks (run by hand): tap latency vs a bare INSERT+COMMIT made through the
``sqlite3`` module itself (wall and CPU time), status and import of a 2,000-attendee /
50,000-copy meeting. Results go in bench/README.md.

    python bench/bench_core.py [--taps 2000]
"""

from __future__ import annotations

import argparse
import importlib.util
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from big_meeting import big_workbook
from sqlalchemy import text

from carrier_tracker import ledger
from carrier_tracker.cli.demo import prepare_demo_database
from carrier_tracker.custody.service import record_tap
from carrier_tracker.enums import Mode
from carrier_tracker.meeting.lifecycle import status
from carrier_tracker.paper.importer import import_workbook
from carrier_tracker.storage import db

ROOT = Path(__file__).resolve().parents[1]
KEY = b"b" * 32
OPERATOR = "孙文管"  # the demo's custodian


def load_make_sample():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "make_sample", ROOT / "samples" / "make_sample.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


class TimedConnection(sqlite3.Connection):
    """A ``sqlite3`` connection that adds up the time spent in SQLite (each ``execute``: the
    statement's first step, and ``COMMIT``), so a tap can be split into SQLite's work and ours."""

    spent = 0.0

    def execute(self, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        t0 = time.perf_counter()
        try:
            return super().execute(*args, **kwargs)
        finally:
            self.spent += time.perf_counter() - t0


def bench_taps(workdir: Path, n: int) -> None:
    make_sample = load_make_sample()
    # The demo's database: the sample meeting with operators, filed and its venue checked, so
    # the taps are accepted (an unfiled 机密 meeting refuses every tap: a cheaper, wrong path).
    url, key_path = prepare_demo_database(workdir)
    key = ledger.load_key(key_path)
    engine = db.make_engine(url)
    code = "HY2026-12"
    with db.session_scope(engine) as s:
        first = record_tap(
            session=s,
            key=key,
            meeting_code=code,
            uid=make_sample.uid_for(f"{code}/pass/A001"),
            mode=Mode.ISSUE,
            operator=OPERATOR,
        )
    assert not first.refused, first.message
    with db.tap_scope(engine) as conn:
        second = record_tap(
            session=conn,
            key=key,
            meeting_code=code,
            uid=make_sample.uid_for(f"{code}/pass/A002"),
            mode=Mode.ISSUE,
            operator=OPERATOR,
        )
    assert not second.refused, second.message
    uids = [make_sample.uid_for(f"{code}/HY-06/{k}") for k in range(1, 61)]
    # The same taps (other copies, to A002) on a connection that times SQLite's share of them.
    timed_uids = [make_sample.uid_for(f"{code}/HY-05/{k}") for k in range(1, 31)]
    timed = sqlite3.connect(workdir / "demo.db", isolation_level=None, factory=TimedConnection)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=30000"):
        timed.execute(f"PRAGMA {pragma}")
    # The yardstick: one-row INSERT+COMMIT through the sqlite3 module itself, on the same file,
    # with the same pragmas as our engine (WAL, synchronous=FULL), so no SQLAlchemy overhead
    # hides inside the denominator.
    raw = sqlite3.connect(workdir / "demo.db", isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=FULL")
    raw.execute("CREATE TABLE bare (id INTEGER PRIMARY KEY, payload TEXT)")

    tap_wall, tap_cpu, bare_wall, bare_cpu = [], [], [], []
    timed_wall: list[float] = []
    timed_sqlite: list[float] = []
    refused = 0
    for i in range(n):
        # Issue a copy, then recall it: the desk's two commonest taps, alternating.
        uid = uids[(i // 2) % len(uids)]
        mode = Mode.ISSUE if i % 2 == 0 else Mode.RECALL
        t0, c0 = time.perf_counter(), time.process_time()
        with db.tap_scope(engine) as conn:  # as the CLI's tap, the demo and the desk do
            outcome = record_tap(
                session=conn,
                key=key,
                meeting_code=code,
                uid=uid,
                mode=mode,
                attendee_code="A001",
                operator=OPERATOR,
            )
        tap_wall.append(time.perf_counter() - t0)
        tap_cpu.append(time.process_time() - c0)
        t0, c0 = time.perf_counter(), time.process_time()
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("INSERT INTO bare (payload) VALUES (?)", (uid,))
        raw.execute("COMMIT")
        bare_wall.append(time.perf_counter() - t0)
        bare_cpu.append(time.process_time() - c0)
        refused += outcome.refused
        assert isinstance(timed, TimedConnection)
        t0, timed.spent = time.perf_counter(), 0.0
        timed.execute("BEGIN IMMEDIATE")
        outcome = record_tap(
            session=timed,
            key=key,
            meeting_code=code,
            uid=timed_uids[(i // 2) % len(timed_uids)],
            mode=mode,
            attendee_code="A002",
            operator=OPERATOR,
        )
        timed.execute("COMMIT")
        timed_wall.append(time.perf_counter() - t0)
        timed_sqlite.append(timed.spent)
        assert not outcome.refused, outcome.message
    raw.close()
    timed.close()
    assert not refused, f"{refused} of {n} taps refused: the bench must time accepted taps"
    med = statistics.median
    print(
        f"tap (service call + commit), n={n}: median {ms(med(tap_wall))} wall, {ms(med(tap_cpu))} CPU; p95 {ms(sorted(tap_wall)[int(n * 0.95)])}"
    )
    print(
        f"bare sqlite3 one-row INSERT+COMMIT, same file: median {ms(med(bare_wall))} wall, {ms(med(bare_cpu))} CPU"
    )
    print(
        f"the same taps timed inside (n={n}): median {ms(med(timed_wall))} wall, of which SQLite"
        f" (statements + COMMIT) {ms(med(timed_sqlite))} = {med(timed_sqlite) / med(bare_wall):.2f}x"
        f" bare: the floor for any code on this schema"
    )
    print(
        f"ratio tap/bare: wall {med(tap_wall) / med(bare_wall):.2f}x, CPU {med(tap_cpu) / max(med(bare_cpu), 1e-9):.2f}x (target: wall < 3x)"
    )
    engine.dispose()


def bench_big(workdir: Path) -> None:
    t0 = time.perf_counter()
    big = big_workbook(workdir)
    print(f"generated 2,000 attendees / 50,000 copies workbook in {time.perf_counter() - t0:.1f} s")
    engine = db.make_engine(f"sqlite:///{workdir / 'big.db'}")
    db.upgrade(engine)
    t0 = time.perf_counter()
    with db.session_scope(engine) as s:
        result = import_workbook(session=s, key=KEY, path=big)
    print(
        f"import: {time.perf_counter() - t0:.2f} s for {result.copies} copies, {result.attendees} attendees (target < 15 s)"
    )
    make_sample = load_make_sample()
    # Put some of it out so status has work: 5,000 copies issued across all 2,000 attendees.
    with db.session_scope(engine) as s:
        s.execute(
            text(
                "UPDATE carrier SET state='issued', holder_id = 1 + ((id / 10) % 2000), state_since = CURRENT_TIMESTAMP WHERE kind='copy' AND id % 10 = 0"
            )
        )
    del make_sample
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        with db.session_scope(engine) as s:
            data = status(s, "BIG")
        times.append(time.perf_counter() - t0)
    print(
        f"status: median {ms(statistics.median(times))} (outstanding {data['outstanding']}, {len(data['attendees'])} attendees) (target < 200 ms)"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--taps", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_taps(Path(tmp), args.taps)
        bench_big(Path(tmp))


if __name__ == "__main__":
    main()
