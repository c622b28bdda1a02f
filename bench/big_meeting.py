"""The benchmarks' large meeting: 2,000 attendees and 50,000 copies, code ``BIG``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = "BIG"


def big_workbook(workdir: Path) -> Path:
    """Write the large meeting's import workbook into ``workdir`` (samples/make_sample.py)."""
    path = workdir / "big.xlsx"
    command = [sys.executable, str(ROOT / "samples" / "make_sample.py"), "--attendees", "2000",
               "--copies", "50000", "--code", CODE, "-o", str(path)]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    return path
