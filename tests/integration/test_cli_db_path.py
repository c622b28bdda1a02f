"""``--db`` (and ``$CARRIER_TRACKER_DB``) take a plain path to an SQLite file as well as a URL;
a malformed URL is refused saying how to write one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.cli_helpers import Cli


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """No database in the environment; the current directory is ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    c = Cli(tmp_path / "home", "")
    del c.env["CARRIER_TRACKER_DB"]
    return c


def test_a_plain_path_is_an_sqlite_file(cli: Cli, tmp_path: Path) -> None:
    r = cli("init", "--db", str(tmp_path / "ct.db"))
    assert r.code == 0, r.err
    assert f"sqlite:///{tmp_path / 'ct.db'}" in r.out
    assert (tmp_path / "ct.db").is_file()
    r = cli("meetings", "--db", str(tmp_path / "ct.db"))
    assert (r.code, r.out) == (0, "尚无会议。用 carrier-tracker import FILE.xlsx 导入。\n"), r.err
    # relative to the current directory, and from the environment
    assert cli("meetings", "--db", "ct.db").code == 0
    cli.env["CARRIER_TRACKER_DB"] = "ct.db"
    assert cli("meetings").code == 0
    assert cli("verify").code == 0


def test_a_plain_path_that_does_not_exist_is_named_not_created(cli: Cli, tmp_path: Path) -> None:
    r = cli("meetings", "--db", "missing.db")
    assert r.code == 2
    assert r.err.startswith(f"错误：数据库文件不存在：{tmp_path / 'missing.db'}")
    assert not (tmp_path / "missing.db").exists()


def test_a_malformed_url_says_how_to_write_one(cli: Cli) -> None:
    r = cli("meetings", "--db", "postgresql+psycopg://user:pw:extra@host:notaport/db")
    assert r.code == 2
    assert "URL 格式错误（SQLite 文件可直接给出路径，或写作 sqlite:////绝对路径" in r.err
    assert len(r.err.splitlines()) == 1


def test_an_unknown_kind_of_database_is_named_in_plain_words(cli: Cli) -> None:
    for command in (("meetings",), ("status", "HY2026-12")):
        r = cli(*command, "--db", "foo://bar")
        assert r.code == 2, command
        assert "不支持的数据库类型“foo”（SQLite 文件可直接给出路径" in r.err, r.err
        assert "plugin" not in r.err and len(r.err.splitlines()) == 1
