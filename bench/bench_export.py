"""Export benchmark (run by hand): the 保密办 workbook and the signed forms of a large meeting,
against bare write-only dumps of the same cells measured in the same run; peak memory of each.

    python bench/bench_export.py [--attendees 5000 --documents 100 --copies 100000]
                                 [--events 200000] [--rounds 3] [--workdir DIR]
    python bench/bench_export.py --verify-only

Each measurement runs in its own process (its peak RSS is its own ``VmHWM``); the rounds
alternate export, forms and the bare dumps so a noisy host shifts them alike. ``--workdir`` keeps
the prepared database for the next run (preparing 100,000 copies takes a few minutes).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from big_meeting import CODE, recorded_history

ROOT = Path(__file__).resolve().parents[1]
KEY = b"b" * 32


def cpu_s() -> float:
    """CPU time of this process and its finished children (the verifying child process)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def cpu_split() -> str:
    """This process's CPU and its children's (the verifying child process), apart."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return f"self={me.ru_utime + me.ru_stime:.2f} child={kids.ru_utime + kids.ru_stime:.2f}"


def peak_mb() -> float:
    """This process's own peak resident memory (Linux carries ru_maxrss over across exec)."""
    with open("/proc/self/status") as f:
        return int(next(x for x in f if x.startswith("VmHWM")).split()[1]) / 1024


def meeting_workbook(path: Path, attendees: int, documents: int, copies: int) -> None:
    """An import workbook of the given size: attendees with pass tags, documents of equal
    copies with a tag each (names and UIDs as samples/make_sample.py makes them)."""
    sys.path.insert(0, str(ROOT / "samples"))
    import openpyxl
    from make_sample import TITLES, UNITS, person_name, uid_for

    from carrier_tracker.paper.workbook_schema import ATTENDEES, DOCUMENTS, MEETING, TAGS

    wb = openpyxl.Workbook(write_only=True)

    def sheet(spec: object) -> object:
        ws = wb.create_sheet(spec.name)  # type: ignore[attr-defined]
        ws.append([c.header for c in spec.columns])  # type: ignore[attr-defined]
        return ws

    sheet(MEETING).append([CODE, "全国性工作会议（基准）", "机密", "会议中心一号厅",  # type: ignore[attr-defined]
                           datetime(2026, 12, 8, 8, 30), datetime(2026, 12, 10, 17, 30), "办公厅",
                           "赵保密", "是"])  # fmt: skip
    ws = sheet(ATTENDEES)
    for i in range(1, attendees + 1):
        unit, away = UNITS[(i * 5) % len(UNITS)]
        code = f"A{i:05d}"
        ws.append([code, person_name(i), unit, TITLES[i % len(TITLES)], "是" if away else "否",  # type: ignore[attr-defined]
                   "绝密", f"P{i:05d}", uid_for(f"{CODE}/pass/{code}")])  # fmt: skip
    ws = sheet(DOCUMENTS)
    per = copies // documents
    for k in range(1, documents + 1):
        ws.append([f"D{k:04d}", f"基准文件 {k}", "机密", per, "否", "是" if k % 5 == 0 else "否"])  # type: ignore[attr-defined]
    ws = sheet(TAGS)
    for k in range(1, documents + 1):
        for n in range(1, per + 1):
            ws.append([f"D{k:04d}", n, uid_for(f"{CODE}/D{k:04d}/{n}")])  # type: ignore[attr-defined]
    wb.save(path)


def prepare(workdir: Path, attendees: int, documents: int, copies: int, n_events: int) -> str:
    """The meeting imported, filed and its venue checked, then a history of ``n_events`` taps
    recorded through the tap service itself (``big_meeting.recorded_history``, as
    ``bench_verify.py`` records its own): so the export's verification, which re-decides every
    step, finds the history allowed (完整)."""
    big = workdir / "big.xlsx"
    meeting_workbook(big, attendees, documents, copies)
    url = f"sqlite:///{workdir / 'big.db'}"
    if refused := recorded_history(url, KEY, big, n_events):  # this meeting's people may have all
        raise SystemExit(f"{refused} taps refused: the history is not the bench's")
    return url


