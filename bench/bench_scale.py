"""Issue #24 at four sizes (run by hand): ``status``, ``--by-document``, ``--break`` as whole
processes against their floors (bench/floors.py: the bare ``sqlite3`` queries of the same rows),
the desk's reads (清点, 分发情况) in process, and a copy tap against a pass tap and a bare
INSERT+COMMIT — every ratio measured in the same run. Results go in bench/README.md.

    python bench/bench_scale.py [--sizes demo,500,2000,national] [--runs 7] [--taps 200]
                                [--workdir DIR] [--before OLD_CHECKOUT]

The meetings come from bench/make_meeting.py (``--size S --taps``), made once and kept in
``--workdir`` (default /tmp/ct-bench-scale). ``--before`` times the same commands of another
checkout of the code (e.g. ``git worktree add /tmp/before e3c65c0``) on a copy of each database
taken down to that code's schema, alternating with this code, same minutes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from make_meeting import SIZES, eligible, plan_meeting, uid_for  # noqa: E402

TIME = "/usr/bin/time"  # GNU time: its own child's peak RSS (ru_maxrss is not reset by exec)


def prepare(workdir: Path, size: str) -> tuple[Path, Path, str]:
    """The size's database with its history (made once), its key file and meeting code."""
    attendees = SIZES[size][0]
    code = f"NAT{attendees}"
    xlsx = workdir / f"{size}.xlsx"
    db, key = xlsx.with_suffix(".db"), workdir / f"{size}-key" / "ledger.key"
    if not db.exists():
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(BENCH / "make_meeting.py"),
                "--size",
                size,
                "-o",
                str(xlsx),
                "--taps",
            ],
            check=True,
            capture_output=True,
        )
        print(f"  made {size}: {time.perf_counter() - t0:.0f} s", flush=True)
    return db, key, code


