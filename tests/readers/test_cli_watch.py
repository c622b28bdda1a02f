"""``carrier-tracker watch`` and ``readers`` through the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, stdin: str = "", timeout: float = 30) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "carrier_tracker.cli", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def test_watch_prints_each_tap_from_a_wedge() -> None:
    p = _run(
        "watch",
        "--reader",
        "wedge:stdin",
        "--debounce",
        "0",
        stdin="04A1B2C3D4E5F6\ngarbage\n0040856634\n",
    )
    assert p.returncode == 0, p.stderr
    lines = p.stdout.strip().splitlines()
    assert [line.split("\t")[1] for line in lines] == ["04A1B2C3D4E5F6", "026F6C3A"]
    assert "无法识别" in p.stderr


def test_watch_unknown_scheme_exits_2() -> None:
    p = _run("watch", "--reader", "rfid:1")
    assert p.returncode == 2 and "可用：pcsc:" in p.stderr and "Traceback" not in p.stderr


def test_readers_lists_or_says_why() -> None:
    p = _run("readers")
    assert p.returncode == 0
    assert "PC/SC：" in p.stdout and "nfcpy：" in p.stdout
    assert "Traceback" not in p.stderr
