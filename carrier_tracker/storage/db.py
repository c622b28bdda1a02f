"""Engine, session scope and schema management (Alembic) for SQLite and PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from carrier_tracker import messages
from carrier_tracker.config import make_private_dir
from carrier_tracker.errors import DatabaseError, SchemaError, os_reason
from carrier_tracker.storage.direct import SCHEMA_HEAD
from carrier_tracker.text_fields import printable

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
READ_ONLY = "carrier_tracker_read_only"
_SIDE_FILES = ("-wal", "-shm", "-journal")


def sqlite_file(url: str | URL) -> Path | None:
    """The file behind a file-backed SQLite URL (a plain path or a ``file:`` URI); None for an
    in-memory database or another backend."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if str(parsed.query.get("uri", "")).lower() in ("true", "1"):
        if parsed.query.get("mode") == "memory" or database.startswith("file::memory:"):
            return None
        if database.startswith("file:"):
            database = unquote(database[5:].split("?", 1)[0])
            if database.startswith("//"):  # file://localhost/path or file:///path
                database = "/" + database[2:].split("/", 1)[-1]
    if database in ("", ":memory:"):
        return None
    return Path(database).expanduser()


def _first_line(err: BaseException) -> str:
    """The driver's own words, first line only: never the SQL statement or its parameters."""
    orig = getattr(err, "orig", None) or err
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0]


BUSY_SECONDS = 30
"""How long a write waits for another writer's lock before it gives up (SQLite)."""


def _db_error(engine_or_url: Engine | URL, err: DBAPIError | sqlite3.Error) -> DatabaseError:
    """A database error in plain words (file-not-a-database named as such)."""
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else engine_or_url
    reason = _first_line(err)
    path = sqlite_file(url)
    if path is not None and "file is not a database" in reason:
        return DatabaseError(messages.text("db_not_sqlite", path=path))
    if path is not None and "readonly database" in reason:
        return DatabaseError(messages.text("db_read_only", path=path))
    if path is not None and "database is locked" in reason:
        return DatabaseError(messages.text("db_locked", path=path, seconds=BUSY_SECONDS))
    return DatabaseError(messages.text("db_unreachable", url=url.render_as_string(), reason=reason))


def _prepare_file(path: Path, *, create: bool) -> None:
    """Refuse a missing file or directory unless creating; create the directory 0700 and the
    database file 0600 (SQLite gives its -wal and -shm files the database file's mode)."""
    try:
        if path.exists():
            if not path.is_file():
                raise DatabaseError(messages.text("db_not_file", path=path))
            return
        if not create:
            if not path.parent.is_dir():
                raise DatabaseError(messages.text("db_dir_missing", dir=path.parent))
            raise SchemaError(messages.text("db_missing", path=path))
        make_private_dir(path.parent)
        with suppress(FileExistsError):  # another process created it first
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as e:
        raise DatabaseError(
            messages.text("db_unreadable", path=printable(str(path), 80), reason=os_reason(e))
        ) from e


def _read_only_url(path: Path) -> URL:
    """A ``mode=ro`` URI for the file: SQLite then never writes it, and reads work on a file
    the user may not write. Where SQLite could not create the shared-memory file (a read-only
    directory, e.g. an auditor's copy on read-only media) and no write-ahead log exists, the
    file is opened ``immutable`` — nobody can be writing it there."""
    query = {"uri": "true", "mode": "ro"}
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    if (
        not shm.exists()
        and not os.access(path.parent, os.W_OK)
        and not (wal.exists() and wal.stat().st_size)
    ):
        query["immutable"] = "1"
    return URL.create("sqlite", database="file:" + quote(str(path.resolve())), query=query)


