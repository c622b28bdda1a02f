"""Export benchmark (run by hand): 50,000 copies and 200,000 events, against a bare openpyxl
write-only dump of the same cells, measured in the same run; peak memory of each.

    python bench/bench_export.py [--events 200000]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from big_meeting import big_workbook

ROOT = Path(__file__).resolve().parents[1]
KEY = b"b" * 32


def prepare(workdir: Path, n_events: int) -> str:
    from sqlalchemy import insert, text

    from carrier_tracker import ledger
    from carrier_tracker.paper.importer import import_workbook
    from carrier_tracker.storage import db
    from carrier_tracker.storage.models import Event, LedgerHead

    big = big_workbook(workdir)
    url = f"sqlite:///{workdir / 'big.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    with db.session_scope(engine) as s:
        import_workbook(session=s, key=KEY, path=big)
    with db.session_scope(engine) as s:
        head = s.get(LedgerHead, 1)
        assert head is not None
        copies = [r[0] for r in s.execute(text("SELECT id FROM carrier WHERE kind='copy'"))]
        t0 = datetime(2026, 12, 8, tzinfo=UTC)
        rows, prev, seq = [], head.hash, head.seq
        for i in range(n_events):
            cid = copies[(i * 7919) % len(copies)]
            issue = (i // len(copies)) % 2 == 0
            seq += 1
            ev = Event(
                meeting_id=1,
                seq=seq,
                carrier_id=cid,
                tag_uid=None,
                action="issue" if issue else "recall",
                verdict="accepted",
                from_state="registered" if issue else "issued",
                to_state="issued" if issue else "recovered",
                attendee_id=1 + i % 2000,
                station="一号台",
                operator="孙文管",
                at=t0 + timedelta(seconds=i),
                note="",
                reason="",
                prev_hash=prev,
                hash="",
            )
            ev.hash = ledger.event_hash(KEY, prev, ev)
            prev = ev.hash
            rows.append({c: getattr(ev, c) for c in Event.model_fields if c != "id"})
            if len(rows) == 20000:
                s.execute(insert(Event), rows)
                rows = []
        if rows:
            s.execute(insert(Event), rows)
        head.seq, head.hash, head.mac = seq, prev, ledger.head_mac(KEY, 1, seq, prev)
        s.add(head)
        # The tables hold what the ledger says (verify replays it): each copy's last event.
        last: dict[int, tuple[str, int]] = {}
        for i in range(n_events):
            issue = (i // len(copies)) % 2 == 0
            last[copies[(i * 7919) % len(copies)]] = (
                "issued" if issue else "recovered",
                1 + i % 2000,
            )
        params = [
            {"s": st, "h": who if st == "issued" else None, "id": cid}
            for cid, (st, who) in last.items()
        ]
        s.execute(text("UPDATE carrier SET state = :s, holder_id = :h WHERE id = :id"), params)
        s.execute(text("UPDATE meeting SET status = 'open'"))  # its first tap opened it
    engine.dispose()
    return url


def run_export(url: str, out: Path) -> None:
    from carrier_tracker.paper.export import export_meeting
    from carrier_tracker.storage import db

    engine = db.make_engine(url)
    t0 = time.perf_counter()
    with db.read_scope(engine) as s:  # as the CLI does
        result = export_meeting(session=s, key=KEY, meeting_code="BIG", path=out)
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"export: {elapsed:.1f} s, peak RSS {peak:.0f} MB (verifying child process: {child:.0f} MB), "
        f"rows {result.rows}, chain ok={result.chain.ok}"
    )


def run_verify(url: str) -> None:
    """``verify`` of the whole meeting: the chain and the replay compared with the tables."""
    from carrier_tracker.custody.service import find_meeting
    from carrier_tracker.ledger.audit import audit_meeting
    from carrier_tracker.storage import db

    engine = db.make_engine(url, read_only=True)
    t0, c0 = time.perf_counter(), time.process_time()
    with db.read_scope(engine) as s:
        report = audit_meeting(s, KEY, find_meeting(s, "BIG"))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"verify: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {peak:.0f} MB; "
        f"{report.chain.count} events, ok={report.ok}, differences={len(report.differences)}"
    )


def run_bare(src: Path, out: Path) -> None:
    """Read the exported workbook's cells, then time writing them again with a bare write-only dump."""
    import openpyxl

    wb = openpyxl.load_workbook(src, read_only=True)
    sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb}
    wb.close()
    t0 = time.perf_counter()
    bare = openpyxl.Workbook(write_only=True)
    for title, rows in sheets.items():
        ws = bare.create_sheet(title)
        for r in rows:
            ws.append(r)
    bare.save(out)
    print(f"bare write-only dump of the same cells: {time.perf_counter() - t0:.1f} s")


def main() -> None:  # the export's verifying child process is spawned: keep this guarded
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--stage", choices=["all", "export", "bare", "verify"], default="all")
    parser.add_argument("--verify-only", action="store_true", help="prepare, then time verify only")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--url")
    parser.add_argument("--src")
    args = parser.parse_args()
    if args.stage == "export":
        run_export(args.url, Path(args.src))
        return
    if args.stage == "verify":
        run_verify(args.url)
        return
    if args.stage == "bare":
        run_bare(Path(args.src), Path(args.src).with_suffix(".bare.xlsx"))
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        url = prepare(work, args.events)
        print(f"prepared 50,000 copies + {args.events} events in {time.perf_counter() - t0:.0f} s")
        for _ in range(args.rounds if args.verify_only else 1):
            subprocess.run(
                [sys.executable, __file__, "--stage", "verify", "--url", url], check=True
            )
        if args.verify_only:
            return
        out = work / "export.xlsx"
        # Each measurement in its own process so peak RSS is its own; alternate them, 3 rounds
        # (this machine is noisy: compare medians from the same run).
        for _ in range(args.rounds):
            subprocess.run(
                [sys.executable, __file__, "--stage", "export", "--url", url, "--src", str(out)],
                check=True,
            )
            subprocess.run(
                [sys.executable, __file__, "--stage", "bare", "--src", str(out)], check=True
            )


if __name__ == "__main__":
    main()
