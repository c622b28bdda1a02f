"""CLI start-up (run by hand): ``--version`` and a one-UID ``tap`` as whole processes, against
``python -c pass`` in the same run; wall and CPU time (children's rusage). Results go in
bench/README.md.

    python bench/bench_cli.py [--runs 21]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from carrier_tracker.cli.demo import prepare_demo_database

ROOT = Path(__file__).resolve().parents[1]
CODE = "HY2026-12"


def timed(cmd: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``runs`` runs of a command (after one warm-up run)."""
    subprocess.run(cmd, env=env, check=False, capture_output=True)
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, check=False, capture_output=True)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    exe = str(Path(sys.executable).with_name("carrier-tracker"))
    with tempfile.TemporaryDirectory() as home:
        # The demo's database: the sample meeting filed, its venue checked, the demo operators.
        url, key_path = prepare_demo_database(Path(home))
        env = {
            **os.environ,
            "CARRIER_TRACKER_HOME": home,
            "CARRIER_TRACKER_DB": url,
            "CARRIER_TRACKER_KEY_FILE": str(key_path),
            "CARRIER_TRACKER_OPERATOR": "孙文管",
            "CARRIER_TRACKER_PIN": "246810",
        }
        uid = "04" + hashlib.sha256(f"{CODE}/pass/A001".encode()).hexdigest().upper()[:12]
        tap = [exe, "tap", CODE, "--mode", "issue", uid]
        first = subprocess.run(tap, env=env, check=False, capture_output=True, text=True)
        assert first.returncode == 0, first.stdout + first.stderr  # the pass is out: recall it
        rows = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("carrier-tracker --version", [exe, "--version"]),
            # recall of a pass already recalled: "already", the whole path but for one UPDATE
            ("carrier-tracker tap (one UID, SQLite)", [exe, "tap", CODE, "--mode", "recall", uid]),
        ]
        base_wall = base_cpu = 0.0
        for label, cmd in rows:
            wall, cpu = timed(cmd, env, args.runs)
            if not base_wall:
                base_wall, base_cpu = wall, cpu
            print(
                f"{label:40s} wall {wall * 1000:7.1f} ms ({wall / base_wall:4.1f}x)   CPU {cpu * 1000:7.1f} ms ({cpu / base_cpu:4.1f}x)"
            )


if __name__ == "__main__":
    main()
