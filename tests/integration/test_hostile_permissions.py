"""A locked-down footprint: private directories and files, and a ledger key nobody else can
read, replace or own."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from carrier_tracker import ledger
from carrier_tracker.cli import main
from carrier_tracker.errors import LedgerError
from carrier_tracker.storage import db
from tests.conftest import SAMPLE
from tests.integration.cli_helpers import PIN, register_operators


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "nested" / "home"
    monkeypatch.setenv("CARRIER_TRACKER_HOME", str(home))
    monkeypatch.delenv("CARRIER_TRACKER_DB", raising=False)
    monkeypatch.delenv("CARRIER_TRACKER_KEY_FILE", raising=False)
    monkeypatch.setenv("CARRIER_TRACKER_OPERATOR", "孙文管")
    monkeypatch.setenv("CARRIER_TRACKER_PIN", PIN)
    return home


def test_init_creates_private_directories_and_files(fresh_home: Path) -> None:
    old = os.umask(0o022)  # a usual umask: what we create must not depend on it
    try:
        assert main(["init"]) == 0
    finally:
        os.umask(old)
    data, config = fresh_home / "data", fresh_home / "config"
    assert (_mode(data), _mode(config)) == (0o700, 0o700)
    database = data / "carrier-tracker.db"
    assert _mode(database) == 0o600
    assert _mode(config / "ledger.key") == 0o600
    # SQLite gives the write-ahead log and shared memory the database file's mode.
    conn = sqlite3.connect(database)
    try:
        conn.execute("CREATE TABLE probe (x)")
        for side in ("-wal", "-shm"):
            assert _mode(Path(f"{database}{side}")) == 0o600, side
    finally:
        conn.close()


def test_init_into_a_missing_directory_creates_it_private(tmp_path: Path, fresh_home: Path) -> None:
    target = tmp_path / "new" / "place" / "ct.db"
    assert main(["init", "--db", f"sqlite:///{target}"]) == 0
    assert _mode(target.parent) == 0o700 and _mode(target) == 0o600


def test_init_tightens_an_existing_database(tmp_path: Path, fresh_home: Path) -> None:
    target = tmp_path / "old.db"
    engine = db.make_engine(f"sqlite:///{target}")
    db.upgrade(engine)
    engine.dispose()
    target.chmod(0o644)
    assert main(["init", "--db", f"sqlite:///{target}"]) == 0
    assert _mode(target) == 0o600


def _key(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "ledger.key"
    ledger.load_key(path)
    return path


def test_key_readable_by_others_is_refused_naming_the_fix(tmp_path: Path) -> None:
    path = _key(tmp_path)
    path.chmod(0o640)
    with pytest.raises(LedgerError) as err:
        ledger.load_key(path)
    assert (
        str(err.value)
        == f"台账密钥 {path} 权限过宽（0o640，其他用户可读写）：请运行 chmod 600 {path}"
    )


def test_key_directory_writable_by_others_is_refused(tmp_path: Path) -> None:
    path = _key(tmp_path)
    path.parent.chmod(0o770)
    with pytest.raises(LedgerError) as err:
        ledger.load_key(path)
    assert str(err.value) == (
        f"台账密钥所在目录 {path.parent} 的权限为 0o770，其他用户可写（可替换密钥）："
        f"请运行 chmod go-w {path.parent}"
    )
    path.parent.chmod(0o755)  # readable by others is fine for the directory: the key itself is 0600
    assert len(ledger.load_key(path)) == 32


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_key_or_directory_owned_by_someone_else_is_refused(tmp_path: Path) -> None:
    import pwd

    nobody = pwd.getpwnam("nobody").pw_uid
    me = pwd.getpwuid(os.geteuid()).pw_name
    path = _key(tmp_path)
    os.chown(path, nobody, -1)
    with pytest.raises(LedgerError) as err:
        ledger.load_key(path)
    assert (
        str(err.value)
        == f"台账密钥 {path} 不属于当前用户（属主 uid {nobody}）：请运行 chown {me} {path}"
    )
    os.chown(path, os.geteuid(), -1)
    os.chown(path.parent, nobody, -1)
    with pytest.raises(LedgerError) as err:
        ledger.load_key(path)
    assert (
        str(err.value)
        == f"台账密钥所在目录 {path.parent} 不属于当前用户（属主 uid {nobody}）：请运行 chown {me} {path.parent}"
    )


def test_a_command_refuses_a_bad_key_in_one_line(
    tmp_path: Path, fresh_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 0
    register_operators({**os.environ})
    assert main(["import", str(SAMPLE)]) == 0
    key = fresh_home / "config" / "ledger.key"
    key.chmod(0o644)
    capsys.readouterr()
    assert main(["verify"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"错误：台账密钥 {key} 权限过宽（0o644，其他用户可读写）：请运行 chmod 600 {key}"
    ]
