"""Result lines and errors that say what is true: a pass with no number is not given the
attendee's code as its number, a close with no recorded time does not print ``None``, a
directory given to ``import`` is called a directory."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import SAMPLE
from tests.integration.cli_helpers import CODE, Cli

PERSON = ("--name", "周七", "--unit", "某研究所", "--clearance", "机密")


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path / "home", f"sqlite:///{tmp_path / 'ct.db'}")
    assert c("init").code == 0
    assert c("import", str(SAMPLE)).code == 0
    return c


def _pass_number(cli: Cli, code: str) -> str | None:
    path = cli.env["CARRIER_TRACKER_DB"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as conn:
        row = conn.execute("SELECT pass_number FROM attendee WHERE code = ?", (code,)).fetchone()
    return row[0]


def test_a_new_person_without_a_pass_number_is_told_so(cli: Cli) -> None:
    r = cli("attendee", "add", CODE, "A045", *PERSON, "--approver", "赵保密")
    assert r.code == 0, r.err
    assert r.out.startswith("已增补参会人员 A045 周七（某研究所，机密），会议证未编号（台账第")
    assert "会议证 A045" not in r.out and not _pass_number(cli, "A045")
    r = cli(
        "attendee", "add", CODE, "A046", *PERSON, "--pass-number", "P046", "--approver", "赵保密"
    )
    assert r.out.startswith("已增补参会人员 A046 周七（某研究所，机密），会议证 P046（台账第")
    r = cli("attendee", "substitute", CODE, "A003", "A042", *PERSON, "--operator", "赵保密")
    assert r.code == 0, r.err
    assert r.out.startswith(
        "已登记代会：A042 周七 代 A003 梁洋 参会（会议证未编号，不转借缺席者的会议证）"
    )
    assert not _pass_number(cli, "A042")


def test_close_of_a_closed_meeting_says_when_or_that_no_time_is_recorded(cli: Cli) -> None:
    assert cli("close", CODE, "--never-opened", "--operator", "赵保密").code == 0
    r = cli("close", CODE, "--never-opened", "--operator", "赵保密")
    assert r.code == 1
    assert re.fullmatch(rf"会议 {CODE} 已于 \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d 结束\n", r.err), r.err
    path = cli.env["CARRIER_TRACKER_DB"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE meeting SET closed_at = NULL")
    r = cli("close", CODE, "--never-opened", "--operator", "赵保密")
    assert (r.code, r.err) == (1, f"会议 {CODE} 已结束（未记录结束时间）\n")


def test_import_names_a_directory_as_one(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "folder.xlsx").mkdir()
    r = cli("import", str(tmp_path / "folder.xlsx"))
    assert (r.code, r.err) == (
        2,
        f"错误：{tmp_path / 'folder.xlsx'} 是一个目录，请给出 .xlsx 文件\n",
    )
    r = cli("import", str(tmp_path / "missing.xlsx"))
    assert (r.code, r.err) == (2, f"错误：找不到文件：{tmp_path / 'missing.xlsx'}\n")