def make_engine(
    url: str, *, echo: bool = False, read_only: bool = False, create: bool = True
) -> Engine:
    """Create an engine with our per-dialect settings.

    SQLite: WAL, foreign keys, ``synchronous=FULL``, a 30 s busy timeout and ``BEGIN IMMEDIATE``
    so each transaction takes the write lock up front (two desks never both read-then-write).
    In-memory SQLite (``sqlite://``) shares one connection (StaticPool) for tests.

    Args:
        url: any SQLAlchemy URL.
        echo: log SQL.
        read_only: for commands that only read (status, verify, export): SQLite opens the
            file ``mode=ro`` and never takes the write lock; PostgreSQL sessions are
            ``default_transaction_read_only``.
        create: create a missing SQLite file (0600) and its directory (0700); otherwise a
            missing file or directory is refused and nothing is created.

    Returns:
        The engine.

    Raises:
        DatabaseError: the URL is malformed, names a driver that is not installed, or a file
            or directory that is missing (without ``create``) or not a file.
        SchemaError: the SQLite file does not exist (without ``create``).
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as e:
        raise DatabaseError(
            messages.text("db_unreachable", url=url, reason=messages.text("bad_db_url"))
        ) from e
    if parsed.get_backend_name() != "sqlite":
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if read_only and parsed.get_backend_name() == "postgresql":
            kwargs["connect_args"] = {"options": "-c default_transaction_read_only=on"}
        try:
            return create_engine(url, echo=echo, **kwargs)
        except ImportError as e:  # the driver is an extra: say how to get it
            raise DatabaseError(
                messages.text(
                    "db_driver_missing", url=parsed.render_as_string(), module=e.name or e
                )
            ) from e
        except NoSuchModuleError as e:  # a scheme no dialect answers to (foo://…)
            reason = messages.text("db_unknown_kind", kind=parsed.drivername)
            raise DatabaseError(messages.text("db_unreachable", url=url, reason=reason)) from e
        except SQLAlchemyError as e:
            raise DatabaseError(messages.text("db_unreachable", url=url, reason=e)) from e

    path = sqlite_file(parsed)
    memory = path is None
    kwargs = {"connect_args": {"check_same_thread": False, "timeout": BUSY_SECONDS}}
    target: str | URL = url
    if memory:
        kwargs["poolclass"] = StaticPool
    else:
        assert path is not None
        _prepare_file(path, create=create and not read_only)
        if read_only and parsed.query.get("mode") != "ro":
            target = _read_only_url(path)
    engine = create_engine(target, echo=echo, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, emit BEGIN (pysqlite's implicit BEGIN is deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not memory and not read_only:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Readers (exports, status, screens) take a WAL snapshot and never block a desk's tap.
        deferred = read_only or conn.get_execution_options().get(READ_ONLY)
        # Straight on the DBAPI connection: this runs once per tap, and SQLAlchemy's statement
        # machinery would cost more than SQLite's BEGIN itself.
        conn.connection.driver_connection.execute("BEGIN" if deferred else "BEGIN IMMEDIATE")  # type: ignore[union-attr]

    return engine


def is_sqlite(engine: Engine) -> bool:
    """True when the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


