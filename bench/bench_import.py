"""Import bounds (run by hand): the largest workbook the import allows, and the hostile ones it
refuses, each imported in a fresh process that reports its wall time, its peak resident memory
and how long it held the write lock. Results go in bench/README.md.

    python bench/bench_import.py [--skip-largest]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# A child process: the CLI's own import, timed phase by phase through its progress lines.
_CHILD = """
import sys, time
from carrier_tracker.cli import main
t0 = time.perf_counter()
marks = {}
real_print = print
def spy(*args, **kw):
    line = " ".join(str(a) for a in args)
    if line.startswith("检查通过") and "checked" not in marks:
        marks["checked"] = time.perf_counter() - t0
    return real_print(*args, **kw)
import builtins
builtins.print = spy
code = main(["import", sys.argv[1]])
total = time.perf_counter() - t0
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec.
peak = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]) // 1024
checked = marks.get("checked", total)
sys.stderr.write(f"RESULT {code} {total:.2f} {checked:.2f} {peak}\\n")
"""


def _corpus():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "hostile", ROOT / "tests" / "data" / "make_hostile_corpus.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["hostile"] = mod
    spec.loader.exec_module(mod)
    return mod


def largest_allowed(path: Path) -> None:
    """10,000 attendees (each with a pass tag), 1,000 documents × 100 copies = 100,000 copies,
    every copy tagged: written by openpyxl (shared strings, as Excel writes them)."""
    import openpyxl

    from carrier_tracker.paper.workbook_schema import ATTENDEES, DOCUMENTS, MEETING, TAGS

    wb = openpyxl.Workbook(write_only=False)
    wb.remove(wb.active)
    sheets = {
        spec.key: wb.create_sheet(spec.name) for spec in (MEETING, ATTENDEES, DOCUMENTS, TAGS)
    }
    for key, spec in (
        ("meeting", MEETING),
        ("attendees", ATTENDEES),
        ("documents", DOCUMENTS),
        ("tags", TAGS),
    ):
        sheets[key].append([c.header for c in spec.columns])
    sheets["meeting"].append(
        [
            "BIG-1",
            "最大规模会议",
            "机密",
            "大会堂",
            "2026-12-01 09:00",
            "2026-12-03 17:00",
            "办公室",
            "赵保密",
            "是",
        ]
    )
    for i in range(1, 10_001):
        sheets["attendees"].append(
            [
                f"A{i:05d}",
                f"代表{i}",
                f"第{i % 300}单位",
                "处长",
                "是" if i % 2 else "否",
                "机密",
                f"P{i:05d}",
                f"06{i:012X}",
            ]
        )
    for d in range(1, 1_001):
        sheets["documents"].append(
            [f"D{d:04d}", f"会议文件第 {d} 号（审议稿）", "机密", 100, "否", "是"]
        )
        for k in range(1, 101):
            sheets["tags"].append([f"D{d:04d}", k, f"07{d:06X}{k:06X}"])
    wb.save(path)


def run(path: Path, workdir: Path, label: str) -> None:
    env = {
        **os.environ,
        "CARRIER_TRACKER_HOME": str(workdir / "home"),
        "PYTHONPATH": str(ROOT),
        "CARRIER_TRACKER_DB": f"sqlite:///{workdir / f'{label}.db'}",
        "CARRIER_TRACKER_OPERATOR": "bench",
    }
    subprocess.run(
        [sys.executable, "-m", "carrier_tracker.cli", "init"],
        env=env,
        check=True,
        capture_output=True,
    )
    p = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    result = next(line for line in p.stderr.splitlines() if line.startswith("RESULT"))
    _, code, total, checked, peak = result.split()
    locked = float(total) - float(checked) if code == "0" else 0.0
    first = next(
        (
            line
            for line in p.stderr.splitlines()
            if not line.startswith(("正在", "检查通过", "已写入", "RESULT"))
        ),
        "",
    )
    size = path.stat().st_size / 2**20
    print(
        f"| {label} ({size:.1f} MB) | exit {code} | {float(total):.1f} s | {peak} MB | write lock {locked:.1f} s | {first[:70]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--skip-largest", action="store_true")
    args = parser.parse_args()
    hostile = _corpus()
    with tempfile.TemporaryDirectory(prefix="ct-bench-import-") as tmp:
        work = Path(tmp)
        if not args.skip_largest:
            t0 = time.perf_counter()
            largest_allowed(work / "largest.xlsx")
            print(f"(built the largest allowed workbook in {time.perf_counter() - t0:.0f} s)")
            run(work / "largest.xlsx", work, "largest allowed")
        for name, build in [
            ("far cell ZZ100000", hostile.far_cell),
            ("1,000,000 rows", hostile.million_rows),
            ("10,001 attendees", hostile.too_many_attendees),
            ("zip bomb 300 MB", hostile.zip_bomb),
            ("billion laughs", hostile.laughs_in_sheet),
            ("200 problems", hostile.many_problems),
        ]:
            path = work / f"{name.replace(' ', '_')}.xlsx"
            build(path)
            run(path, work, name)


if __name__ == "__main__":
    main()
