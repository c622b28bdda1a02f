"""Migrations build exactly the models' schema; commands refuse a missing or old schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from carrier_tracker.errors import SchemaError
from carrier_tracker.storage import db
from tests.conftest import fresh_pg_url


# Alembic cannot reflect SQLite's expression indexes, so it skips them (with these warnings);
# test_code_lookups_search_an_index checks them on SQLite, the PostgreSQL test compares them.
@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_upgrade_head_matches_models(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    before, after = db.upgrade(engine)
    assert before is None and after == db.head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
    assert db.upgrade(engine) == (after, after)  # idempotent


PARTIAL = {
    "uq_carrier_active_tag": "NOT tag_released",
    "ix_event_entrance": "'entrance'",
    "ix_event_admin": "'report_lost'",
}


def _partial_indexes(conn: Connection) -> dict[str, str]:
    sql = "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN :names"
    stmt = text(sql).bindparams(bindparam("names", expanding=True))
    return {name: sql for name, sql in conn.execute(stmt, {"names": list(PARTIAL)})}


def test_postgresql_migrations_and_models_agree_and_indexes_are_partial() -> None:
    """On PostgreSQL the partial indexes get their condition both from the migrations and from
    the models' create_all (where it is attached at create time, not named in the model)."""
    engine = db.make_engine(fresh_pg_url("ct_schema"))
    db.upgrade(engine)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
        migrated = _partial_indexes(conn)
    models = db.make_engine(fresh_pg_url("ct_schema_models"))
    SQLModel.metadata.create_all(models)
    with models.connect() as conn:
        created = _partial_indexes(conn)
    for name, condition in PARTIAL.items():
        assert "WHERE" in migrated[name] and condition in migrated[name], migrated
        assert "WHERE" in created[name] and condition in created[name], created
    engine.dispose()
    models.dispose()


def test_missing_schema_is_named(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SchemaError, match="carrier-tracker init"):
        db.require_schema(engine)


def test_old_schema_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    db.upgrade(engine)
    with engine.begin() as conn:  # a database one migration behind this program
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    with pytest.raises(SchemaError, match="过旧"):
        db.require_schema(engine)


