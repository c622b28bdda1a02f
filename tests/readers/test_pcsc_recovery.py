"""pcscd stopped and started again mid-test: the reader reports offline, then recovers by itself."""

from __future__ import annotations

import os
import queue
import subprocess
import time
from pathlib import Path

import pytest

from carrier_tracker.readers import ReaderStatus, open_reader
from tests.conftest import skip_or_fail
from tests.readers.test_contract import Running, pcsc_ready
from tests.readers.vpcd_tag import VirtualTag

SERVICES = Path(os.environ.get("CT_SERVICES_DIR", "/tmp/ct-services"))


def _wait_status(q: queue.Queue[ReaderStatus], online: bool, timeout: float) -> ReaderStatus:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            st = q.get(timeout=0.2)
        except queue.Empty:
            continue
        if st.online is online:
            return st
    raise AssertionError(f"reader never went {'online' if online else 'offline'}")


def _start_pcscd(config: str) -> subprocess.Popen[bytes]:
    log = open(SERVICES / "pcscd-restart.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        ["pcscd", "--foreground", "--info", "--config", config],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    (SERVICES / "pcscd.pid").write_text(str(proc.pid))
    return proc


@pytest.mark.pcsc
def test_reader_survives_pcscd_restart() -> None:
    port = pcsc_ready()
    pid_file = SERVICES / "pcscd.pid"
    config = os.environ.get("CT_PCSCD_CONFIG", str(SERVICES / "pcsc"))
    if not pid_file.exists() or not Path(config).is_dir():
        skip_or_fail(
            "pcscd was not started by .ci/services.sh (cannot restart someone else's daemon)"
        )
    statuses: queue.Queue[ReaderStatus] = queue.Queue()
    running = Running(open_reader("pcsc:Virtual PCD", debounce=0.2, on_status=statuses.put))
    try:
        _wait_status(statuses, True, 5)
        pid = int(pid_file.read_text())
        os.kill(pid, 15)
        for _ in range(20):
            if subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode != 0:
                break
            time.sleep(0.1)
        offline = _wait_status(statuses, False, 5)
        assert "不可用" in offline.detail or "未找到" in offline.detail
        _start_pcscd(config)
        _wait_status(statuses, True, 15)
        time.sleep(0.5)
        tag = VirtualTag(bytes.fromhex("04CAFEBABE0001"), port)
        tag.present()
        try:
            assert running.next(6).uid == "04CAFEBABE0001"
        finally:
            tag.remove()
    finally:
        running.finish()
        if subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True).returncode != 0:
            _start_pcscd(config)  # leave the machine as we found it
            time.sleep(0.5)
