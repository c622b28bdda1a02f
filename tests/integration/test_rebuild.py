"""``carrier-tracker rebuild --from OLD --into NEW``: a fresh database from the old one's chains
alone. Untampered, it reads the same (``status --json``, the export's sheets); tampered tables
come back as the chains say; a broken chain, the same database or a non-empty target is refused."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from carrier_tracker.cli.demo import CODE, run_demo
from carrier_tracker.ledger import keyring
from carrier_tracker.meeting.lifecycle import status
from carrier_tracker.paper.export import export_meeting
from carrier_tracker.storage import db
from tests.conftest import fresh_pg_url
from tests.integration.cli_helpers import Cli, Result

NOW = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's whole meeting, closed with a verified ledger (its database and key)."""
    work = tmp_path_factory.mktemp("demo")
    assert run_demo(pause=0, workdir=work, colour=False) == 0
    return work


def _copy(demo: Path, tmp: Path) -> Path:
    """A copy of the demo database to tamper with (the key stays beside the original)."""
    target = tmp / "old.db"
    with sqlite3.connect(demo / "demo.db") as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def _cli(tmp: Path, demo: Path) -> Cli:
    cli = Cli(tmp / "home", f"sqlite:///{demo / 'demo.db'}")
    cli.env["CARRIER_TRACKER_KEY_FILE"] = str(demo / "ledger.key")
    return cli


def rebuild(cli: Cli, old: str, new: str) -> Result:
    return cli("rebuild", "--from", old, "--into", new)


def _status(url: str) -> dict[str, Any]:
    engine = db.make_engine(url, read_only=True)
    try:
        with db.read_scope(engine) as s:
            return status(s, CODE)
    finally:
        engine.dispose()


def _sheets(url: str, key: bytes, path: Path) -> dict[str, list[list[Any]]]:
    engine = db.make_engine(url, read_only=True)
    try:
        with db.read_scope(engine) as s:
            export_meeting(
                session=s, key=key, meeting_code=CODE, path=path, operator="审计员", now=NOW
            )
    finally:
        engine.dispose()
    wb = openpyxl.load_workbook(path)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb}


def _key(demo: Path) -> bytes:
    engine = db.make_engine(f"sqlite:///{demo / 'demo.db'}", read_only=True)
    try:
        return keyring.open_key(engine, demo / "ledger.key", writes=False)
    finally:
        engine.dispose()


def test_rebuilt_reads_as_the_original(demo: Path, tmp_path: Path) -> None:
    cli = _cli(tmp_path, demo)
    new = tmp_path / "new.db"
    r = rebuild(cli, str(demo / "demo.db"), str(new))
    assert r.code == 0, r.out + r.err
    assert "新库校验：完整" in r.out and "已重建：会议 1 个" in r.out
    old_url, new_url = f"sqlite:///{demo / 'demo.db'}", f"sqlite:///{new}"
    assert json.dumps(_status(old_url), sort_keys=True) == json.dumps(
        _status(new_url), sort_keys=True
    )
    key = _key(demo)
    sheets = _sheets(new_url, key, tmp_path / "b.xlsx")
    assert _sheets(old_url, key, tmp_path / "a.xlsx") == sheets
    # the demo's dispositions (and the archive its officer registered) come back too
    disposed = [str(v) for row in sheets["处置登记"] for v in row if v]
    assert "机要档案室" in disposed and "粉碎" in disposed and "党政办公室" in disposed
    verify = Cli(tmp_path / "home2", new_url)
    verify.env["CARRIER_TRACKER_KEY_FILE"] = str(demo / "ledger.key")
    assert verify("verify").code == 0


