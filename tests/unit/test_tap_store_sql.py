"""The tap's raw SQLite path writes exactly what SQLAlchemy would: its fast datetime conversion
matches SQLAlchemy's SQLite ``DATETIME`` storage format byte for byte, and positional binding
fills a parameter named twice in one statement."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlmodel import SQLModel

from carrier_tracker.storage import tap_store


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 12, 8, 1, 31, 5),
        datetime(2026, 12, 8, 1, 31, 5, 123, tzinfo=UTC),
        datetime(2026, 12, 8, 9, 31, 5, 999999, tzinfo=timezone(timedelta(hours=8))),
        datetime(999, 1, 2, 3, 4, 5, 6),
        date(2026, 1, 2),
    ],
)
def test_datetimes_are_stored_as_sqlalchemy_stores_them(value: date) -> None:
    dialect = sqlite_dialect.dialect()
    expected = sqlite_dialect.DATETIME().bind_processor(dialect)(value)  # type: ignore[no-untyped-call, misc]
    assert tap_store.sqlite_datetime(value) == expected


def test_a_parameter_named_twice_is_bound_in_both_places() -> None:
    """The meeting lookup names ``code`` twice (the match and the exact-case ordering)."""
    raw = sqlite3.connect(":memory:", isolation_level=None)
    from sqlalchemy import create_engine

    engine = create_engine("sqlite://", creator=lambda: raw)
    SQLModel.metadata.create_all(engine)
    raw.execute(
        "INSERT INTO meeting (code, title, level, requires_passes, status, organizer, officer,"
        " venue, close_note, closed_by, created_at, filed_ref, filed_by, plan_title)"
        " VALUES ('hy-1', 't', '机密', 1, 'open', '', '', '', '', '', '2026-01-01', '', '', ''),"
        " ('HY-1', 't', '机密', 1, 'open', '', '', '', '', '', '2026-01-01', '', '', '')"
    )
    sql = tap_store._sqlite_sql(tap_store._MEETING_WITH_HEAD)
    assert sql.sql.count("?") == 2
    store = tap_store.TapStore(raw)
    assert store.meeting_and_head("HY-1")[0].code == "HY-1"  # type: ignore[union-attr]
    assert store.meeting_and_head("hy-1")[0].code == "hy-1"  # type: ignore[union-attr]
