"""Many desks (issue #24, run by hand): eight desks on PostgreSQL tapping one 100,000-copy meeting
for 60 s — each desk its own process with its own engine, every tap through ``db.tap_scope`` and
``record_tap`` as a desk makes it — then the whole chain verified. The floor, measured in the same
run: eight processes doing a bare one-row INSERT+COMMIT through psycopg on the same server.

    python bench/bench_desks.py [--desks 8] [--seconds 60] [--size national] [--pg-url URL]
                                [--rates 0,3] [--before OLD_CHECKOUT]

The server is ``--pg-url`` or ``$CT_TEST_PG_URL`` (``source .ci/services.sh start``); the bench
makes (and leaves) a database ``<$CT_TEST_PG_PREFIX or bench_>desks`` on it. The meeting is
bench/make_meeting.py's with every pass handed out; desk ``i`` hands out the copies numbered
``k ≡ i (mod desks)`` to its own attendees (every ``desks``-th), fifty at a time, and takes them
back: every tap should be accepted, and each desk's taps serialise with the others' only on
the meeting's ledger head (one chain per meeting).

Each of ``--rates`` is one run of ``--seconds``: 0 taps as fast as the desks can (the ceiling),
N paces each desk at N taps a second (a custodian taps a tag, sees the result, takes the next).
``--before`` adds runs of another checkout's code (e.g. ``git worktree add /tmp/before
e3c65c0``) on the same database, alternating with this code's. The chain is verified at the end,
over every run's taps.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from make_meeting import SIZES, eligible, make_database, plan_meeting, uid_for, write_workbook  # noqa: E402

CHUNK = 50


def database_url(server: str, name: str) -> str:
    """A fresh, empty database ``name`` on the server (created if missing, its schema emptied)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


def desk(
    i: int,
    n: int,
    url: str,
    key_path: str,
    size: str,
    code: str,
    seconds: float,
    rate: float,
    checkout: str,
    start: int,
    out: Any,
) -> None:
    """One desk: hand out and take back its copies for ``seconds`` (at ``rate`` taps a second,
    0: flat out), from position ``start`` of its plan; report each tap's time."""
    if checkout:
        sys.path.insert(0, checkout)
    from carrier_tracker import ledger
    from carrier_tracker.custody.service import record_tap
    from carrier_tracker.enums import Mode
    from carrier_tracker.storage import db

    meeting = plan_meeting(*SIZES[size], code)
    key = ledger.load_key(Path(key_path))
    engine = db.make_engine(url)
    mine = [p for j, p in enumerate(meeting.people) if j % n == i]
    plan: list[tuple[str, str]] = []  # (copy UID, attendee) in the order this desk hands out
    for d in meeting.docs:
        who = [p for p in mine if eligible(p, d)]
        copies = [k for k in range(1, d.copies + 1) if k % n == i]
        plan += [
            (uid_for(f"{code}/{d.number}/{k}"), p.code) for k, p in zip(copies, who, strict=False)
        ]
    station = f"{i + 1}号台"
    times: list[float] = []
    refused: list[str] = []
    errors: list[str] = []
    stop = time.monotonic() + seconds
    at = start
    while time.monotonic() < stop:
        chunk = [plan[(at + j) % len(plan)] for j in range(CHUNK)]
        at += CHUNK
        for mode in (Mode.ISSUE, Mode.RECALL):
            for uid, person in chunk:
                if time.monotonic() >= stop:  # copies left out: later runs start elsewhere
                    break
                t0 = time.perf_counter()
                try:
                    with db.tap_scope(engine) as conn:
                        o = record_tap(
                            session=conn, key=key, meeting_code=code, uid=uid, mode=mode,
                            attendee_code=person, operator="孙文管", station=station,
                        )  # fmt: skip
                except Exception as e:  # an error is what this bench counts, not a crash
                    errors.append(f"{type(e).__name__}: {str(e).splitlines()[0][:200]}")
                    continue
                took = time.perf_counter() - t0
                times.append(took)
                if o.refused:
                    refused.append(o.message)
                if rate:
                    time.sleep(max(0.0, 1 / rate - took))
    engine.dispose()
    out.put((i, times, refused, errors))


def bare(i: int, url: str, seconds: float, out: Any) -> None:
    """The floor: one-row INSERT+COMMIT through psycopg itself, for ``seconds``."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    times: list[float] = []
    with psycopg.connect(dsn) as conn:
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            conn.execute("INSERT INTO bare (desk, payload) VALUES (%s, %s)", (i, "04A1B2C3D4E5F6"))
            conn.commit()
            times.append(time.perf_counter() - t0)
    out.put((i, times, [], []))


def run(target: Any, n: int, args: tuple[Any, ...]) -> tuple[list[float], list[str], list[str]]:
    """Start ``n`` processes of ``target`` at once; gather their taps' times, refusals, errors."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=target, args=(i, *args, out)) for i in range(n)]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    times = [t for _, ts, _, _ in results for t in ts]
    FIRSTS[:] = [ts[0] for _, ts, _, _ in results if ts]
    LATER[:] = [t for _, ts, _, _ in results for t in ts[1:]]
    return (
        times,
        [r for _, _, rs, _ in results for r in rs],
        [e for _, _, _, es in results for e in es],
    )