def test_rebuilt_into_postgresql_keeps_working(demo: Path, tmp_path: Path) -> None:
    """Rows inserted with their ids leave PostgreSQL's sequences behind: rebuild moves them on,
    so the rebuilt database takes new rows (an operator added) and verifies."""
    cli = _cli(tmp_path, demo)
    url = fresh_pg_url("ct_rebuild")
    r = rebuild(cli, str(demo / "demo.db"), url)
    assert r.code == 0, r.out + r.err
    assert json.dumps(_status(f"sqlite:///{demo / 'demo.db'}"), sort_keys=True) == json.dumps(
        _status(url), sort_keys=True
    )
    on_pg = Cli(tmp_path / "home3", url)
    on_pg.env["CARRIER_TRACKER_KEY_FILE"] = str(demo / "ledger.key")
    on_pg.env["CARRIER_TRACKER_OPERATOR"] = "赵保密"
    on_pg.env["CARRIER_TRACKER_PIN"] = "135790"  # the demo officer's PIN (DEMO_OPERATORS)
    added = on_pg("operator", "add", "新人", "--role", "custodian")
    assert added.code == 0, added.err
    assert on_pg("verify").code == 0


def test_tampered_tables_come_back_as_the_chain_says(demo: Path, tmp_path: Path) -> None:
    old = _copy(demo, tmp_path)
    with sqlite3.connect(old) as conn:
        before = conn.execute("SELECT clearance, name FROM attendee WHERE code = 'A003'").fetchone()
        conn.execute("UPDATE attendee SET clearance = '绝密', name = '改名' WHERE code = 'A003'")
        conn.execute("UPDATE carrier SET state = 'lost' WHERE id = 1")
        conn.execute("UPDATE operator SET role = 'officer' WHERE name = '孙文管'")
    cli = _cli(tmp_path, demo)
    new = tmp_path / "new.db"
    r = rebuild(cli, str(old), str(new))
    assert r.code == 0, r.out + r.err
    with sqlite3.connect(new) as conn:
        after = conn.execute("SELECT clearance, name FROM attendee WHERE code = 'A003'").fetchone()
        assert after == before and before != ("绝密", "改名")
        assert conn.execute("SELECT role FROM operator WHERE name = '孙文管'").fetchone() == (
            "custodian",
        )
    assert _status(f"sqlite:///{new}") == _status(f"sqlite:///{demo / 'demo.db'}")


def test_a_broken_chain_is_refused_naming_its_first_break(demo: Path, tmp_path: Path) -> None:
    old = _copy(demo, tmp_path)
    with sqlite3.connect(old) as conn:
        conn.execute("UPDATE event SET note = '改过' WHERE seq = 7")
    r = rebuild(_cli(tmp_path, demo), str(old), str(tmp_path / "new.db"))
    assert r.code == 2
    assert r.err.strip() == (
        "错误：HY2026-12 的台账第 7 条起不能校验（内容被修改（哈希不符））：不能据此重建"
    )


def test_a_pin_hash_not_the_chains_is_not_carried_over(demo: Path, tmp_path: Path) -> None:
    old = _copy(demo, tmp_path)
    with sqlite3.connect(old) as conn:
        conn.execute(
            "UPDATE operator SET pin_hash = (SELECT pin_hash FROM operator WHERE name = '孙文管')"
            " WHERE name = '赵保密'"
        )
    new = tmp_path / "new.db"
    r = rebuild(_cli(tmp_path, demo), str(old), str(new))
    assert r.code == 1, r.out + r.err  # rebuilt, but an officer has a PIN to reset
    assert "须由保密负责人重置（operator reset-pin）：赵保密" in r.out
    assert "新库校验：校验未通过" in r.out
    with sqlite3.connect(new) as conn:
        assert conn.execute("SELECT pin_hash FROM operator WHERE name = '赵保密'").fetchone() == (
            None,
        )


def test_in_place_or_into_a_database_with_data_is_refused(demo: Path, tmp_path: Path) -> None:
    cli = _cli(tmp_path, demo)
    same = rebuild(cli, str(demo / "demo.db"), f"sqlite:///{demo / 'demo.db'}")
    assert (same.code, same.err.strip()) == (
        2,
        "错误：rebuild 不在原库上重建：--into 须是另一个（新的、空的）数据库",
    )
    target = _copy(demo, tmp_path)
    full = rebuild(cli, str(demo / "demo.db"), str(target))
    assert full.code == 2 and "已有数据：rebuild 只写入空数据库" in full.err
