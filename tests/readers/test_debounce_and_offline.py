"""Debounce window rules, and a missing nfcpy device reported as offline (not a crash)."""

from __future__ import annotations

import queue
import time

from hypothesis import given
from hypothesis import strategies as st

from carrier_tracker.readers import ReaderStatus, open_reader
from carrier_tracker.readers.base import Debouncer
from tests.readers.test_contract import Running


def test_same_uid_within_window_after_removal_is_dropped() -> None:
    d = Debouncer(1.5)
    assert d.seen("A", 0.0)
    d.gone("A", 0.5)
    assert not d.seen("A", 1.9)  # 1.4 s after it left: a re-read
    d.gone("A", 2.0)
    assert d.seen("A", 3.6)  # 1.6 s after it left: a new tap


def test_tag_left_on_the_reader_is_one_tap() -> None:
    d = Debouncer(1.5)
    assert d.seen("A", 0.0)
    assert not d.seen("A", 100.0)  # never removed: still the same presentation


@given(st.lists(st.tuples(st.sampled_from("ABC"), st.floats(0, 5)), max_size=30))
def test_a_different_uid_is_never_dropped(steps: list[tuple[str, float]]) -> None:
    d = Debouncer(1.5)
    now, last = 0.0, None
    for uid, gap in steps:
        now += gap
        accepted = d.seen(uid, now)
        if uid != last:
            assert accepted
        last = uid
        d.gone(uid, now + 0.1)


def test_each_dropped_re_read_is_reported_and_no_tap() -> None:
    """The debounce drops a tag laid again within its window; the reader says which (from its
    thread), so that a front end can tell the person why no tap came. A tap is never reported."""
    repeats: queue.Queue[str] = queue.Queue()
    reader = open_reader("sim:", debounce=0.5, on_repeat=repeats.put)
    running = Running(reader)
    try:
        reader.tap("04A1B2C3D4E5F6")
        assert running.next(5).uid == "04A1B2C3D4E5F6"
        reader.tap("04A1B2C3D4E5F6")  # at once: a re-read
        assert repeats.get(timeout=5) == "04A1B2C3D4E5F6"
        assert running.none_within(0.1)
        time.sleep(0.6)
        reader.tap("04A1B2C3D4E5F6")  # after the window: a tap
        assert running.next(5).uid == "04A1B2C3D4E5F6"
        assert repeats.empty()
    finally:
        running.finish()


def test_nfc_usb_without_a_device_reports_offline() -> None:
    statuses: queue.Queue[ReaderStatus] = queue.Queue()
    running = Running(open_reader("nfc:usb", on_status=statuses.put))
    try:
        status = statuses.get(timeout=10)
        assert not status.online and "未找到 NFC 读卡器" in status.detail
        time.sleep(0.2)
        assert running.thread.is_alive()  # still retrying, not crashed
    finally:
        assert running.finish() < 8
