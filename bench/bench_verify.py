"""``verify`` benchmark (run by hand): a meeting of 2,000 attendees and 50,000 copies with a
history of about 200,000 taps made through the tap service, verified three ways in one run:

- the floor: the rows read with ``sqlite3`` and every link's HMAC recomputed;
- the fold alone: the chain checked, every event decoded and folded (no re-decide, no compare);
- ``verify``: all of that, every accepted event re-decided, every table row compared.

    python bench/bench_verify.py [--events 200000] [--rounds 3] [--keep DIR]

The meeting is built once (a few minutes) and kept in ``--keep`` (default bench/out/verify) for
later runs; each measurement runs in its own process, alternating, so their peak RSS is their own.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from big_meeting import CODE, big_workbook, recorded_history

ROOT = Path(__file__).resolve().parents[1]
KEY = b"v" * 32


def prepare(work: Path, events: int) -> str:
    """Import the big meeting, file it, issue every pass, then issue and recall copies until the
    chain holds ``events`` events (``big_meeting.recorded_history``)."""
    work.mkdir(parents=True, exist_ok=True)
    path = work / "verify.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        refused = recorded_history(url, KEY, big_workbook(work), events)
        print(f"  of which {refused} refused (recorded as refusals)")
    return url


def floor(url: str) -> None:
    """The rows read with sqlite3 and every link's HMAC recomputed (what any verify must do)."""
    from types import SimpleNamespace

    from carrier_tracker.ledger.chain import event_hash

    t0 = time.perf_counter()
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    cur = conn.execute("SELECT * FROM event ORDER BY meeting_id, seq")
    names = [d[0] for d in cur.description]
    prev, count = "0" * 64, 0
    from datetime import datetime

    for values in cur:
        row = SimpleNamespace(**dict(zip(names, values, strict=True)))
        row.at = datetime.fromisoformat(row.at)
        if event_hash(KEY, prev, row) != row.hash:
            raise SystemExit(f"broken at {row.seq}")
        prev, count = row.hash, count + 1
    _report("floor: sqlite3 + HMAC", t0, count)


def fold_only(url: str) -> None:
    """The chain checked, every event decoded and folded: no re-decide, no compare."""
    from carrier_tracker.custody.service import find_meeting
    from carrier_tracker.ledger import codec
    from carrier_tracker.ledger.audit import event_rows
    from carrier_tracker.ledger.chain import ChainVerifier
    from carrier_tracker.ledger.fold import MeetingWorld
    from carrier_tracker.storage import db

    engine = db.make_engine(url, read_only=True)
    t0 = time.perf_counter()
    with db.read_scope(engine) as s:
        meeting = find_meeting(s, CODE)
        verifier, world = ChainVerifier(KEY, CODE), MeetingWorld()
        for row in event_rows(s, meeting.id):
            verifier.feed(row)
            world.apply(codec.decode(row), row.hash)
    _report("fold alone", t0, world.count)


def verify(url: str, *, inline: bool = False) -> None:
    """``verify`` of the meeting: chain, re-decide, fold, every row compared (system chain too),
    the links checked in a child process as the command does (``inline``: all in this one)."""
    from carrier_tracker.custody.service import find_meeting
    from carrier_tracker.ledger.audit import CHAIN_APART_MIN, audit_meeting
    from carrier_tracker.storage import db

    engine = db.make_engine(url, read_only=True)
    t0 = time.perf_counter()
    with db.read_scope(engine) as s:
        apart = None if inline else CHAIN_APART_MIN
        report = audit_meeting(s, KEY, find_meeting(s, CODE), apart=apart)
    what = "verify inline" if inline else "verify"
    _report(f"{what} (ok={report.ok}, findings={len(report.findings())})", t0, report.chain.count)


def verify_inline(url: str) -> None:
    """``verify`` in one process (the links checked here too)."""
    verify(url, inline=True)


def _report(what: str, t0: float, count: int) -> None:
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"RESULT {what}\t{wall:.2f} s\t{count} events\tpeak RSS {peak:.0f} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", default=str(ROOT / "bench" / "out" / "verify"))
    parser.add_argument("--stage", choices=["floor", "fold", "verify-inline", "verify"])
    parser.add_argument("--url")
    args = parser.parse_args()
    stages = {"floor": floor, "fold": fold_only, "verify-inline": verify_inline, "verify": verify}
    if args.stage:
        stages[args.stage](args.url)
        return
    t0 = time.perf_counter()
    url = prepare(Path(args.keep), args.events)
    print(f"prepared in {time.perf_counter() - t0:.0f} s: {url}")
    times: dict[str, list[float]] = {name: [] for name in stages}
    for _ in range(args.rounds):
        for name in stages:
            out = subprocess.run(
                [sys.executable, __file__, "--stage", name, "--url", url],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            line = next(x for x in out.splitlines() if x.startswith("RESULT"))
            print(line, flush=True)
            times[name].append(float(line.split("\t")[1].split()[0]))
    med = {name: statistics.median(v) for name, v in times.items()}
    print(
        f"medians: floor {med['floor']:.2f} s, fold {med['fold']:.2f} s,"
        f" verify inline {med['verify-inline']:.2f} s, verify {med['verify']:.2f} s;"
        f" verify/fold {med['verify'] / med['fold']:.2f}x, verify/floor {med['verify'] / med['floor']:.1f}x"
    )


if __name__ == "__main__":
    main()
