"""One contract every backend passes: one tap, a sequence, a held tag, a quick swap, stop, close."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from carrier_tracker.readers import TagTap, open_reader
from carrier_tracker.readers.base import Reader
from tests.conftest import skip_or_fail

UIDS = [bytes.fromhex(h) for h in ("04A1B2C3D4E5F6", "04112233445566", "04DEADBEEF0102")]


class Harness:
    """Drives one kind of tag for a backend."""

    dwell = 0.3  # how long a tag must stay for the backend to see it
    wait = 5.0
    gap = 0.0  # shortest lift-to-next-tag the stack below us can observe at all

    def reader(self) -> Reader:
        raise NotImplementedError

    def present(self, uid: bytes) -> None:
        raise NotImplementedError

    def remove(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class Running:
    """A reader's taps() in a thread, collected on a queue."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.stop = threading.Event()
        self.q: queue.Queue[TagTap] = queue.Queue()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for tap in self.reader.taps(self.stop):
            self.q.put(tap)

    def next(self, timeout: float) -> TagTap:
        return self.q.get(timeout=timeout)

    def none_within(self, seconds: float) -> bool:
        try:
            self.q.get(timeout=seconds)
        except queue.Empty:
            return True
        return False

    def finish(self) -> float:
        t0 = time.monotonic()
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "taps() did not return after stop"
        self.reader.close()
        return time.monotonic() - t0


class ReaderContract:
    """Subclass with a ``harness`` fixture."""

    @pytest.fixture
    def running(self, harness: Harness) -> Iterator[Running]:
        r = Running(harness.reader())
        yield r
        r.finish()

    def tap(self, h: Harness, uid: bytes) -> None:
        h.present(uid)
        time.sleep(h.dwell)
        h.remove()

    def test_one_tap(self, harness: Harness, running: Running) -> None:
        self.tap(harness, UIDS[0])
        tap = running.next(harness.wait)
        assert tap.uid == UIDS[0].hex().upper()
        assert tap.at.tzinfo is not None and tap.reader_id
        assert running.none_within(harness.dwell + 0.5)

    def test_sequence(self, harness: Harness, running: Running) -> None:
        for uid in UIDS:
            self.tap(harness, uid)
            time.sleep(harness.dwell / 2)
        got = [running.next(harness.wait).uid for _ in UIDS]
        assert got == [u.hex().upper() for u in UIDS]

    def test_held_tag_is_one_tap(self, harness: Harness, running: Running) -> None:
        harness.present(UIDS[1])
        assert running.next(harness.wait).uid == UIDS[1].hex().upper()
        assert running.none_within(max(2.0, harness.dwell * 2))  # still on the reader
        harness.remove()
        assert running.none_within(0.5)

    def test_quick_swap_of_two_tags(self, harness: Harness, running: Running) -> None:
        self.tap(harness, UIDS[0])
        time.sleep(harness.gap)
        self.tap(harness, UIDS[2])
        got = {running.next(harness.wait).uid, running.next(harness.wait).uid}
        assert got == {UIDS[0].hex().upper(), UIDS[2].hex().upper()}

    def test_stop_while_idle(self, harness: Harness) -> None:
        r = Running(harness.reader())
        time.sleep(0.3)
        assert r.finish() < 3.0

    def test_close_twice(self, harness: Harness) -> None:
        reader = harness.reader()
        reader.close()
        reader.close()
        with harness.reader() as again:
            assert again.reader_id


# --- sim -----------------------------------------------------------------------------------


class SimHarness(Harness):
    dwell = 0.05

    def __init__(self) -> None:
        self.current: Reader | None = None

    def reader(self) -> Reader:
        self.current = open_reader("sim:", debounce=0.2)
        return self.current

    def present(self, uid: bytes) -> None:
        self.current.present(uid)  # type: ignore[union-attr]

    def remove(self) -> None:
        self.current.remove()  # type: ignore[union-attr]


class TestSimContract(ReaderContract):
    @pytest.fixture
    def harness(self) -> SimHarness:
        return SimHarness()


# --- pcsc ------------------------------------------------------------------------------------


