"""The early PIN check: argon2 started on another thread while the CLI imports, its result used
only for the very hash (and PIN) the real sign-in reads."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from carrier_tracker.access import pin_check

KEY = bytes(range(32))


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.key"
    path.write_text(KEY.hex() + "\n")
    return path


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "ops.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE operator (name TEXT, pin_hash BLOB)")
        conn.execute(
            "INSERT INTO operator VALUES (?, ?)",
            ("孙文管", pin_check.make_hash(KEY, "孙文管", "246810")),
        )
    return path


def stored(path: Path) -> bytes:
    with sqlite3.connect(path) as conn:
        value: bytes = conn.execute("SELECT pin_hash FROM operator").fetchone()[0]
    return value


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = pin_check.verify

    def counted(hash_: bytes, pin: str, **kw: Any) -> bool:
        calls.append(pin)
        return real(hash_, pin, **kw)

    monkeypatch.setattr(pin_check, "verify", counted)
    return calls


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:////var/lib/ct/carrier-tracker.db", "/var/lib/ct/carrier-tracker.db"),
        ("sqlite:///relative.db", "relative.db"),
        ("sqlite://", None),
        ("sqlite:///", None),
        ("sqlite:///file:x.db?mode=ro&uri=true", None),
        ("postgresql+psycopg://u@h/db", None),
    ],
)
def test_only_a_plain_sqlite_file_gets_an_early_check(url: str, path: str | None) -> None:
    assert pin_check.sqlite_path(url) == (Path(path) if path else None)


def test_the_early_result_is_used_once_for_the_same_hash(
    db_file: Path, key_file: Path, verifications: list[str]
) -> None:
    pin_check.start_early(db_file, "孙文管", "246810", key_file)
    assert pin_check.matches(stored(db_file), "246810", key=KEY, name="孙文管")
    assert verifications == ["246810"]  # argon2 ran once, on the early thread
    assert pin_check.matches(stored(db_file), "246810", key=KEY, name="孙文管")  # used up
    assert verifications == ["246810", "246810"]


def test_an_early_result_for_another_key_or_name_is_not_used(
    db_file: Path, tmp_path: Path, verifications: list[str]
) -> None:
    other = tmp_path / "other.key"
    other.write_text(bytes(32).hex())
    pin_check.start_early(db_file, "孙文管", "246810", other)
    assert pin_check.matches(stored(db_file), "246810", key=KEY, name="孙文管")
    assert verifications == ["246810", "246810"]  # the early check (wrong key) was not reused


def test_a_peppered_hash_needs_the_key_and_the_name() -> None:
    """A copy of the database alone (no key) verifies nothing; the hash is bound to its name."""
    stored_hash = pin_check.make_hash(KEY, "孙文管", "246810")
    assert pin_check.verify(stored_hash, "246810", key=KEY, name="孙文管")
    assert not pin_check.verify(stored_hash, "246810")  # no key: no guessing offline
    assert not pin_check.verify(stored_hash, "246810", key=bytes(32), name="孙文管")
    assert not pin_check.verify(stored_hash, "246810", key=KEY, name="赵保密")  # copied row
    legacy = pin_check.HASHER.hash("246810").encode()
    assert pin_check.verify(legacy, "246810") and not pin_check.peppered(legacy)


def test_a_pin_reset_in_between_is_seen(db_file: Path, key_file: Path) -> None:
    """The early check read the old hash; the PIN is reset before the sign-in reads it: the
    sign-in's hash decides (the old PIN no longer matches)."""
    pin_check.start_early(db_file, "孙文管", "246810", key_file)
    with sqlite3.connect(db_file) as conn:
        conn.execute(
            "UPDATE operator SET pin_hash = ?", (pin_check.make_hash(KEY, "孙文管", "135790"),)
        )
    assert not pin_check.matches(stored(db_file), "246810", key=KEY, name="孙文管")
    assert pin_check.matches(stored(db_file), "135790", key=KEY, name="孙文管")


def test_a_wrong_pin_early_is_still_wrong(db_file: Path, key_file: Path) -> None:
    pin_check.start_early(db_file, "孙文管", "000000", key_file)
    assert not pin_check.matches(stored(db_file), "000000", key=KEY, name="孙文管")


@pytest.mark.parametrize("name", ["无此人", "孙文管"])
def test_no_file_or_no_operator_leaves_the_check_to_the_sign_in(
    tmp_path: Path, db_file: Path, key_file: Path, verifications: list[str], name: str
) -> None:
    missing = tmp_path / "missing.db"
    pin_check.start_early(missing if name == "孙文管" else db_file, name, "246810", key_file)
    assert pin_check.matches(stored(db_file), "246810", key=KEY, name="孙文管")
    assert verifications == ["246810"]  # the early thread found nothing to check
    assert not missing.exists()  # read-only: nothing created
