"""The desk's job child (``python -m carrier_tracker.cli.jobs``) on its own: its lines, a desk
that dies mid-job, a path given by hand, a bad setting."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from carrier_tracker import ledger
from carrier_tracker.cli.demo import CODE, prepare_demo_database
from carrier_tracker.cli.jobs import (
    EXIT_CANCELLED,
    EXIT_FAILED,
    PARALLEL_VERIFY_ENV,
    STAGING_PREFIX,
    JobDone,
    JobRequest,
)
from tests.tui.conftest import WAIT_SCALE


@pytest.fixture
def demo(tmp_path: Path) -> tuple[str, bytes]:
    url, key_path = prepare_demo_database(tmp_path)
    return url, ledger.load_key(key_path)


STARTED: list[subprocess.Popen[bytes]] = []


@pytest.fixture(autouse=True)
def _no_child_outlives_its_test() -> Iterator[None]:
    yield
    while STARTED:
        child = STARTED.pop()
        if child.poll() is None:
            child.kill()
            child.wait()


def _start(request: JobRequest, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    child = subprocess.Popen(
        [sys.executable, "-m", "carrier_tracker.cli.jobs"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    STARTED.append(child)
    assert child.stdin is not None
    child.stdin.write(request.encode())
    child.stdin.flush()
    return child


def _lines(child: subprocess.Popen[bytes]) -> list[dict[str, Any]]:
    """Every line the child wrote, once it is done (its stdin closed, as the desk does)."""
    assert child.stdin is not None and child.stdout is not None
    lines: list[dict[str, Any]] = []
    for raw in child.stdout:
        lines.append(json.loads(raw))
        if "done" in lines[-1] or "failed" in lines[-1]:
            break
    child.stdin.close()
    child.wait(timeout=30)
    return lines


def test_the_child_reports_progress_then_the_result(
    demo: tuple[str, bytes], tmp_path: Path
) -> None:
    url, _key = demo
    staging = tmp_path / f"{STAGING_PREFIX}a"
    staging.mkdir()
    out = tmp_path / "forms.xlsx"
    request = JobRequest(kind="forms", db_url=url, meeting=CODE, path=str(staging / out.name))
    child = _start(request)
    assert child.stdout is not None
    lines = []
    for raw in child.stdout:
        lines.append(json.loads(raw))
        if "done" in lines[-1]:
            break
    steps = [tuple(line["advance"]) for line in lines if "advance" in line]
    assert steps[-1] == (7, 7) and [d for d, _t in steps] == sorted(d for d, _t in steps)
    done = JobDone.from_json(lines[-1]["done"])
    assert done.rows["会议证登记表"] == 40
    (staging / out.name).rename(out)  # what the desk does before it closes the child's stdin
    assert child.stdin is not None
    child.stdin.close()
    assert child.wait(timeout=30) == 0
    assert not staging.exists()  # the child removed its (now empty) staging folder
    assert "会议证登记表" in openpyxl.load_workbook(out, read_only=True).sheetnames


def test_a_desk_that_dies_takes_its_job_with_it(demo: tuple[str, bytes], tmp_path: Path) -> None:
    """The desk's end of the pipe closes mid-write: the child stops and removes its staging
    folder, the temporary workbook in it included."""
    url, key = demo
    staging = tmp_path / f"{STAGING_PREFIX}b"
    staging.mkdir()
    request = JobRequest(
        kind="export", db_url=url, meeting=CODE, path=str(staging / "x.xlsx"), key=key.hex()
    )
    child = _start(request, {"TMPDIR": str(staging)})
    deadline = time.monotonic() + 30 * WAIT_SCALE
    while not list(staging.glob(".ct-*.xlsx.tmp")) and time.monotonic() < deadline:
        time.sleep(0.001)
    os.kill(child.pid, signal.SIGSTOP)  # hold it mid-write
    assert list(staging.glob(".ct-*.xlsx.tmp"))
    assert child.stdin is not None
    child.stdin.close()  # the desk is gone
    os.kill(child.pid, signal.SIGCONT)
    assert child.wait(timeout=30) == EXIT_CANCELLED
    assert not staging.exists()


def test_a_failure_never_touches_a_path_given_by_hand(
    demo: tuple[str, bytes], tmp_path: Path
) -> None:
    """Only the desk's staging folders are removed: a job run by hand that fails leaves the
    folder and the file already there alone, and says why in one line."""
    url, key = demo
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "report.xlsx").write_bytes(b"kept")
    request = JobRequest(
        kind="export", db_url=url, meeting="NO-SUCH", path=str(mine / "report.xlsx"), key=key.hex()
    )
    lines = _lines(_start(request))
    assert lines == [{"failed": "无此会议代号：NO-SUCH"}]
    assert (mine / "report.xlsx").read_bytes() == b"kept"


def test_a_bad_threshold_setting_is_named(demo: tuple[str, bytes], tmp_path: Path) -> None:
    url, key = demo
    staging = tmp_path / f"{STAGING_PREFIX}c"
    staging.mkdir()
    request = JobRequest(
        kind="export", db_url=url, meeting=CODE, path=str(staging / "x.xlsx"), key=key.hex()
    )
    child = _start(request, {PARALLEL_VERIFY_ENV: "lots"})
    lines = _lines(child)
    assert lines[-1] == {"failed": f"设置 {PARALLEL_VERIFY_ENV}=lots 无效：应为不小于 0 的整数"}
    assert child.returncode == EXIT_FAILED
    assert not staging.exists()
