"""Period report benchmark (run by hand): ``report`` over 200 meetings with 100,000 copies in all,
spread over a year, each with a history recorded through the real tap service (so every chain
verifies); wall time and peak memory of the report, and of verifying the same chains alone.

    python bench/bench_report.py [--meetings 200] [--copies 100000] [--workdir DIR] [--rounds 3]

The target (issue #23): under 30 s and 500 MB. Each measurement runs in its own process (its peak
RSS is its own ``VmHWM``). ``--workdir`` keeps the database for the next run (building it takes
several minutes). Meetings are made by ``bench/make_meeting.py`` (its workbook and its history of
taps: passes out, copies out to eligible attendees, a break, every other document recalled).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
KEY = b"r" * 32
ATTENDEES, DOCUMENTS = 60, 5
FIRST, LAST = "2026-01-01", "2026-12-31"


def cpu_s() -> float:
    """This process's CPU time (user + system): what a busy shared host changes least."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def peak_mb() -> float:
    """This process's own peak resident memory."""
    with open("/proc/self/status") as f:
        return int(next(x for x in f if x.startswith("VmHWM")).split()[1]) / 1024


def start_of(i: int) -> datetime:
    """Meeting ``i``'s start: spread over the twelve months of 2026 (08:30 in Beijing)."""
    return datetime(2026, 1 + i % 12, 2 + (i // 12) % 25, 0, 30, tzinfo=UTC)


def build(db_path: Path, meetings: int, copies: int) -> None:
    """The database: the demo's operators, then each meeting imported, filed, its venue
    checked and its history tapped through ``record_tap`` (a thousand taps a transaction)."""
    import openpyxl
    from make_meeting import CUSTODIAN, OFFICER, STATION, history, plan_meeting, write_workbook

    from carrier_tracker import messages
    from carrier_tracker.access.operators import add_operator
    from carrier_tracker.cli.demo import DEMO_OPERATORS
    from carrier_tracker.custody.service import record_tap
    from carrier_tracker.enums import Mode
    from carrier_tracker.meeting.policy import paperwork_done
    from carrier_tracker.paper.importer import import_workbook
    from carrier_tracker.storage import db

    engine = db.make_engine(f"sqlite:///{db_path}", create=True)
    db.upgrade(engine)
    genesis = datetime(2025, 12, 1, tzinfo=UTC)
    with db.session_scope(engine) as s:
        for name, role, pin in DEMO_OPERATORS:
            add_operator(session=s, key=KEY, name=name, role=role, pin=pin, by=OFFICER, now=genesis)
    per = copies // meetings
    t0 = time.perf_counter()
    taps = 0
    for i in range(meetings):
        code = f"R{i:03d}"
        start = start_of(i)
        meeting = plan_meeting(ATTENDEES, DOCUMENTS, per, code)
        book = db_path.parent / f"{code}.xlsx"
        write_workbook(meeting, book)
        wb = openpyxl.load_workbook(book)
        ws = wb["会议"]
        local = start + timedelta(hours=8)
        ws["E2"], ws["F2"] = (
            local.replace(tzinfo=None),
            (local + timedelta(hours=9)).replace(tzinfo=None),
        )
        wb.save(book)
        before = start - timedelta(days=7)
        with db.session_scope(engine) as s:
            import_workbook(session=s, key=KEY, path=book, operator=CUSTODIAN, now=before)
        book.unlink()
        with db.session_scope(engine) as s:
            paperwork_done(
                session=s,
                key=KEY,
                meeting_code=code,
                ref=f"保密办〔2026〕{i + 1}号",
                on=before.date(),
                operator=OFFICER,
                remark=messages.text("demo_answered"),
                station=STATION,
                now=before,
            )
        n = 0
        with engine.begin() as conn:
            for tap in history(meeting, 2):
                outcome = record_tap(
                    session=conn,
                    key=KEY,
                    meeting_code=code,
                    uid=tap.uid,
                    mode=Mode(tap.mode),
                    attendee_code=tap.attendee,
                    station=STATION,
                    operator=CUSTODIAN,
                    now=start + timedelta(seconds=2 * n),
                )
                n += 1
                assert not outcome.refused, (code, tap, outcome.message)
        taps += n
        print(
            f"\r  {i + 1}/{meetings} meetings, {taps} taps, {time.perf_counter() - t0:.0f} s",
            end="",
            file=sys.stderr,
            flush=True,
        )
    print(file=sys.stderr)
    engine.dispose()


def run_report(db_path: Path, out: Path) -> None:
    """Child: the report, as the CLI writes it; prints seconds, peak MB, meetings, unverified."""
    from carrier_tracker.paper.period_report import parse_day, write_period_report
    from carrier_tracker.storage import db

    engine = db.make_engine(f"sqlite:///{db_path}", read_only=True)
    t0, c0 = time.perf_counter(), cpu_s()
    with db.read_scope(engine) as s:
        result = write_period_report(
            session=s,
            key=KEY,
            first=parse_day(FIRST, "--from"),
            last=parse_day(LAST, "--to"),
            path=out,
            force=True,
        )
    wall, cpu = time.perf_counter() - t0, cpu_s() - c0
    copies = sum(ln.copies for ln in result.lines)
    print(wall, cpu, peak_mb(), len(result.lines), copies, len(result.unverified))


def run_verify(db_path: Path) -> None:
    """Child: the same chains verified alone (``audit_system`` once, ``MeetingAudit`` each, as
    ``verify`` does); prints seconds, peak MB, events."""
    from carrier_tracker.ledger.audit import audit_meeting, audit_system
    from carrier_tracker.storage import db
    from carrier_tracker.storage.models import Meeting

    engine = db.make_engine(f"sqlite:///{db_path}", read_only=True)
    t0, c0 = time.perf_counter(), cpu_s()
    events = 0
    with db.read_scope(engine) as s:
        system = audit_system(s, KEY)
        for m in s.query(Meeting).all():
            report = audit_meeting(s, KEY, m, system=system)
            assert report.ok, m.code
            events += report.chain.count
    print(time.perf_counter() - t0, cpu_s() - c0, peak_mb(), events)


def child(*argv: str) -> list[float]:
    p = subprocess.run(
        [sys.executable, __file__, *argv], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return [float(x) for x in p.stdout.split()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--meetings", type=int, default=200)
    parser.add_argument("--copies", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", choices=("report", "verify"))
    parser.add_argument("--db", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.child == "report":
        run_report(args.db, args.out)
        return 0
    if args.child == "verify":
        run_verify(args.db)
        return 0
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-report-"))
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "report.db"
    if not db_path.exists():
        print(
            f"building {args.meetings} meetings, {args.copies} copies in {db_path}", file=sys.stderr
        )
        t0 = time.perf_counter()
        build(db_path, args.meetings, args.copies)
        print(f"built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    out = work / "report.xlsx"
    for r in range(args.rounds):
        wall, cpu, mb, meetings, copies, bad = child(
            "--child", "report", "--db", str(db_path), "--out", str(out)
        )
        vwall, vcpu, vmb, events = child("--child", "verify", "--db", str(db_path))
        print(
            f"round {r + 1}: report {wall:.1f} s wall / {cpu:.1f} s CPU, peak {mb:.0f} MB "
            f"({int(meetings)} meetings, {int(copies)} copies, {int(events)} events, "
            f"{int(bad)} unverified); verify alone {vwall:.1f} s wall / {vcpu:.1f} s CPU, "
            f"peak {vmb:.0f} MB; the rest {cpu - vcpu:.1f} s CPU",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