@contextmanager
def _scope(session: Session, engine: Engine) -> Iterator[Session]:
    """Commit on success, roll back on any error, always close; database errors in plain words
    (the driver's first line only: never the SQL or its parameters)."""
    try:
        yield session
        session.commit()
    except (DBAPIError, sqlite3.Error) as e:  # the tap's hot path talks to sqlite3 directly
        session.rollback()
        raise _db_error(engine, e) from e
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One write transaction (one tap): commit on success, roll back on any error.

    Raises:
        DatabaseError: the database could not be reached or refused the change.
    """
    with _scope(Session(engine, expire_on_commit=False), engine) as session:
        yield session


class _TapLine:
    """The SQLite connection an engine keeps for taps, outside its pool.

    A tap is one short transaction on one connection, and on SQLite the pool's checkout and
    check-in (with its reset, a rollback) were ~5 % of a tap (bench/README.md). So each file
    engine keeps one connection, taken from its pool once and detached from it (same driver,
    same pragmas), for :func:`tap_scope`. One tap uses it at a time; a tap that finds it in use
    (another thread's tap) takes a pooled connection instead. :meth:`Engine.dispose` closes it.
    """

    def __init__(self, engine: Engine) -> None:
        self.fairy = engine.raw_connection()
        raw = self.fairy.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        self.fairy.detach()  # ours now: closed by close(), never returned to the pool
        self.raw = raw
        self.lock = threading.Lock()

    def close(self) -> None:
        with self.lock:
            self.fairy.close()


_TAP_LINES: weakref.WeakKeyDictionary[Engine, _TapLine] = weakref.WeakKeyDictionary()
_TAP_LINES_LOCK = threading.Lock()


def _tap_line(engine: Engine) -> _TapLine:
    line = _TAP_LINES.get(engine)
    if line is None:
        with _TAP_LINES_LOCK:
            line = _TAP_LINES.get(engine)
            if line is None:
                line = _TAP_LINES[engine] = _TapLine(engine)
                event.listen(engine, "engine_disposed", _close_tap_line)
    return line


def _close_tap_line(engine: Engine) -> None:
    line = _TAP_LINES.pop(engine, None)
    if line is not None:
        line.close()


def tap_scope(engine: Engine) -> AbstractContextManager[Connection | sqlite3.Connection]:
    """One write transaction for one tap, without an ORM session: the tap's hot path.

    A tap reads and writes through :class:`~carrier_tracker.storage.tap_store.TapStore`'s prebuilt
    statements only, so a session's identity map, unit of work and SQLAlchemy's own connection
    and transaction bookkeeping are pure overhead on it (bench/README.md). On an SQLite file
    this is the engine's tap connection (:class:`_TapLine`; pragmas set at connect) in
    ``BEGIN IMMEDIATE``; elsewhere a SQLAlchemy connection in a transaction. Commit on
    success, roll back on any error.

    Raises:
        DatabaseError: the database could not be reached or refused the change.
    """
    line = _TAP_LINES.get(engine)
    if line is None:
        if not is_sqlite(engine):
            return _server_tap(engine)
        if isinstance(engine.pool, StaticPool):  # in-memory SQLite: one shared connection
            return _pooled_tap(engine)
        try:
            line = _tap_line(engine)
        except (DBAPIError, sqlite3.Error) as e:
            raise _db_error(engine, e) from e
    if not line.lock.acquire(blocking=False):  # another thread's tap holds the line
        return _pooled_tap(engine)
    return _RawTransaction(engine, line.raw, line.lock.release)


class _RawTransaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` on a ``sqlite3`` connection held for one tap, then
    ``release`` (the tap line's lock, or a pooled connection's check-in). Any error, at the
    commit too, rolls back, so nothing of a failed tap stays; database errors come out in plain
    words (tests/integration/test_tap_scope.py). A class rather than generator context managers:
    it runs on every tap."""

    def __init__(
        self, engine: Engine, raw: sqlite3.Connection, release: Callable[[], None]
    ) -> None:
        self.engine, self.raw, self.release = engine, raw, release

    def __enter__(self) -> sqlite3.Connection:
        try:
            self.raw.execute("BEGIN IMMEDIATE")
        except BaseException as e:
            self._abandon(e)
            raise
        return self.raw

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: Any
    ) -> None:
        if error is None:
            try:
                self.raw.execute("COMMIT")
            except BaseException as e:
                self._abandon(e)
                raise
            self.release()
            return
        self._abandon(error)  # any other error goes on as it is

    def _abandon(self, error: BaseException) -> None:
        """Roll back and release; a database error is raised in plain words."""
        try:
            if self.raw.in_transaction:
                with suppress(sqlite3.Error):
                    self.raw.execute("ROLLBACK")
        finally:
            self.release()
        if isinstance(error, DBAPIError | sqlite3.Error):
            raise _db_error(self.engine, error) from error


@contextmanager
def _server_tap(engine: Engine) -> Iterator[Connection]:
    try:
        with engine.connect() as conn, conn.begin():
            yield conn
    except DBAPIError as e:
        raise _db_error(engine, e) from e