def run_export(url: str, out: Path) -> None:
    from carrier_tracker.paper.export import export_meeting
    from carrier_tracker.storage import db

    engine = db.make_engine(url, read_only=True)
    t0, c0 = time.perf_counter(), cpu_s()
    with db.read_scope(engine) as s:  # as the CLI does
        result = export_meeting(session=s, key=KEY, meeting_code=CODE, path=out)
    elapsed = time.perf_counter() - t0
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"RESULT export {elapsed:.2f} {peak_mb():.0f} {child:.0f} {cpu_s() - c0:.2f} "
          f"ok={result.audit.ok} rows={sum(result.rows.values())} {cpu_split()}")  # fmt: skip


def run_forms(url: str, out: Path) -> None:
    from carrier_tracker.paper.forms import write_forms
    from carrier_tracker.storage import db

    engine = db.make_engine(url, read_only=True)
    t0, c0 = time.perf_counter(), cpu_s()
    with db.read_scope(engine) as s:
        result = write_forms(session=s, key=KEY, meeting_code=CODE, path=out)
    elapsed = time.perf_counter() - t0
    print(
        f"RESULT forms {elapsed:.2f} {peak_mb():.0f} 0 {cpu_s() - c0:.2f} rows={sum(result.rows.values())} {cpu_split()}"
    )


def _cells(src: Path) -> dict[str, list[list[object]]]:
    import openpyxl

    wb = openpyxl.load_workbook(src, read_only=True)
    sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb}
    wb.close()
    return sheets


def run_bare(src: Path, out: Path, name: str) -> None:
    """Read a written workbook's cells, then time writing them again with a bare openpyxl
    write-only dump (no style, no layout): the floor for any openpyxl export of these cells."""
    import openpyxl

    sheets = _cells(src)
    t0, c0 = time.perf_counter(), cpu_s()
    bare = openpyxl.Workbook(write_only=True)
    for title, rows in sheets.items():
        ws = bare.create_sheet(title)
        for r in rows:
            ws.append(r)
    bare.save(out)
    print(f"RESULT {name} {time.perf_counter() - t0:.2f} {peak_mb():.0f} 0 {cpu_s() - c0:.2f}")


def run_xlsxwriter(src: Path, out: Path, name: str, *, styled: bool = False) -> None:
    """The same cells written by XlsxWriter in constant-memory mode: the other library's floor
    (``styled``: every cell, blanks included, with a bordered, wrapped format, as on paper)."""
    import xlsxwriter

    sheets = _cells(src)
    t0, c0 = time.perf_counter(), cpu_s()
    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    ruled = {"border": 1, "text_wrap": True} if styled else {}
    plain = wb.add_format(ruled) if styled else None
    dates = wb.add_format({**ruled, "num_format": "yyyy-mm-dd hh:mm"})
    for title, rows in sheets.items():
        ws = wb.add_worksheet(title)
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                if v is None:
                    if styled:
                        ws.write_blank(i, j, None, plain)
                elif isinstance(v, datetime):
                    ws.write_datetime(i, j, v, dates)
                elif isinstance(v, str):
                    ws.write_string(i, j, v, plain)
                else:
                    ws.write_number(i, j, v, plain)
    wb.close()
    print(f"RESULT {name} {time.perf_counter() - t0:.2f} {peak_mb():.0f} 0 {cpu_s() - c0:.2f}")


def run_openpyxl_styled(src: Path, out: Path, name: str) -> None:
    """The same cells by openpyxl's write-only mode, each in a bordered, wrapped cell (the
    layout's cost in openpyxl: a WriteOnlyCell per value, its style copied, not looked up)."""
    from copy import copy

    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Side

    sheets = _cells(src)
    t0, c0 = time.perf_counter(), cpu_s()
    wb = openpyxl.Workbook(write_only=True)
    thin = Side(style="thin")
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        ruled, wrap = (
            Border(left=thin, right=thin, top=thin, bottom=thin),
            Alignment(wrap_text=True),
        )
        proto, dated = WriteOnlyCell(ws), WriteOnlyCell(ws)
        proto.border, proto.alignment = ruled, wrap
        dated.border, dated.alignment, dated.number_format = ruled, wrap, "yyyy-mm-dd hh:mm"
        for r in rows:
            cells = []
            for v in r:
                c = WriteOnlyCell(ws, value=v)
                c._style = copy(dated._style if isinstance(v, datetime) else proto._style)
                cells.append(c)
            ws.append(cells)
    wb.save(out)
    print(f"RESULT {name} {time.perf_counter() - t0:.2f} {peak_mb():.0f} 0 {cpu_s() - c0:.2f}")


