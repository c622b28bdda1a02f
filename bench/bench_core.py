"""Core benchmarks (run by hand): tap latency vs a bare INSERT+COMMIT, status and import of a
2,000-attendee / 50,000-copy meeting. Results go in bench/README.md.

    python bench/bench_core.py [--taps 500]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from carrier_tracker import db
from carrier_tracker.custody import record_tap
from carrier_tracker.enums import Mode
from carrier_tracker.importer import import_workbook
from carrier_tracker.meetings import status

ROOT = Path(__file__).resolve().parents[1]
KEY = b"b" * 32


def load_make_sample():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_sample", ROOT / "samples" / "make_sample.py")
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
        record_tap(session=s, key=KEY, meeting_code=code, uid=make_sample.uid_for(f"{code}/pass/A001"), mode=Mode.ISSUE)
    uids = [make_sample.uid_for(f"{code}/HY-06/{k}") for k in range(1, 61)]
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bare (id INTEGER PRIMARY KEY, payload TEXT)"))

    tap_times, bare_times = [], []
    for i in range(n):
        uid = uids[i % len(uids)]
        mode = Mode.ISSUE if (i // len(uids)) % 2 == 0 else Mode.RECALL
        t0 = time.perf_counter()
        with db.session_scope(engine) as s:
            record_tap(session=s, key=KEY, meeting_code=code, uid=uid, mode=mode, attendee_code="A001")
        tap_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bare (payload) VALUES (:p)"), {"p": uid})
        bare_times.append(time.perf_counter() - t0)
    tap_med, bare_med = statistics.median(tap_times), statistics.median(bare_times)
    print(f"tap (service call + commit), n={n}: median {ms(tap_med)}, p95 {ms(sorted(tap_times)[int(n * 0.95)])}")
    print(f"bare one-row INSERT+COMMIT, same file:  median {ms(bare_med)}")
    print(f"ratio tap/bare: {tap_med / bare_med:.2f}x (target: median < 5 ms and < 3x)")
    engine.dispose()


def bench_big(workdir: Path) -> None:
    big = workdir / "big.xlsx"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "samples" / "make_sample.py"), "--attendees", "2000", "--copies", "50000", "--code", "BIG", "-o", str(big)], check=True, capture_output=True)
    print(f"generated 2,000 attendees / 50,000 copies workbook in {time.perf_counter() - t0:.1f} s")
    engine = db.make_engine(f"sqlite:///{workdir / 'big.db'}")
    db.upgrade(engine)
    t0 = time.perf_counter()
    with db.session_scope(engine) as s:
        result = import_workbook(session=s, key=KEY, path=big)
    print(f"import: {time.perf_counter() - t0:.2f} s for {result.copies} copies, {result.attendees} attendees (target < 15 s)")
    make_sample = load_make_sample()
    # Put some of it out so status has work: 5,000 copies issued across 2,000 attendees.
    with db.session_scope(engine) as s:
        s.execute(text("UPDATE carrier SET state='issued', holder_id = 1 + (id % 2000), state_since = CURRENT_TIMESTAMP WHERE kind='copy' AND id % 10 = 0"))
    del make_sample
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        with db.session_scope(engine) as s:
            data = status(s, "BIG")
        times.append(time.perf_counter() - t0)
    print(f"status: median {ms(statistics.median(times))} (outstanding {data['outstanding']}, {len(data['attendees'])} attendees) (target < 200 ms)")
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