def _pooled_tap(engine: Engine) -> _RawTransaction:
    """A tap on a pooled connection: in-memory SQLite, or while another thread has the line."""
    try:
        pooled = engine.raw_connection()
    except DBAPIError as e:
        raise _db_error(engine, e) from e
    raw = pooled.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return _RawTransaction(engine, raw, pooled.close)


def _reader(engine: Engine) -> Engine:
    options: dict[str, Any] = {READ_ONLY: True}
    if not is_sqlite(engine):
        options["isolation_level"] = "REPEATABLE READ"
    return engine.execution_options(**options)


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """A read-only transaction on a consistent snapshot that never blocks writers.

    SQLite: a deferred ``BEGIN`` (WAL readers see one snapshot and take no write lock; the tap
    scope's ``BEGIN IMMEDIATE`` would stall every desk for the length of an export).
    PostgreSQL: ``REPEATABLE READ``, so a long export sees one consistent state. It ends with a
    commit, not a rollback: nothing was written, and objects read here stay usable afterwards.

    Raises:
        DatabaseError: the database could not be reached.
    """
    with _scope(Session(_reader(engine), expire_on_commit=False), engine) as session:
        yield session


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration this program ships."""
    from alembic.script import ScriptDirectory

    cfg_script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = cfg_script.get_current_head()
    assert head is not None
    return head


def _known_revision(revision: str) -> bool:
    """True when this program ships the migration (False: a newer program made the database)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(revision) is not None
    except (CommandError, KeyError, ValueError):
        return False


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None when it has no schema.

    Reads without taking the write lock (a deferred transaction), so a command that only
    checks the schema never waits behind a writer.

    Raises:
        DatabaseError: the database cannot be reached or is not a database.
    """
    from alembic.runtime.migration import MigrationContext

    try:
        with _reader(engine).connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except DBAPIError as e:
        raise _db_error(engine, e) from e


def _refuse_newer(current: str | None, head: str) -> None:
    if current is not None and current != head and not _known_revision(current):
        raise SchemaError(messages.text("schema_newer", current=current, head=head))


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Create or upgrade the schema to the newest migration. A database made by a newer
    version of the program is refused untouched.

    Returns:
        The revision before and after.

    Raises:
        SchemaError: the database's schema is newer than this program.
        DatabaseError: the database cannot be reached or is not a database.
    """
    from alembic import command

    before = current_revision(engine)
    head = head_revision()
    _refuse_newer(before, head)
    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "head")
    except DBAPIError as e:
        raise _db_error(engine, e) from e
    tighten_file_modes(engine)
    return before, head


def tighten_file_modes(engine: Engine) -> None:
    """Make the SQLite database and its -wal/-shm files 0600 when they are ours and looser
    (a database made before this rule); never loosens anything."""
    path = sqlite_file(engine.url)
    if path is None:
        return
    for file in (path, *(Path(f"{path}{s}") for s in _SIDE_FILES)):
        try:
            st = file.stat()
            if st.st_uid == os.geteuid() and st.st_mode & 0o077:
                os.chmod(file, st.st_mode & 0o700)
        except OSError:
            continue


def _stored_revision(engine: Engine) -> str | None:
    """The revision in ``alembic_version`` read with one plain SELECT (None: no such table)."""
    try:
        with _reader(engine).connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:
        return None


def require_schema(engine: Engine) -> None:
    """Fail with a clear message unless the schema is at the newest migration.

    Raises:
        SchemaError: no schema, an old one, or one made by a newer program.
    """
    if _stored_revision(engine) == SCHEMA_HEAD:
        return
    current = current_revision(engine)
    head = head_revision()
    if current is None:
        raise SchemaError(messages.text("schema_missing"))
    _refuse_newer(current, head)
    if current != head:
        raise SchemaError(messages.text("schema_old", current=current, head=head))


def ping(engine: Engine) -> None:
    """Check the database answers.

    Raises:
        DatabaseError: it does not.
    """
    try:
        with _reader(engine).connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as e:
        raise _db_error(engine, e) from e
