"""``messages.local_time`` looks the zone's offset up once per quarter hour of UTC and formats by
hand (a 50,000-item status spent a third of its time in ``astimezone``/``strftime``): it must
still say what ``astimezone().strftime`` says, in zones with half-hour offsets and DST too."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from carrier_tracker import messages


def _reference(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone().strftime("%m-%d %H:%M:%S")


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    "tz", ["Asia/Shanghai", "Europe/Berlin", "America/St_Johns", "Australia/Lord_Howe", "UTC"]
)
def test_local_time_is_astimezone_strftime(
    tz: str, zone: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", tz)
    time.tzset()
    rng = random.Random(tz)
    start = datetime(2026, 1, 1)
    for _ in range(20_000):
        at = start + timedelta(
            seconds=rng.randrange(2 * 365 * 86400), microseconds=rng.randrange(10**6)
        )
        if rng.random() < 0.3:
            at = at.replace(tzinfo=UTC)
        elif rng.random() < 0.2:
            at = at.replace(tzinfo=timezone(timedelta(hours=-7)))
        assert messages.local_time(at) == _reference(at), at


def test_a_change_of_zone_is_seen(zone: None, monkeypatch: pytest.MonkeyPatch) -> None:
    at = datetime(2026, 12, 8, 1, 2, 3)
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    assert messages.local_time(at) == "12-08 09:02:03"
    assert messages.local_iso("2026-12-08T01:02:03Z") == "12-08 09:02:03"
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    assert messages.local_time(at) == "12-08 01:02:03"
    assert messages.local_iso("2026-12-08T01:02:03Z") == "12-08 01:02:03"
    assert messages.local_time(None) == "-"


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "America/St_Johns", "Australia/Lord_Howe"])
def test_local_iso_is_local_time_of_the_parsed_text(
    tz: str, zone: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``local_iso`` converts each minute once and keeps the seconds: the same text as parsing
    and converting each time, for the ISO texts ``status --json`` writes (with and without
    microseconds) and others."""
    monkeypatch.setenv("TZ", tz)
    time.tzset()
    rng = random.Random(tz)
    start = datetime(2026, 1, 1)
    for _ in range(20_000):
        at = start + timedelta(seconds=rng.randrange(2 * 365 * 86400))
        if rng.random() < 0.5:
            at += timedelta(microseconds=rng.randrange(1, 10**6))
        text = at.isoformat() + "Z"
        assert messages.local_iso(text) == _reference(at), text
    assert messages.local_iso("2026-12-08T01:02:03+00:00") == _reference(
        datetime(2026, 12, 8, 1, 2, 3)
    )
    assert messages.local_iso(None) == messages.local_iso("") == "-"