def test_newer_schema_is_named_and_init_changes_nothing(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    db.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(SchemaError, match="更新版本的 carrier-tracker 创建（结构版本 0099"):
        db.require_schema(engine)
    with pytest.raises(SchemaError, match="未做任何修改"):
        db.upgrade(engine)
    assert db.current_revision(engine) == "0099"


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_schema_head_constant_matches_the_migrations() -> None:
    """``db.SCHEMA_HEAD`` lets commands skip Alembic when the schema is current: it must name
    the newest migration script."""
    from carrier_tracker.storage import db

    assert db.head_revision() == db.SCHEMA_HEAD


@pytest.mark.parametrize("build", ["migrations", "models"])
def test_code_lookups_search_an_index(tmp_path: Path, build: str) -> None:
    """The case-insensitive code lookups of every tap (the meeting) and every hand-over (the
    desk's attendee) search an expression index, not every row — from the migrations and from
    the models alike (a 2,000-attendee meeting scanned 2,000 rows a hand-over without it)."""
    from carrier_tracker.storage import tap_store

    engine = db.make_engine(f"sqlite:///{tmp_path / 'plan.db'}")
    if build == "migrations":
        db.upgrade(engine)
    else:
        SQLModel.metadata.create_all(engine)
    lookups = {
        tap_store._MEETING_WITH_HEAD: ("ix_meeting_code_ci", {"code": "HY-1"}),
        tap_store._ATTENDEE_BY_CODE: ("ix_attendee_code_ci", {"meeting_id": 1, "code": "a001"}),
    }
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        for stmt, (index, params) in lookups.items():
            compiled = tap_store._sqlite_sql(stmt)
            plan = raw.execute(f"EXPLAIN QUERY PLAN {compiled.sql}", compiled.values(params))
            details = [row[3] for row in plan]
            assert any(f"USING INDEX {index}" in d for d in details), details
    engine.dispose()


@pytest.mark.parametrize("build", ["migrations", "models"])
def test_a_hand_over_searches_the_recipients_copies_of_one_document(
    tmp_path: Path, build: str
) -> None:
    """A copy's hand-over asks whether the recipient holds a copy of that document with one
    search of (holder_id, document_id), not a walk of every copy they hold (a copy tap grew
    with the recipient's holdings: 3.3 ms CPU at 1,000)."""
    from carrier_tracker.storage import tap_store

    engine = db.make_engine(f"sqlite:///{tmp_path / 'plan.db'}")
    if build == "migrations":
        db.upgrade(engine)
    else:
        SQLModel.metadata.create_all(engine)
    params = {
        "s_issued": "issued",
        "s_carried_out": "carried_out",
        "s_lost": "lost",
        "document_id": 3,
    }
    params |= {"pass_kind": "pass", **tap_store._ids([1, 2])}
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        for stmt in (tap_store._HOLDINGS_OF_DOCUMENT, tap_store._HOLDINGS_OF_DOCUMENT_AND_PASSES):
            compiled = tap_store._sqlite_sql(stmt)
            plan = raw.execute(f"EXPLAIN QUERY PLAN {compiled.sql}", compiled.values(params))
            details = [row[3] for row in plan]
            wanted = "USING INDEX ix_carrier_holder_document (holder_id=? AND document_id=?)"
            assert any(wanted in d for d in details), details
    engine.dispose()


def test_code_lookup_indexes_come_and_go_with_migration_0011(tmp_path: Path) -> None:
    """0011 down removes exactly its two indexes, and up again restores them."""
    from alembic import command

    engine = db.make_engine(f"sqlite:///{tmp_path / 'down.db'}")
    db.upgrade(engine)

    def indexes() -> set[str]:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
            return {name for (name,) in rows}

    at_head = indexes()
    with engine.begin() as conn:
        command.downgrade(db._alembic_config(conn), "0012")
    at_0011 = indexes()
    assert {"ix_meeting_code_ci", "ix_attendee_code_ci"} <= at_0011
    with engine.begin() as conn:
        command.downgrade(db._alembic_config(conn), "0010")
    assert at_0011 - indexes() == {"ix_meeting_code_ci", "ix_attendee_code_ci"}
    db.upgrade(engine)
    assert indexes() == at_head
    engine.dispose()


def test_read_indexes_come_and_go_with_migration_0013(tmp_path: Path) -> None:
    """0013 down removes exactly the partial index of rare events and the (holder, document)
    index, putting the holder's back; up again restores them."""
    from alembic import command

    engine = db.make_engine(f"sqlite:///{tmp_path / 'down.db'}")
    db.upgrade(engine)

    def indexes() -> set[str]:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
            return {name for (name,) in rows}

    at_head = indexes()
    with engine.begin() as conn:
        command.downgrade(db._alembic_config(conn), "0012")
    assert at_head - indexes() == {"ix_event_admin", "ix_carrier_holder_document"}
    assert indexes() - at_head == {"ix_carrier_holder_id"}
    db.upgrade(engine)
    assert indexes() == at_head
    engine.dispose()


def test_admin_event_index_leaves_out_every_per_carrier_action() -> None:
    """The partial index leaves out exactly the per-carrier events (every tap mode's action and
    enrollment), so no tap writes a page of it; the migration's frozen condition is the
    models' one."""
    import importlib

    from carrier_tracker.enums import MODE_ACTION, Action
    from carrier_tracker.storage import direct

    tap_actions = {a.value for a in MODE_ACTION.values()} | {Action.ENROLL.value}
    assert set(direct.CARRIER_ACTIONS) == tap_actions
    migration = importlib.import_module(
        "carrier_tracker.storage.migrations.versions.0013_read_indexes"
    )
    assert migration._WHERE == direct.ADMIN_EVENTS_WHERE


@pytest.mark.parametrize("build", ["migrations", "models"])
def test_rare_event_lookups_search_an_index(tmp_path: Path, build: str) -> None:
    """The views' lookups of one kind of rare event (late attendees, voids, the close) search
    the partial index, not the meeting's whole ledger (70 ms at 230,000 events without it)."""
    from carrier_tracker.storage import planview, readmodel

    engine = db.make_engine(f"sqlite:///{tmp_path / 'plan.db'}")
    if build == "migrations":
        db.upgrade(engine)
    else:
        SQLModel.metadata.create_all(engine)
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        for sql in (readmodel._LATE, readmodel._CLOSE_SEQ, planview._VOIDS):
            plan = raw.execute(f"EXPLAIN QUERY PLAN {sql}", (1, "close", "accepted"))
            details = [row[3] for row in plan]
            assert any("USING INDEX ix_event_admin" in d for d in details), (sql, details)
    engine.dispose()