def _median(xs: list[float]) -> float:
    return sorted(xs)[len(xs) // 2]


def main() -> None:  # the export's verifying child process is spawned: keep this guarded
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attendees", type=int, default=5000)
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--copies", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workdir", type=Path, help="keep (or reuse) the prepared database here")
    parser.add_argument(
        "--floors",
        action="store_true",
        help="also time XlsxWriter's dump and both libraries' dumps with every cell ruled",
    )
    parser.add_argument("--verify-only", action="store_true", help="time verify only")
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--src", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        src = Path(args.src)
        stages = {
            "export": lambda: run_export(args.url, src),
            "forms": lambda: run_forms(args.url, src),
            "verify": lambda: run_verify(args.url),
            "bare": lambda: run_bare(src, src.with_suffix(".bare.xlsx"), f"bare-{src.stem}"),
            "xw": lambda: run_xlsxwriter(src, src.with_suffix(".xw.xlsx"), f"xw-{src.stem}"),
            "xw-styled": lambda: run_xlsxwriter(
                src, src.with_suffix(".xws.xlsx"), f"xw-styled-{src.stem}", styled=True
            ),
            "styled": lambda: run_openpyxl_styled(
                src, src.with_suffix(".styled.xlsx"), f"styled-{src.stem}"
            ),
        }
        stages[args.stage]()
        return
    tmp = None
    if args.workdir is None:
        tmp = tempfile.TemporaryDirectory()
        work = Path(tmp.name)
    else:
        work = args.workdir
        work.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{work / 'big.db'}"
    if not (work / "big.db").exists():
        t0 = time.perf_counter()
        url = prepare(work, args.attendees, args.documents, args.copies, args.events)
        print(f"prepared {args.attendees} attendees, {args.copies} copies, {args.events} events "
              f"in {time.perf_counter() - t0:.0f} s")  # fmt: skip
    runs = [("verify", "-")] if args.verify_only else [
        ("export", str(work / "export.xlsx")), ("bare", str(work / "export.xlsx")),
        ("forms", str(work / "forms.xlsx")), ("bare", str(work / "forms.xlsx")),
    ]  # fmt: skip
    if args.floors:
        runs += [(stage, str(work / "export.xlsx")) for stage in ("xw", "styled", "xw-styled")]
    results: dict[str, list[tuple[float, float, float, float]]] = {}
    for _ in range(args.rounds):
        for stage, src in runs:
            cmd = [sys.executable, __file__, "--stage", stage, "--url", url, "--src", src]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            line = next(x for x in out.splitlines() if x.startswith("RESULT"))
            print(line, flush=True)
            _r, name, wall, peak, child, cpu, *_ = line.split()
            results.setdefault(name, []).append(
                (float(wall), float(peak), float(child), float(cpu))
            )
    for name, xs in results.items():
        print(f"{name:>18}: median {_median([x[0] for x in xs]):.2f} s wall, "
              f"{_median([x[3] for x in xs]):.2f} s CPU "
              f"({', '.join(f'{x[0]:.2f}' for x in xs)}), peak RSS {max(x[1] for x in xs):.0f} MB"
              + (f", child {max(x[2] for x in xs):.0f} MB" if any(x[2] for x in xs) else ""))  # fmt: skip

    def ratio(a: str, b: str, k: int) -> float:
        return _median([x[k] for x in results[a]]) / _median([x[k] for x in results[b]])

    for a, b in [("export", "bare-export"), ("forms", "bare-forms"), ("xw-export", "bare-export"),
                 ("styled-export", "bare-export"), ("xw-styled-export", "bare-export")]:  # fmt: skip
        if a in results and b in results:
            print(f"{a} / {b}: {ratio(a, b, 0):.2f}x wall, {ratio(a, b, 3):.2f}x CPU")
    if tmp is not None:
        tmp.cleanup()


def run_verify(url: str) -> None:
    """``verify`` of the whole meeting: the chain and the replay compared with the tables."""
    from carrier_tracker.custody.service import find_meeting
    from carrier_tracker.ledger.audit import audit_meeting
    from carrier_tracker.storage import db

    engine = db.make_engine(url, read_only=True)
    t0 = time.perf_counter()
    with db.read_scope(engine) as s:
        report = audit_meeting(s, KEY, find_meeting(s, CODE))
    print(
        f"RESULT verify {time.perf_counter() - t0:.2f} {peak_mb():.0f} 0 {cpu_s():.2f} ok={report.ok}"
    )


if __name__ == "__main__":
    main()