def old_copy(db: Path, key: Path, before: Path, workdir: Path) -> Path:
    """A copy of ``db`` at the schema of the code in ``before`` (its newest migration)."""
    target = workdir / f"{db.parent.name}-{db.stem}-before.db"
    if target.exists():
        return target
    shutil.copy(db, target)
    versions = sorted(p.name[:4] for p in (before / "carrier_tracker").rglob("versions/0*.py"))
    script = (
        "from alembic import command\n"
        "from carrier_tracker.storage import db\n"
        f"engine = db.make_engine('sqlite:///{target}')\n"
        "with engine.begin() as conn:\n"
        f"    command.downgrade(db._alembic_config(conn), '{versions[-1]}')\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT)
    return target


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of one process."""
    with tempfile.NamedTemporaryFile("r") as out:
        t0 = time.perf_counter()
        p = subprocess.run(
            [TIME, "-f", "%U %S %M", "-o", out.name, *cmd],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wall = time.perf_counter() - t0
        assert p.returncode == 0, (cmd, p.stderr.decode()[-500:])
        user, system, kb = out.read().split()[-3:]
    return wall, float(user) + float(system), int(kb) / 1024


def rounds(rows: list[tuple[str, list[str], dict[str, str]]], runs: int) -> dict[str, Any]:
    """Each row's median wall, CPU and peak RSS over ``runs`` rounds, the rows alternating in
    each round (one warm-up round first)."""
    seen: dict[str, list[tuple[float, float, float]]] = {label: [] for label, _, _ in rows}
    for r in range(runs + 1):
        for label, cmd, env in rows:
            result = measure(cmd, env)
            if r:
                seen[label].append(result)
    return {
        label: tuple(statistics.median(x[i] for x in results) for i in range(3))
        for label, results in seen.items()
    }


def cli(checkout: Path | None) -> list[str]:
    """The command line of the CLI of this checkout, or of another one (``--before``)."""
    if checkout is None:
        return [sys.executable, "-m", "carrier_tracker.cli"]
    boot = (
        f"import sys; sys.path.insert(0, {str(checkout)!r}); "
        "from carrier_tracker.cli.main import main; sys.exit(main(sys.argv[1:]))"
    )
    return [sys.executable, "-c", boot]


def bench_views(size: str, db: Path, key: Path, code: str, args: argparse.Namespace) -> None:
    env = {**os.environ, "CARRIER_TRACKER_KEY_FILE": str(key)}
    here = {**env, "CARRIER_TRACKER_DB": f"sqlite:///{db}"}
    rows: list[tuple[str, list[str], dict[str, str]]] = [
        ("python -c pass", [sys.executable, "-c", "pass"], env)
    ]
    for view, flags in (("status", []), ("by-document", ["--by-document"]), ("break", ["--break"])):
        rows.append(
            (f"floor {view}", [sys.executable, str(BENCH / "floors.py"), view, str(db), code], env)
        )
        rows.append(
            (f"status {' '.join(flags)}".strip(), [*cli(None), "status", code, *flags], here)
        )
        if args.before:
            old = {
                **env,
                "CARRIER_TRACKER_DB": f"sqlite:///{old_copy(db, key, args.before, args.workdir)}",
            }
            rows.append(
                (
                    f"before: status {' '.join(flags)}".strip(),
                    [*cli(args.before), "status", code, *flags],
                    old,
                )
            )
    results = rounds(rows, args.runs)
    base = results["python -c pass"][0]
    print(f"\n== {size}: views as whole processes, medians of {args.runs} rounds ==")
    floors = {
        "status": "floor status",
        "status --by-document": "floor by-document",
        "status --break": "floor break",
    }
    for label, (wall, cpu, rss) in results.items():
        name = label.removeprefix("before: ")
        ratio = f"  {wall / results[floors[name]][0]:5.2f}x its floor" if name in floors else ""
        print(
            f"  {label:34s} {wall * 1000:8.0f} ms wall {cpu * 1000:8.0f} ms CPU {rss:6.0f} MB  ({wall / base:5.1f}x python -c pass){ratio}"
        )


def bench_desk_reads(db: Path, code: str, runs: int) -> None:
    """The 清点 screen's and 分发情况's reads as the desk makes them (an ORM read session)."""
    from carrier_tracker.custody.service import find_meeting
    from carrier_tracker.meeting.distribution import plan_view
    from carrier_tracker.storage import db as storage
    from carrier_tracker.storage.readmodel import reconciliation

    engine = storage.make_engine(f"sqlite:///{db}", read_only=True)
    times: dict[str, list[float]] = {"清点 reconciliation": [], "分发情况 plan_view": []}
    for _ in range(runs):
        with storage.read_scope(engine) as s:
            meeting = find_meeting(s, code)
            t0 = time.perf_counter()
            recon = reconciliation(s, meeting)
            t1 = time.perf_counter()
            plan_view(s, code)
            t2 = time.perf_counter()
        times["清点 reconciliation"].append(t1 - t0)
        times["分发情况 plan_view"].append(t2 - t1)
    engine.dispose()
    print(
        f"  desk reads in process (read session), medians of {runs}: "
        + ", ".join(f"{k} {statistics.median(v) * 1000:.0f} ms" for k, v in times.items())
        + f" ({recon.outstanding} outstanding, {len(recon.everyone)} attendees)"
    )


def bench_taps(size: str, db: Path, key_path: Path, code: str, n: int) -> None:
    """Copy taps and pass taps (recall, then issue again: accepted every time) through
    ``db.tap_scope`` as a desk makes them, alternating with a bare INSERT+COMMIT through
    ``sqlite3`` on the same file with the same pragmas."""
    from carrier_tracker import ledger
    from carrier_tracker.custody.service import record_tap
    from carrier_tracker.enums import Mode
    from carrier_tracker.storage import db as storage

    key = ledger.load_key(key_path)
    with tempfile.TemporaryDirectory(dir=db.parent) as tmp:
        work = Path(tmp) / "taps.db"
        shutil.copy(db, work)
        engine = storage.make_engine(f"sqlite:///{work}")

        def tap(uid: str, mode: Mode, attendee: str | None = None) -> tuple[float, float]:
            t0, c0 = time.perf_counter(), time.process_time()
            with storage.tap_scope(engine) as conn:
                out = record_tap(
                    session=conn, key=key, meeting_code=code, uid=uid, mode=mode,
                    attendee_code=attendee, operator="孙文管", station="一号台",
                )  # fmt: skip
            assert not out.refused, out.message
            return time.perf_counter() - t0, time.process_time() - c0

        raw = sqlite3.connect(work, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            raw.execute(f"PRAGMA {pragma}")
        raw.execute("CREATE TABLE bare (id INTEGER PRIMARY KEY, payload TEXT)")

        def bare() -> tuple[float, float]:
            t0, c0 = time.perf_counter(), time.process_time()
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("INSERT INTO bare (payload) VALUES ('04A1B2C3D4E5F6')")
            raw.execute("COMMIT")
            return time.perf_counter() - t0, time.process_time() - c0

        k = min(40, SIZES[size][0] // 3)
        people = [
            c for (c,) in raw.execute("SELECT code FROM attendee ORDER BY code LIMIT ?", (k,))
        ]
        held = raw.execute(  # copies others hold, to recall and issue back
            "SELECT d.number, c.copy_number, a.code FROM carrier c JOIN document d ON d.id ="
            " c.document_id JOIN attendee a ON a.id = c.holder_id WHERE c.state = 'issued'"
            " AND a.code NOT IN (SELECT code FROM attendee ORDER BY code LIMIT ?)"
            " ORDER BY c.id DESC LIMIT ?",
            (k, k),
        ).fetchall()
        mine = raw.execute(  # the chosen people's copies: back, so their passes may come back
            "SELECT d.number, c.copy_number FROM carrier c JOIN document d ON d.id = c.document_id"
            " JOIN attendee a ON a.id = c.holder_id WHERE c.state IN ('issued', 'carried_out')"
            " AND a.code IN (SELECT code FROM attendee ORDER BY code LIMIT ?)",
            (k,),
        ).fetchall()
        for doc, n_ in mine:
            tap(uid_for(f"{code}/{doc}/{n_}"), Mode.RECALL)
        seen: dict[str, list[tuple[float, float]]] = {"copy": [], "pass": [], "bare": []}
        while len(seen["copy"]) < n:
            for (doc, n_, who), person in zip(held, people, strict=False):
                copy, card = uid_for(f"{code}/{doc}/{n_}"), uid_for(f"{code}/pass/{person}")
                for mode in (Mode.RECALL, Mode.ISSUE):
                    seen["copy"].append(tap(copy, mode, who if mode is Mode.ISSUE else None))
                    seen["bare"].append(bare())
                    seen["pass"].append(tap(card, mode))
                    seen["bare"].append(bare())
        raw.close()
        engine.dispose()
    med = {
        k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
        for k, v in seen.items()
    }
    copy, card, floor = med["copy"], med["pass"], med["bare"]
    print(
        f"  taps (n={len(seen['copy'])} each, recall/issue, tap_scope): copy {copy[0] * 1000:.2f} ms wall"
        f" {copy[1] * 1000:.2f} ms CPU; pass {card[0] * 1000:.2f} / {card[1] * 1000:.2f}; bare INSERT+COMMIT"
        f" {floor[0] * 1000:.2f} / {floor[1] * 1000:.2f}  ->  copy/pass {copy[0] / card[0]:.2f}x wall"
        f" {copy[1] / card[1]:.2f}x CPU; copy/bare {copy[0] / floor[0]:.2f}x wall"
    )


def bench_batch(size: str, workdir: Path, n: int = 1000) -> None:
    """Issue #24's tap batch: copies of ``n`` documents handed to one attendee, whose holdings
    grow to ``n`` copies, and ``n`` passes taken back — each tap through ``db.tap_scope`` as the
    CLI's ``tap`` makes it, alternating with a bare INSERT+COMMIT. On the size's attendees and
    copies spread over 1,000 documents (the importer's limit), only the passes out."""
    from carrier_tracker import ledger
    from carrier_tracker.custody.service import record_tap
    from carrier_tracker.enums import Mode
    from carrier_tracker.storage import db as storage

    attendees, _, copies = SIZES[size]
    documents = min(1000, copies // 10)
    code = f"BAT{attendees}"
    xlsx = workdir / f"{size}-batch.xlsx"
    base, key_path = xlsx.with_suffix(".db"), workdir / f"{size}-batch-key" / "ledger.key"
    meeting = plan_meeting(attendees, documents, copies, code)
    if not base.exists():
        subprocess.run(
            [sys.executable, str(BENCH / "make_meeting.py"), "--attendees", str(attendees),
             "--documents", str(documents), "--copies", str(copies), "--code", code,
             "-o", str(xlsx), "--taps", "--passes-only"],
            check=True, capture_output=True,
        )  # fmt: skip
    key = ledger.load_key(key_path)
    person = meeting.people[0]
    docs = [d for d in meeting.docs if eligible(person, d)][: min(n, attendees - 1)]
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        work = Path(tmp) / "batch.db"
        shutil.copy(base, work)
        engine = storage.make_engine(f"sqlite:///{work}")
        raw = sqlite3.connect(work, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL"):
            raw.execute(f"PRAGMA {pragma}")
        raw.execute("CREATE TABLE bare (id INTEGER PRIMARY KEY, payload TEXT)")

        def timed(uid: str, mode: Mode, attendee: str | None = None) -> tuple[float, float]:
            t0, c0 = time.perf_counter(), time.process_time()
            with storage.tap_scope(engine) as conn:
                out = record_tap(
                    session=conn, key=key, meeting_code=code, uid=uid, mode=mode,
                    attendee_code=attendee, operator="孙文管",
                )  # fmt: skip
            assert not out.refused, out.message
            return time.perf_counter() - t0, time.process_time() - c0

        def bare() -> tuple[float, float]:
            t0, c0 = time.perf_counter(), time.process_time()
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("INSERT INTO bare (payload) VALUES ('04A1B2C3D4E5F6')")
            raw.execute("COMMIT")
            return time.perf_counter() - t0, time.process_time() - c0

        for other in meeting.people[:50]:  # warm up (caches, the tap line), not timed
            timed(uid_for(f"{code}/pass/{other.code}"), Mode.ENTRANCE)
            bare()
        copy_taps, pass_taps, floor = [], [], []
        for k, doc in enumerate(docs, start=1):
            copy_taps.append(timed(uid_for(f"{code}/{doc.number}/1"), Mode.ISSUE, person.code))
            floor.append(bare())
            pass_taps.append(timed(uid_for(f"{code}/pass/{meeting.people[k].code}"), Mode.RECALL))
            floor.append(bare())
        raw.close()
        engine.dispose()

    def med(values: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(w for w, _ in values), statistics.median(c for _, c in values)

    card, bare_ = med(pass_taps), med(floor)
    print(
        f"  batch ({attendees} attendees, {documents} documents): {len(docs)} pass taps (recall)"
        f" {card[0] * 1000:.2f} ms wall {card[1] * 1000:.2f} ms CPU; bare INSERT+COMMIT"
        f" {bare_[0] * 1000:.2f} / {bare_[1] * 1000:.2f}"
    )
    for label, part in (
        ("first 100", copy_taps[:100]),
        ("last 100", copy_taps[-100:]),
        ("all", copy_taps),
    ):
        copy = med(part)
        print(
            f"    copies of {len(docs)} documents to one attendee, {label:9s}: {copy[0] * 1000:.2f} ms"
            f" wall {copy[1] * 1000:.2f} ms CPU  ->  {copy[0] / card[0]:.2f}x pass wall,"
            f" {copy[1] / card[1]:.2f}x pass CPU, {copy[0] / bare_[0]:.2f}x bare wall"
        )


def bench_demo_status(args: argparse.Namespace) -> None:
    """``status`` of the demo meeting (the sample, as ``demo`` prepares it) against
    ``python -c pass`` and ``--version``: the start-up every real command pays."""
    from carrier_tracker.cli.demo import CODE, prepare_demo_database

    home = args.workdir / "demo"
    if not (home / "demo.db").exists():
        home.mkdir(mode=0o700)
        prepare_demo_database(home)
    env = {**os.environ, "CARRIER_TRACKER_DB": f"sqlite:///{home / 'demo.db'}"}
    env["CARRIER_TRACKER_KEY_FILE"] = str(home / "ledger.key")
    exe = str(Path(sys.executable).with_name("carrier-tracker"))
    rows = [
        ("python -c pass", [sys.executable, "-c", "pass"], env),
        ("carrier-tracker --version", [exe, "--version"], env),
        ("carrier-tracker status (demo)", [exe, "status", CODE], env),
    ]
    if args.before:
        old = {
            **env,
            "CARRIER_TRACKER_DB": f"sqlite:///{old_copy(home / 'demo.db', home / 'ledger.key', args.before, args.workdir)}",
        }
        rows.append(("before: status (demo)", [*cli(args.before), "status", CODE], old))
    results = rounds(rows, max(args.runs, 11))
    base = results["python -c pass"][0]
    print(f"\n== demo meeting: start-up, medians of {max(args.runs, 11)} rounds ==")
    for label, (wall, cpu, rss) in results.items():
        print(
            f"  {label:34s} {wall * 1000:8.0f} ms wall {cpu * 1000:8.0f} ms CPU {rss:6.0f} MB  ({wall / base:5.1f}x python -c pass)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="demo,500,2000,national")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--taps", type=int, default=200, help="copy taps timed per size")
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ct-bench-scale"
    )
    parser.add_argument("--before", type=Path, help="another checkout to time A/B")
    parser.add_argument("--skip", default="", help="comma list of: startup,views,desk,taps,batch")
    args = parser.parse_args()
    args.workdir.mkdir(mode=0o700, exist_ok=True)
    skip = set(filter(None, args.skip.split(",")))
    if "startup" not in skip:
        bench_demo_status(args)
    for size in args.sizes.split(","):
        db, key, code = prepare(args.workdir, size)
        plan_meeting(*SIZES[size], code)  # the sizes are valid
        if "views" not in skip:
            bench_views(size, db, key, code, args)
        if "desk" not in skip:
            bench_desk_reads(db, code, args.runs)
        if "taps" not in skip:
            bench_taps(size, db, key, code, args.taps)
        if "batch" not in skip:
            bench_batch(size, args.workdir)


if __name__ == "__main__":
    main()
