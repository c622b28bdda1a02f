"""Core benchmarks (run by hand): tap latency vs a bare INSERT+COMMIT made through the
``sqlite3`` module itself (wall and CPU time), status and import of a 2,000-attendee /
50,000-copy meeting. Results go in bench/README.md.

    python bench/bench_core.py [--taps 500]
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

from carrier_tracker import db
from carrier_tracker.custody import record_tap
from carrier_tracker.enums import Mode
from carrier_tracker.importer import import_workbook
from carrier_tracker.meetings import status

ROOT = Path(__file__).resolve().parents[1]
KEY = b"b" * 32


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


def bench_taps(workdir: Path, n: int) -> None:
    make_sample = load_make_sample()
    url = f"sqlite:///{workdir / 'taps.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    with db.session_scope(engine) as s:
        import_workbook(session=s, key=KEY, path=ROOT / "samples" / "meeting.xlsx")
    code = "HY2026-12"
    with db.session_scope(engine) as s:
        record_tap(
            session=s,
            key=KEY,
            meeting_code=code,
            uid=make_sample.uid_for(f"{code}/pass/A001"),
            mode=Mode.ISSUE,
        )
    uids = [make_sample.uid_for(f"{code}/HY-06/{k}") for k in range(1, 61)]
    # The yardstick: one-row INSERT+COMMIT through the sqlite3 module itself, on the same file,
    # with the same pragmas as our engine (WAL, synchronous=FULL), so no SQLAlchemy overhead
    # hides inside the denominator.
    raw = sqlite3.connect(workdir / "taps.db", isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=FULL")
    raw.execute("CREATE TABLE bare (id INTEGER PRIMARY KEY, payload TEXT)")

    tap_wall, tap_cpu, bare_wall, bare_cpu = [], [], [], []
    for i in range(n):
        # Issue a copy, then recall it: the desk's two commonest taps, alternating.
        uid = uids[(i // 2) % len(uids)]
        mode = Mode.ISSUE if i % 2 == 0 else Mode.RECALL
        t0, c0 = time.perf_counter(), time.process_time()
        with db.session_scope(engine) as s:
            record_tap(
                session=s, key=KEY, meeting_code=code, uid=uid, mode=mode, attendee_code="A001"
            )
        tap_wall.append(time.perf_counter() - t0)
        tap_cpu.append(time.process_time() - c0)
        t0, c0 = time.perf_counter(), time.process_time()
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("INSERT INTO bare (payload) VALUES (?)", (uid,))
        raw.execute("COMMIT")
        bare_wall.append(time.perf_counter() - t0)
        bare_cpu.append(time.process_time() - c0)
    raw.close()
    med = statistics.median
    print(
        f"tap (service call + commit), n={n}: median {ms(med(tap_wall))} wall, {ms(med(tap_cpu))} CPU; p95 {ms(sorted(tap_wall)[int(n * 0.95)])}"
    )
    print(
        f"bare sqlite3 one-row INSERT+COMMIT, same file: median {ms(med(bare_wall))} wall, {ms(med(bare_cpu))} CPU"
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
    parser.add_argument("--taps", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_taps(Path(tmp), args.taps)
        bench_big(Path(tmp))


if __name__ == "__main__":
    main()
