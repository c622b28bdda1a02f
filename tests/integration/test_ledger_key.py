"""The key, honestly: a wrong or missing key is named as such — never reported as tampering,
never silently replaced by a new one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from carrier_tracker import ledger
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Setting
from tests.conftest import SAMPLE
from tests.integration.cli_helpers import CODE, Cli, pass_uid


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path / "home", f"sqlite:///{tmp_path / 'ct.db'}")
    assert c("init").code == 0
    assert c("import", str(SAMPLE)).code == 0
    assert c("tap", CODE, "--mode", "issue", pass_uid("A001")).code == 0
    return c


def _other_key(tmp_path: Path) -> Path:
    path = tmp_path / "other.key"
    ledger.load_key(path)
    return path


def test_database_records_its_key_fingerprint(cli: Cli, tmp_path: Path) -> None:
    key = ledger.load_key(tmp_path / "home" / "config" / "ledger.key", create=False)
    engine = db.make_engine(cli.env["CARRIER_TRACKER_DB"])
    with Session(engine) as s:
        stored = s.get(Setting, ledger.FINGERPRINT_SETTING)
    assert stored is not None and stored.value == ledger.key_fingerprint(key)
    engine.dispose()


@pytest.mark.parametrize(
    "command", [("verify", CODE), ("status", CODE), ("tap", CODE, "--mode", "recall", "{UID}")]
)
def test_wrong_key_is_named_not_reported_as_tampering(
    cli: Cli, tmp_path: Path, command: tuple[str, ...]
) -> None:
    cli.env["CARRIER_TRACKER_KEY_FILE"] = str(_other_key(tmp_path))
    argv = [a.replace("{UID}", pass_uid("A001")) for a in command]
    r = cli(*argv)
    if command[0] == "status":  # status needs no key: it still works
        assert r.code == 0, r.err
        return
    assert r.code == 2, r.out + r.err
    assert r.err.startswith("错误：台账密钥与此数据库不符："), r.err
    assert "篡改" not in r.out + r.err


def test_missing_key_is_named_and_never_recreated(cli: Cli, tmp_path: Path) -> None:
    key_path = tmp_path / "home" / "config" / "ledger.key"
    saved = key_path.read_bytes()
    key_path.unlink()
    for argv in (("verify", CODE), ("tap", CODE, "--mode", "recall", pass_uid("A001")), ("init",)):
        r = cli(*argv)
        assert r.code == 2 and r.err.startswith("错误：台账密钥缺失："), (argv, r.err)
        assert not key_path.exists(), f"{argv} created a new key"
    key_path.write_bytes(saved)
    os.chmod(key_path, 0o600)
    assert cli("verify", CODE).code == 0


def test_database_without_fingerprint_gets_one_on_first_write(cli: Cli) -> None:
    engine = db.make_engine(cli.env["CARRIER_TRACKER_DB"])
    with engine.begin() as conn:  # a database from before fingerprints
        conn.execute(text("DELETE FROM setting"))
    assert cli("verify", CODE).code == 0  # reading records nothing
    with Session(engine) as s:
        assert s.get(Setting, ledger.FINGERPRINT_SETTING) is None
    assert cli("tap", CODE, "--mode", "recall", pass_uid("A001")).code == 0
    with Session(engine) as s:
        assert s.get(Setting, ledger.FINGERPRINT_SETTING) is not None
    engine.dispose()


@pytest.mark.parametrize("door", ["cli tap", "desk", "export"], ids=["cli", "desk", "export"])
def test_a_replaced_key_file_with_the_fingerprint_row_deleted_is_refused(
    cli: Cli, tmp_path: Path, door: str
) -> None:
    """The fingerprint row is gone and the key file replaced: the system chain's genesis still
    names the database's key, so no door adopts the new one."""
    engine = db.make_engine(cli.env["CARRIER_TRACKER_DB"])
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM setting"))
    key_path = tmp_path / "home" / "config" / "ledger.key"
    key_path.unlink()
    ledger.load_key(key_path)  # a new key where the old one was
    if door == "cli tap":
        r = cli("tap", CODE, "--mode", "recall", pass_uid("A001"))
        assert r.code == 2 and r.err.startswith("错误：台账密钥与此数据库不符："), r.err
    elif door == "desk":
        from carrier_tracker.errors import LedgerError
        from carrier_tracker.tui.app import make_app

        with pytest.raises(LedgerError, match="台账密钥与此数据库不符"):
            make_app(cli.env["CARRIER_TRACKER_DB"], "sim:", meeting=CODE, key_path=key_path)
    else:
        r = cli("export", CODE, "-o", str(tmp_path / "x.xlsx"))
        assert r.code == 2 and r.err.startswith("错误：台账密钥与此数据库不符："), r.err
    with engine.connect() as conn:  # nothing adopted: no fingerprint row came back
        assert conn.execute(text("SELECT count(*) FROM setting")).scalar() == 0
    engine.dispose()
