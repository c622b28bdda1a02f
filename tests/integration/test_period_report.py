"""``report``: the office's period report through the real CLI, on SQLite and PostgreSQL, read
back with openpyxl: a row per meeting of the period with its counts, exceptions and approvers,
refusals by reason, the time to full recovery, dispositions and the verify result; totals by
level and by month that leave out a meeting edited in SQL (its row says so, in red); the
marking of the highest level; bad input exit 2 with nothing written."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import text

from carrier_tracker.paper.period_report import MEETING_COLUMNS, MEETINGS_SHEET, TOTALS_SHEET
from carrier_tracker.storage.db import make_engine
from tests.conftest import SAMPLE, fresh_pg_url
from tests.integration.cli_helpers import CODE, Cli, copy_uid, make_sample, pass_uid
from tests.integration.test_hostile_export import _unprivileged

NOV, JAN = "HY2026-11", "HY2027-01"
HEADS = [c.header for c in MEETING_COLUMNS]
NAMES = [h.replace("\n", "") for h in HEADS]
"""The headers as one line (a long one is printed on two)."""


def _meeting_book(tmp: Path, code: str, level: str, start: datetime, end: datetime) -> Path:
    """A small sample meeting (10 people, one 秘密 document D0001 of 50 copies) of another code, level and dates."""
    path = tmp / f"{code}.xlsx"
    make_sample.build(path, 10, 50, code)
    wb = openpyxl.load_workbook(path)
    ws = wb["会议"]
    ws["C2"], ws["E2"], ws["F2"] = level, start, end
    if level == "秘密":
        for row in wb["文件"].iter_rows(min_row=2):
            for cell in row:
                if cell.value in ("机密", "绝密"):
                    cell.value = "秘密"
    wb.save(path)
    return path


def _uid(code: str, doc: str, n: int) -> str:
    return str(make_sample.uid_for(f"{code}/{doc}/{n}"))


def _pass(code: str, who: str) -> str:
    return str(make_sample.uid_for(f"{code}/pass/{who}"))


def ok(r: Any) -> None:
    assert r.code == 0, r.out + r.err


def _history(c: Cli, tmp: Path) -> None:
    """HY2026-12 (机密, December): two copies out and back, one lost and found, an override, a
    refusal, a close with exceptions approved by the officer after another loss, a disposition.
    HY2027-01 (秘密, January): one copy out and back. HY2026-11 (机密, November): one copy out."""
    ok(c("import", str(SAMPLE)))
    for who in ("A001", "A002", "A003"):
        ok(c("tap", CODE, "--mode", "issue", "--override", pass_uid(who)))
    ok(c("tap", CODE, "--mode", "issue", "--attendee", "A001", copy_uid("HY-01", 1)))
    ok(c("tap", CODE, "--mode", "issue", "--attendee", "A002", copy_uid("HY-01", 2)))
    # refused: copy 1 is A001's (已发给)
    assert c("tap", CODE, "--mode", "issue", "--attendee", "A002", copy_uid("HY-01", 1)).code == 1
    # an officer's exception: a second copy of HY-01 to A001
    ok(
        c(
            "tap", CODE, "--mode", "issue", "--attendee", "A001", "--override",
            "--approver", "赵保密", copy_uid("HY-01", 3),
        )
    )  # fmt: skip
    ok(
        c(
            "tap",
            CODE,
            "--mode",
            "lost",
            "--note",
            "遗失",
            "--approver",
            "赵保密",
            copy_uid("HY-01", 2),
        )
    )
    ok(c("tap", CODE, "--mode", "found", copy_uid("HY-01", 2)))
    ok(c("tap", CODE, "--mode", "recall", copy_uid("HY-01", 1), copy_uid("HY-01", 2)))
    ok(
        c(
            "tap",
            CODE,
            "--mode",
            "lost",
            "--note",
            "未找到",
            "--approver",
            "赵保密",
            copy_uid("HY-01", 3),
        )
    )
    for who in ("A002", "A003"):
        ok(c("tap", CODE, "--mode", "recall", pass_uid(who)))
    # A001's copy is lost: their pass back needs the officer's exception too
    ok(c("tap", CODE, "--mode", "recall", "--override", "--approver", "赵保密", pass_uid("A001")))
    ok(
        c(
            "close", CODE, "--with-exceptions", "--note", "HY-01 第003份遗失",
            "--approver", "赵保密",
        )
    )  # fmt: skip
    ok(c("place", "add", "--archive", "档案室", "--operator", "赵保密"))
    ok(c("dispose", CODE, "--archive", "--location", "档案室", copy_uid("HY-01", 1)))

    for code, level, start in (
        (JAN, "秘密", datetime(2027, 1, 12, 9)),
        (NOV, "机密", datetime(2026, 11, 3, 9)),
    ):
        book = _meeting_book(tmp, code, level, start, start.replace(hour=17))
        ok(c("import", str(book)))
        ok(c("tap", code, "--mode", "issue", "--override", _pass(code, "A001")))
        ok(c("tap", code, "--mode", "issue", "--attendee", "A001", _uid(code, "D0001", 1)))
        if code == JAN:
            ok(c("tap", code, "--mode", "recall", _uid(code, "D0001", 1)))


@pytest.fixture(params=["sqlite", "postgres"])
def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Cli:
    url = (
        f"sqlite:///{tmp_path / 'ct.db'}"
        if request.param == "sqlite"
        else fresh_pg_url("ct_report")
    )
    c = Cli(tmp_path / "home", url)
    c.db_url = url  # type: ignore[attr-defined]
    ok(c("init"))
    _history(c, tmp_path)
    return c


@pytest.fixture(params=["sqlite", "postgres"])
def bare(request: pytest.FixtureRequest, tmp_path: Path) -> Cli:
    """A database with the sample meeting and no history (dates are refused before it is read)."""
    url = (
        f"sqlite:///{tmp_path / 'ct.db'}"
        if request.param == "sqlite"
        else fresh_pg_url("ct_report")
    )
    c = Cli(tmp_path / "home", url)
    ok(c("init"))
    ok(c("import", str(SAMPLE)))
    return c


def sql(cli: Cli, statement: str) -> None:
    engine = make_engine(cli.db_url)  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


def rows_of(path: Path) -> tuple[dict[str, dict[str, Any]], Any]:
    wb = openpyxl.load_workbook(path)
    ws = wb[MEETINGS_SHEET]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    at = next(i for i, r in enumerate(values) if r[: len(HEADS)] == HEADS)
    out = {}
    for r in values[at + 1 :]:
        if isinstance(r[0], int):
            out[r[1]] = dict(zip(NAMES, r, strict=False))
    return out, wb


def totals_of(wb: Any) -> dict[str, list[Any]]:
    """Each labelled row of 统计合计 (a level, a month, 合计 — the first 合计 is the levels')."""
    out: dict[str, list[Any]] = {}
    for r in wb[TOTALS_SHEET].iter_rows(values_only=True):
        if r[0] is not None and isinstance(r[1], int):
            out.setdefault(str(r[0]), list(r[1:13]))
    return out


def test_rows_totals_and_an_unverified_meeting(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "评估.xlsx"
    r = cli("report", "--from", "2026-11-01", "--to", "2027-01-31", "-o", str(out))
    assert r.code == 0, r.out + r.err
    assert "会议 3 个，密级标志 机密★" in r.out
    assert "[3/3]" in r.err  # progress on stderr
    rows, wb = rows_of(out)
    assert list(rows) == [NOV, CODE, JAN]  # by start
    dec = rows[CODE]
    assert (dec["类型"], dec["密级"], dec["参会人数"], dec["文件份数"]) == (
        "涉密会议",
        "机密",
        40,
        225,
    )
    assert dec["开始日期"] == datetime(2026, 12, 8, 8, 30)
    assert (dec["已发放"], dec["已收回"], dec["遗失"], dec["找回"]) == (3, 2, 2, 1)
    assert dec["例外批准（批准人）"] == "2（赵保密）"  # a second copy; a pass back
    assert dec["带例外结束（批准人）"] == "是（赵保密）"
    assert dec["拒绝（按原因）"] == "…已发给… 1"
    assert dec["全部收回用时（小时）"] == "—"  # a copy is still lost: never fully back
    assert (dec["已处置"], dec["待处置"], dec["校验结果"]) == (1, 1, "完整")
    jan = rows[JAN]
    assert (jan["密级"], jan["已发放"], jan["已收回"], jan["全部收回用时（小时）"]) == (
        "秘密",
        1,
        1,
        0,
    )
    assert rows[NOV]["已发放"] == 1 and rows[NOV]["已收回"] == 0
    totals = totals_of(wb)
    # 会议数 参会 份数 发放 收回 遗失 找回 例外 带例外结束 拒绝 已处置 待处置
    assert totals["机密"] == [2, 50, 275, 4, 2, 2, 1, 2, 1, 1, 1, 1]
    assert totals["秘密"] == [1, 10, 50, 1, 1, 0, 0, 0, 0, 0, 0, 1]
    assert totals["合计"] == [3, 60, 325, 5, 3, 2, 1, 2, 1, 1, 1, 2]
    assert totals["2026-11"][0] == totals["2026-12"][0] == totals["2027-01"][0] == 1
    ws = wb[MEETINGS_SHEET]
    assert ws.oddHeader.left.text.endswith("机密★") and ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows  # the header row repeats on every page
    assert wb[TOTALS_SHEET]._charts and len(wb[TOTALS_SHEET]._charts) == 2

    # November's chain edited in SQL: its row says so, in red, and no total counts it.
    sql(cli, f"UPDATE attendee SET clearance = '秘密' WHERE code = 'A001' AND meeting_id = "
             f"(SELECT id FROM meeting WHERE code = '{NOV}')")  # fmt: skip
    out2 = tmp_path / "评估2.xlsx"
    r = cli("report", "--from", "2026-11-01", "--to", "2027-01-31", "-o", str(out2))
    assert r.code == 1 and f"校验未通过（未计入合计）：{NOV}" in r.out
    rows, wb = rows_of(out2)
    assert rows[NOV]["校验结果"].startswith("校验未通过：") and "A001" in rows[NOV]["校验结果"]
    assert rows[CODE]["校验结果"] == "完整"
    totals = totals_of(wb)
    assert totals["机密"] == [1, 40, 225, 3, 2, 2, 1, 2, 1, 1, 1, 1]
    assert totals["合计"][0] == 2 and "2026-11" not in totals
    flat = [str(v) for r in wb[TOTALS_SHEET].iter_rows(values_only=True) for v in r if v]
    assert any(NOV in v and "未计入" in v for v in flat)
    red = wb[MEETINGS_SHEET].conditional_formatting
    rules = [(str(cf.sqref), rule) for cf in red for rule in cf.rules if rule.type == "expression"]
    assert rules and rules[0][1].dxf.font.color.rgb.endswith("C00000")
    assert rules[0][1].formula[0].startswith("$T") and "完整" in rules[0][1].formula[0]


def test_marking_is_the_highest_level_and_an_empty_period_says_so(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "一月.xlsx"
    r = cli("report", "--from", "2027-01-01", "--to", "2027-01-31", "-o", str(out))
    assert r.code == 0 and "密级标志 秘密★" in r.out
    rows, wb = rows_of(out)
    assert list(rows) == [JAN]
    assert wb[TOTALS_SHEET].oddHeader.left.text.endswith("秘密★")
    # both ends of the period are in it: a meeting that starts on its first or its last day
    day = tmp_path / "一天.xlsx"
    ok(cli("report", "--from", "2026-12-08", "--to", "2026-12-08", "-o", str(day)))
    assert list(rows_of(day)[0]) == [CODE]
    empty = tmp_path / "空.xlsx"
    r = cli("report", "--from", "2025-01-01", "--to", "2025-12-31", "-o", str(empty))
    assert r.code == 0 and "统计期间内没有会议" in r.out
    rows, wb = rows_of(empty)
    assert rows == {}
    cells = [v for r in wb[MEETINGS_SHEET].iter_rows(values_only=True) for v in r if v]
    assert "（统计期间内没有会议）" in cells


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--from", "2026-13-01", "--to", "2026-12-31"], "--from 应为日期 YYYY-MM-DD：2026-13-01"),
        (["--from", "2026-12-01", "--to", "12/31/2026"], "--to 应为日期 YYYY-MM-DD：12/31/2026"),
        (["--from", "2026-12-31", "--to", "2026-12-01"], "--from 2026-12-31 晚于 --to 2026-12-01"),
    ],
)
def test_bad_dates_exit_2_and_write_nothing(
    bare: Cli, tmp_path: Path, args: list[str], words: str
) -> None:
    out = tmp_path / "r.xlsx"
    r = bare("report", *args, "-o", str(out))
    assert r.code == 2 and words in r.err and len(r.err.strip().splitlines()) == 1
    assert not out.exists() and not list(tmp_path.glob(".ct-*"))


def test_bad_output_exit_2_and_write_nothing(cli: Cli, tmp_path: Path) -> None:
    period = ["--from", "2026-12-01", "--to", "2026-12-31"]
    r = cli("report", *period, "-o", str(tmp_path / "nowhere" / "r.xlsx"))
    assert r.code == 2 and "目录不存在" in r.err
    r = cli("report", *period, "-o", str(tmp_path / "r.txt"))
    assert r.code == 2 and "应以 .xlsx 结尾" in r.err
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    p = subprocess.run(
        [*_unprivileged(), sys.executable, "-m", "carrier_tracker.cli", "report", *period,
         "-o", str(locked / "r.xlsx")],
        env=cli.env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert p.returncode == 2 and "无法写入" in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and not list(locked.iterdir())
    existing = tmp_path / "old.xlsx"
    existing.write_bytes(b"old")
    r = cli("report", *period, "-o", str(existing))
    assert r.code == 2 and "文件已存在" in r.err and existing.read_bytes() == b"old"
    r = cli("report", *period, "-o", str(existing), "--force")
    assert r.code == 0 and existing.read_bytes()[:2] == b"PK"


def test_a_trip_is_a_row_of_its_kind(bare: Cli, tmp_path: Path) -> None:
    """Documents carried to an outside meeting (外出携带, #23 item 2) are reported as trips."""
    from tests.integration.test_trips_cli import TRIP, open_args

    r = bare(*open_args("--operator", "赵保密"))
    assert r.code == 0, r.out + r.err
    today = datetime.now().astimezone().date()
    out = tmp_path / "本月.xlsx"
    r = bare("report", "--from", (today - timedelta(days=1)).isoformat(), "--to",
             (today + timedelta(days=1)).isoformat(), "-o", str(out))  # fmt: skip
    assert r.code == 0, r.out + r.err
    rows, _wb = rows_of(out)
    assert rows[TRIP]["类型"] == "外出携带" and rows[TRIP]["校验结果"] == "完整"
