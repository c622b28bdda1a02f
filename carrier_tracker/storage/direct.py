"""Reads straight on the database driver: plain SQL for the read model, on a session or on an
SQLite file opened with the standard library alone (no SQLAlchemy import: a command's start-up).

The read model's queries are set-based SQL written once with ``?`` parameters; :func:`rows` runs
them on whatever the caller holds — an ORM session or connection (SQLite: its ``sqlite3``
connection; PostgreSQL: the driver through ``exec_driver_sql``), or the ``sqlite3`` connection
:func:`open_reader` gives commands that only read. Values come back as the driver gives them:
use :func:`when`, :func:`day` and ``bool`` where SQLite stores text or integers.
"""

from __future__ import annotations

import gc
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

SCHEMA_HEAD = "0015"
"""The newest migration, spelled out so the common case (schema current) needs no Alembic import
on every command (a tap's start-up); tests/unit/test_schema.py checks it against the scripts."""

_PLAIN_SQLITE = "sqlite:///"

CARRIER_ACTIONS = (
    "enroll",
    "issue",
    "collect",
    "reissue",
    "recall",
    "carry_out",
    "dispatch",
    "deliver",
    "return",
    "entrance",
    "report_lost",
    "found",
    "sweep",
)
ADMIN_EVENTS_WHERE = "action NOT IN (" + ", ".join(f"'{a}'" for a in CARRIER_ACTIONS) + ")"
"""The condition of the partial index ``ix_event_admin`` (migration 0013): events that are not
about one carrier. A read of rare events repeats it, so SQLite uses the index."""


def rows(bind: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run one read statement (``?`` parameters) and return its rows as tuples.

    Args:
        bind: a ``sqlite3`` connection, an ORM session (pending changes are flushed first, as
            its own queries would) or a SQLAlchemy connection.
        sql: the statement, with ``?`` for each parameter and no literal ``%``.
        params: the parameters, in order.
    """
    if isinstance(bind, sqlite3.Connection):
        return bind.execute(sql, tuple(params)).fetchall()
    if hasattr(bind, "exec_driver_sql"):
        conn = bind
    else:  # an ORM session
        bind.flush()
        conn = bind.connection()
    if conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        result: list[tuple[Any, ...]] = raw.execute(sql, tuple(params)).fetchall()
        return result
    return [tuple(r) for r in conn.exec_driver_sql(sql.replace("?", "%s"), tuple(params))]


@contextmanager
def bulk() -> Iterator[None]:
    """Build many small objects without the cyclic garbage collector running meanwhile (it
    would walk every one of them again and again: a fifth of a 50,000-item status); it runs
    again afterwards. Nothing built here forms reference cycles."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def marks(n: int) -> str:
    """``?, ?, ?`` for ``n`` parameters (an ``IN`` list)."""
    return ", ".join("?" * n)


def when(value: Any) -> datetime | None:
    """A stored time as a ``datetime``: SQLite hands back the text SQLAlchemy wrote (UTC, no
    zone: the naive ``datetime`` SQLAlchemy itself would read); PostgreSQL a ``datetime``."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def day(value: Any) -> date | None:
    """A stored date as a ``date`` (SQLite: ``2026-12-01``)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def plain_sqlite_path(url: str) -> Path | None:
    """The file of a plain ``sqlite:///PATH`` URL (no driver name, no query); None otherwise
    (another backend, memory, a ``file:`` URI: those go the SQLAlchemy way)."""
    if not url.startswith(_PLAIN_SQLITE) or "?" in url or "%" in url:
        return None
    name = url[len(_PLAIN_SQLITE) :]
    if name in ("", ":memory:") or name.startswith("file:"):
        return None
    return Path(name).expanduser()


def open_reader(url: str) -> sqlite3.Connection | None:
    """A read-only ``sqlite3`` connection on a consistent snapshot of an SQLite file whose
    schema is current, opened without SQLAlchemy; None for anything else — another backend, a
    missing or unreadable file, an old or newer schema — which the caller then opens the usual
    way (that path says what is wrong, in the usual words).

    Like ``db.make_engine(read_only=True)``: ``mode=ro`` (nothing is created or written), and
    ``immutable`` where the shared-memory file cannot be made and no write-ahead log exists.
    """
    path = plain_sqlite_path(url)
    if path is None or not path.is_file():
        return None
    resolved = path.resolve()
    query = "mode=ro"
    wal, shm = Path(f"{resolved}-wal"), Path(f"{resolved}-shm")
    if (
        not shm.exists()
        and not os.access(resolved.parent, os.W_OK)
        and not (wal.exists() and wal.stat().st_size)
    ):
        query += "&immutable=1"
    try:
        conn = sqlite3.connect(
            f"file:{quote(str(resolved))}?{query}",
            uri=True,
            isolation_level=None,
            check_same_thread=False,
            timeout=30,
        )
    except sqlite3.Error:
        return None
    try:
        conn.execute("BEGIN")  # one snapshot for every read of the command (WAL: never blocks)
        found = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:
        conn.close()
        return None
    if found != [(SCHEMA_HEAD,)]:
        conn.close()
        return None
    return conn
