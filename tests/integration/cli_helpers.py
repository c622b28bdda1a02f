"""Running the real ``carrier-tracker`` command in a subprocess, and the sample's UIDs."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("make_sample", ROOT / "samples" / "make_sample.py")
assert _spec and _spec.loader
make_sample = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_sample)
CODE = "HY2026-12"


def copy_uid(doc: str, n: int) -> str:
    """UID of copy ``n`` of ``doc`` in samples/meeting.xlsx."""
    return str(make_sample.uid_for(f"{CODE}/{doc}/{n}"))


def pass_uid(attendee: str) -> str:
    """UID of an attendee's pass in samples/meeting.xlsx."""
    return str(make_sample.uid_for(f"{CODE}/pass/{attendee}"))


@dataclass
class Result:
    code: int
    out: str
    err: str


class Cli:
    """Runs commands against one database with an isolated home."""

    def __init__(self, home: Path, db_url: str) -> None:
        self.env = {**os.environ, "CARRIER_TRACKER_HOME": str(home), "CARRIER_TRACKER_DB": db_url,
                    "CARRIER_TRACKER_OPERATOR": "孙文管", "PYTHONPATH": str(ROOT)}

    def __call__(self, *args: str) -> Result:
        p = subprocess.run([sys.executable, "-m", "carrier_tracker.cli", *args], env=self.env,
                           capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert "Traceback" not in p.stderr, p.stderr
        return Result(p.returncode, p.stdout, p.stderr)
