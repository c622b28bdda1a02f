"""Engine, session scope and schema management (Alembic) for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from . import messages
from .errors import DatabaseError, SchemaError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
READ_ONLY = "carrier_tracker_read_only"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine with our per-dialect settings.

    SQLite: WAL, foreign keys, ``synchronous=FULL``, a 30 s busy timeout and ``BEGIN IMMEDIATE``
    so each transaction takes the write lock up front (two desks never both read-then-write).
    In-memory SQLite (``sqlite://``) shares one connection (StaticPool) for tests.

    Args:
        url: any SQLAlchemy URL.
        echo: log SQL.

    Returns:
        The engine.

    Raises:
        DatabaseError: the URL is malformed or names a driver that is not installed.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise DatabaseError(messages.text("db_unreachable", url=url, reason="URL 格式错误")) from e
    if parsed.get_backend_name() != "sqlite":
        try:
            return create_engine(url, echo=echo, pool_pre_ping=True)
        except (ImportError, SQLAlchemyError) as e:
            raise DatabaseError(messages.text("db_unreachable", url=url, reason=e)) from e

    memory = parsed.database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if memory:
        kwargs["poolclass"] = StaticPool
    else:
        Path(parsed.database or "").expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, emit BEGIN (pysqlite's implicit BEGIN is deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Readers (exports, status, screens) take a WAL snapshot and never block a desk's tap.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

    return engine


def is_sqlite(engine: Engine) -> bool:
    """True when the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


@contextmanager
def _scope(session: Session, engine: Engine) -> Iterator[Session]:
    """Commit on success, roll back on any error, always close; database errors in plain words."""
    try:
        yield session
        session.commit()
    except OperationalError as e:
        session.rollback()
        raise DatabaseError(
            messages.text("db_unreachable", url=engine.url.render_as_string(), reason=e.orig)
        ) from e
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One write transaction (one tap): commit on success, roll back on any error.

    Raises:
        DatabaseError: the database could not be reached or the commit failed.
    """
    with _scope(Session(engine, expire_on_commit=False), engine) as session:
        yield session


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
    options: dict[str, Any] = {READ_ONLY: True}
    if not is_sqlite(engine):
        options["isolation_level"] = "REPEATABLE READ"
    with _scope(Session(engine.execution_options(**options), expire_on_commit=False), engine) as session:
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


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None when it has no schema."""
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as e:
        raise DatabaseError(
            messages.text("db_unreachable", url=engine.url.render_as_string(), reason=e.orig)
        ) from e


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Create or upgrade the schema to the newest migration.

    Returns:
        The revision before and after.
    """
    from alembic import command

    before = current_revision(engine)
    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "head")
    except OperationalError as e:
        raise DatabaseError(
            messages.text("db_unreachable", url=engine.url.render_as_string(), reason=e.orig)
        ) from e
    return before, head_revision()


def require_schema(engine: Engine) -> None:
    """Fail with a clear message unless the schema is at the newest migration.

    Raises:
        SchemaError: no schema, or an old one.
    """
    current = current_revision(engine)
    head = head_revision()
    if current is None:
        raise SchemaError(messages.text("schema_missing"))
    if current != head:
        raise SchemaError(messages.text("schema_old", current=current, head=head))


def ping(engine: Engine) -> None:
    """Check the database answers.

    Raises:
        DatabaseError: it does not.
    """
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as e:
        raise DatabaseError(
            messages.text("db_unreachable", url=engine.url.render_as_string(), reason=e.orig)
        ) from e