FIRSTS: list[float] = []
"""Each process's first tap in the last :func:`run` (it compiles and prepares its statements)."""
LATER: list[float] = []
"""Every other tap of the last :func:`run`."""


def pct(times: list[float], q: float) -> float:
    return sorted(times)[min(len(times) - 1, int(len(times) * q))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--desks", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--size", choices=sorted(SIZES), default="national")
    parser.add_argument("--pg-url", default=os.environ.get("CT_TEST_PG_URL", ""))
    parser.add_argument(
        "--rates", default="0,3", help="taps a second a desk, per run (0: flat out)"
    )
    parser.add_argument("--before", type=Path, help="another checkout, run alternately")
    args = parser.parse_args()
    args.rates = [float(r) for r in args.rates.split(",")]
    if not args.pg_url:
        parser.error("no server: give --pg-url or source .ci/services.sh start")
    name = os.environ.get("CT_TEST_PG_PREFIX", "bench_") + "desks"
    url = database_url(args.pg_url, name)
    meeting = plan_meeting(*SIZES[args.size], f"NAT{SIZES[args.size][0]}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        workdir.chmod(0o700)
        key = workdir / "key" / "ledger.key"
        t0 = time.perf_counter()
        write_workbook(meeting, workdir / "m.xlsx")
        made = make_database(workdir / "m.xlsx", meeting, url, key, passes_only=True)
        print(
            f"meeting {meeting.code} on PostgreSQL ({name}): {len(meeting.people)} attendees, "
            f"{meeting.copies} copies, passes out; {made['events']} events ({time.perf_counter() - t0:.0f} s)"
        )

        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(
                text("CREATE TABLE bare (id bigserial PRIMARY KEY, desk int, payload text)")
            )
        engine.dispose()
        floor, _, floor_errors = run(bare, args.desks, (url, min(args.seconds, 20)))
        print(
            f"floor: {args.desks} processes, bare INSERT+COMMIT (psycopg), {len(floor)} commits: "
            f"p50 {pct(floor, 0.5):.2f} ms, p99 {pct(floor, 0.99):.2f} ms, {len(floor_errors)} errors"
        )

        variants = [("", rate) for rate in args.rates]
        if args.before:
            variants = [v for rate in args.rates for v in (("", rate), (str(args.before), rate))]
        for n_run, (checkout, rate) in enumerate(variants):
            t0 = time.perf_counter()
            common = (args.size, meeting.code, args.seconds, rate, checkout, n_run * 1000)
            times, refused, errors = run(desk, args.desks, (args.desks, url, str(key), *common))
            wall = time.perf_counter() - t0
            label = ("before" if checkout else "this code") + (
                f", {rate:g} taps/s a desk" if rate else ", flat out"
            )
            print(
                f"desks ({label}): {args.desks} desks x {args.seconds:.0f} s, {len(times)} taps "
                f"({len(times) / args.seconds:.0f} a second in all), {len(refused)} refused, "
                f"{len(errors)} errors"
            )
            print(
                f"  tap p50 {pct(times, 0.5):.1f} ms, p95 {pct(times, 0.95):.1f} ms, "
                f"p99 {pct(times, 0.99):.1f} ms, max {max(times) * 1000:.0f} ms  ->  p99 "
                f"{pct(times, 0.99) / pct(floor, 0.99):.1f}x the bare commit's p99 ({wall:.0f} s in all)"
            )
            print(
                f"  each desk's first tap (compiles its statements): median"
                f" {statistics.median(FIRSTS) * 1000:.0f} ms; the others: p50 {pct(LATER, 0.5):.1f}"
                f" ms, p99 {pct(LATER, 0.99):.1f} ms"
            )
            for message in sorted(set(refused))[:5] + sorted(set(errors))[:5]:
                print(f"  e.g. {message}")

        env = {**os.environ, "CARRIER_TRACKER_DB": url, "CARRIER_TRACKER_KEY_FILE": str(key)}
        t0 = time.perf_counter()
        check = subprocess.run(
            [sys.executable, "-m", "carrier_tracker.cli", "verify", meeting.code],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        print(
            f"verify (exit {check.returncode}, {time.perf_counter() - t0:.1f} s): "
            f"{(check.stdout + check.stderr).strip()[:300]}"
        )


if __name__ == "__main__":
    main()