def pcsc_ready() -> int:
    port = int(os.environ.get("CT_VPCD_PORT", "35963"))
    try:
        import smartcard.scard  # noqa: F401
    except ImportError:
        skip_or_fail("pyscard not installed: pip install '.[pcsc]' (needs libpcsclite-dev)")
    if subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True).returncode != 0:
        skip_or_fail("pcscd with vpcd not running: source .ci/services.sh start")
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        skip_or_fail(f"vpcd not listening on port {port}")
    time.sleep(0.5)  # let pcscd see the probe connection go away
    return port


class PcscHarness(Harness):
    dwell = 0.9  # pcscd polls vpcd about every 400 ms
    wait = 6.0
    gap = 0.5  # a swap inside one pcscd poll is invisible to PC/SC (no card event at all)

    def __init__(self, port: int) -> None:
        from tests.readers.vpcd_tag import VirtualTag

        self.port = port
        self.tag: VirtualTag | None = None
        self._cls = VirtualTag

    def reader(self) -> Reader:
        return open_reader("pcsc:Virtual PCD", debounce=0.2)

    def present(self, uid: bytes) -> None:
        self.tag = self._cls(uid, self.port)
        self.tag.present()

    def remove(self) -> None:
        if self.tag:
            self.tag.remove()
            self.tag = None


@pytest.mark.pcsc
class TestPcscContract(ReaderContract):
    @pytest.fixture
    def harness(self) -> Iterator[PcscHarness]:
        h = PcscHarness(pcsc_ready())
        yield h
        h.remove()


# --- nfc (nfcpy udp) -------------------------------------------------------------------------


class NfcHarness(Harness):
    dwell = 1.6  # the udp driver waits a fixed 1 s per answer
    wait = 6.0

    def __init__(self) -> None:
        from tests.readers.ntag_emulator import NtagEmulator

        self.emulators: dict[bytes, NtagEmulator] = {}
        self._cls = NtagEmulator
        self.port = 0
        self.em: NtagEmulator | None = None
        # One port for the reader; the emulator for the current UID listens there.
        self.em = NtagEmulator(UIDS[0])
        self.port = self.em.port

    def reader(self) -> Reader:
        return open_reader(f"nfc:udp:127.0.0.1:{self.port}", debounce=0.2)

    def present(self, uid: bytes) -> None:
        assert self.em is not None
        self.em.uid = uid
        self.em.memory[0:3] = uid[0:3] + bytes([0x88 ^ uid[0] ^ uid[1] ^ uid[2]])
        self.em.memory[4:8] = uid[3:7]
        self.em.present()

    def remove(self) -> None:
        if self.em:
            self.em.remove()

    def close(self) -> None:
        if self.em:
            self.em.close()


@pytest.mark.slow
class TestNfcContract(ReaderContract):
    @pytest.fixture
    def harness(self) -> Iterator[NfcHarness]:
        h = NfcHarness()
        yield h
        h.close()

    def tap(self, h: Harness, uid: bytes) -> None:
        super().tap(h, uid)
        time.sleep(0.6)  # the udp driver notices removal ~0.4 s later


def test_unknown_scheme_lists_valid_ones() -> None:
    from carrier_tracker.readers import ReaderError

    with pytest.raises(ReaderError, match="可用：pcsc:、nfc:、wedge:、sim:"):
        open_reader("rfid:x")


def test_missing_library_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from carrier_tracker.readers import ReaderError

    monkeypatch.setitem(sys.modules, "smartcard", None)  # as if pyscard were not installed
    monkeypatch.delitem(sys.modules, "carrier_tracker.readers.pcsc_reader", raising=False)
    with pytest.raises(ReaderError, match=r"carrier-tracker\[pcsc\]"):
        open_reader("pcsc:")


def test_sim_script_replay(tmp_path: Path) -> None:
    script = tmp_path / "taps.txt"
    script.write_text(
        "# demo\n0.05 04A1B2C3D4E5F6\n0.05 04:11:22:33:44:55:66 0.1\n", encoding="utf-8"
    )
    r = Running(open_reader(f"sim:{script}"))
    got = [r.next(3).uid, r.next(3).uid]
    r.finish()
    assert got == ["04A1B2C3D4E5F6", "04112233445566"]


def test_sim_script_errors_name_the_line(tmp_path: Path) -> None:
    from carrier_tracker.readers import ReaderError

    script = tmp_path / "bad.txt"
    script.write_text("0.1 04A1B2C3D4E5F6\nsoon 04A1\n", encoding="utf-8")
    with pytest.raises(ReaderError, match="第2行"):
        open_reader(f"sim:{script}")
