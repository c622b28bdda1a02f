"""Shared fixtures: databases (SQLite always, PostgreSQL when .ci/run started it), keys, homes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel

from carrier_tracker.storage import models  # noqa: F401  (registers tables)
from carrier_tracker.storage.db import make_engine

REQUIRE_SERVICES = os.environ.get("CT_REQUIRE_SERVICES") == "1"
PG_URL = os.environ.get("CT_TEST_PG_URL", "")
KEY = bytes(range(32))


def skip_or_fail(reason: str) -> None:
    """Skip with a reason; in CI (CT_REQUIRE_SERVICES=1) a missing service fails instead."""
    if REQUIRE_SERVICES:
        pytest.fail(f"CI must run this test but: {reason}")
    pytest.skip(reason)


def pg_database_url(name: str) -> str:
    """URL of a fresh PostgreSQL database ``name`` on the test server (created if missing).

    ``$CT_TEST_PG_PREFIX`` is prepended to the name, so two test runs can share one server.
    """
    name = os.environ.get("CT_TEST_PG_PREFIX", "") + name
    if not PG_URL:
        skip_or_fail("PostgreSQL not available: set CT_TEST_PG_URL (source .ci/services.sh start)")
    admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as e:
        skip_or_fail(f"PostgreSQL at {PG_URL} not reachable: {e}")
    finally:
        admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def fresh_pg_url(name: str) -> str:
    """URL of PostgreSQL database ``name`` with an empty public schema."""
    url = pg_database_url(name)
    eng = make_engine(url)
    with eng.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    eng.dispose()
    return url


@pytest.fixture(scope="session")
def _pg_engine() -> Iterator[Engine]:
    engine = make_engine(pg_database_url("ct_unit"))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Run the test once per database backend."""
    return str(request.param)


@pytest.fixture
def engine(backend: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A clean database with the schema (metadata create_all; migrations are tested apart)."""
    if backend == "sqlite":
        eng = make_engine("sqlite://")
        SQLModel.metadata.create_all(eng)
        yield eng
        eng.dispose()
        return
    eng = request.getfixturevalue("_pg_engine")
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with eng.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield eng


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the clean database; tests commit as the CLI does."""
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def key() -> bytes:
    """A fixed ledger key."""
    return KEY


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated CARRIER_TRACKER_HOME (database and key under tmp_path)."""
    monkeypatch.setenv("CARRIER_TRACKER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CARRIER_TRACKER_DB", raising=False)
    monkeypatch.delenv("CARRIER_TRACKER_KEY_FILE", raising=False)
    monkeypatch.setenv("CARRIER_TRACKER_OPERATOR", "测试员")
    return tmp_path / "home"


SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "meeting.xlsx"
