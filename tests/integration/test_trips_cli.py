"""Documents carried to an outside meeting (外出携带) through the real CLI, on SQLite and
PostgreSQL: ``trip open`` with an officer's approval (or refused, nothing written), its taps
(发放 and 会后清退 accepted, the modes a trip has no use for refused), bad input (exit 2, nothing
written), the import's 类型 and 应交回日期 columns, ``meetings --overdue`` naming holders, and
``verify`` naming a direct SQL edit of a trip's due date or kind."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text

from carrier_tracker.storage.db import make_engine
from tests.conftest import SAMPLE, fresh_pg_url
from tests.integration.cli_helpers import Cli

TRIP = "TR-01"
UID1, UID2 = "04A1B2C3D4E501", "04A1B2C3D4E502"
PASS_UID = "04A1B2C3D4E5FF"


def _today() -> date:
    return datetime.now().astimezone().date()


def due(days: int = 5) -> str:
    return (_today() + timedelta(days=days)).isoformat()


@pytest.fixture(params=["sqlite", "postgres"])
def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Cli:
    url = (
        f"sqlite:///{tmp_path / 'ct.db'}" if request.param == "sqlite" else fresh_pg_url("ct_trips")
    )
    c = Cli(tmp_path / "home", url)
    c.db_url = url  # type: ignore[attr-defined]
    assert c("init").code == 0
    return c


def sql(cli: Cli, statement: str, **params: object) -> list[tuple[object, ...]]:
    engine = make_engine(cli.db_url)  # type: ignore[attr-defined]
    with engine.begin() as conn:
        result = conn.execute(text(statement), params)
        rows = [tuple(r) for r in result] if result.returns_rows else []
    engine.dispose()
    return rows


def open_args(*extra: str, due_on: str | None = None) -> tuple[str, ...]:
    return (
        "trip",
        "open",
        TRIP,
        "--title",
        "参加某部工作会议",
        "--destination",
        "某部机关",
        "--level",
        "机密",
        "--due",
        due_on or due(),
        "--document",
        "HY-01:2:工作要点",
        *extra,
    )


def nothing_written(cli: Cli) -> None:
    assert sql(cli, "SELECT count(*) FROM meeting") == [(0,)]
    assert sql(cli, "SELECT count(*) FROM event") == [(0,)]


def travelling(cli: Cli) -> None:
    """张三 travels with copy 1 bound; copy 2 bound too; 张三's pass bound."""
    r = cli("attendee", "add", TRIP, "A001", "--name", "张三", "--unit", "办公室")
    assert r.code == 2  # --clearance is required: argparse's own usage error
    r = cli(
        "attendee",
        "add",
        TRIP,
        "A001",
        "--name",
        "张三",
        "--unit",
        "办公室",
        "--clearance",
        "机密",
        "--pass-uid",
        PASS_UID,
        "--operator",
        "赵保密",
    )
    assert r.code == 0, r.out + r.err
    for n, uid in ((1, UID1), (2, UID2)):
        r = cli("bind", TRIP, "HY-01", str(n), uid)
        assert r.code == 0, r.out + r.err


def test_trip_opened_by_an_officer_taken_out_and_handed_back(cli: Cli) -> None:
    r = cli(*open_args("--operator", "赵保密"))
    assert r.code == 0, r.out + r.err
    assert f"已登记外出携带 {TRIP}：前往 某部机关，应交回 {due()}" in r.out
    assert sql(cli, "SELECT kind, due_on, requires_passes FROM meeting")[0][:1] == ("外出携带",)
    travelling(cli)
    # No 备案, no venue check, no pass: the first 发放 is accepted at once.
    r = cli("tap", TRIP, "--mode", "issue", "--attendee", "A001", UID1)
    assert r.code == 0 and "发放：HY-01 第001份 → 张三" in r.out, r.out + r.err
    # The modes a trip has no use for are refused with the reason, and recorded.
    for mode, extra in (
        ("carry-out", ("--operator", "赵保密")),
        ("sweep", ("--room", "会议室")),
        ("collect", ()),
    ):
        r = cli("tap", TRIP, "--mode", mode, *extra, UID1)
        label = {"carry-out": "带离", "sweep": "巡检", "collect": "休会收回"}
        assert r.code == 1, (mode, r.out, r.err)
        assert f"外出携带不适用“{label[mode]}”" in r.out + r.err, (mode, r.out, r.err)
    r = cli("tap", TRIP, "--mode", "entrance", PASS_UID)
    assert r.code == 1 and "外出携带不适用“入场核验”" in r.out + r.err
    r = cli("tap", TRIP, "--mode", "issue", PASS_UID)
    assert r.code == 1 and "外出携带不使用会议证" in r.out + r.err
    assert sql(cli, "SELECT state FROM carrier WHERE tag_uid = :u", u=UID1) == [("issued",)]
    ok = cli("verify", TRIP)
    assert ok.code == 0 and "完整" in ok.out, ok.out + ok.err
    r = cli("tap", TRIP, "--mode", "recall", UID1)
    assert r.code == 0 and "会后清退" in r.out, r.out + r.err
    assert cli("close", TRIP).code == 0
    assert cli("verify", TRIP).code == 0


def test_a_custodian_needs_an_officers_approval(cli: Cli) -> None:
    r = cli(*open_args())  # 孙文管, a custodian, alone
    assert r.code == 1
    assert "涉密载体外出须经保密负责人审批：孙文管 不是保密负责人" in r.err
    nothing_written(cli)
    # A custodian cannot approve it either.
    r = cli(*open_args("--approver", "门岗"))
    assert r.code == 2 and "门岗" in r.err
    nothing_written(cli)
    # The officer's PIN wrong: refused, nothing written.
    cli.env["CARRIER_TRACKER_APPROVER_PIN"] = "999999"
    r = cli(*open_args("--approver", "赵保密"))
    assert r.code == 2 and "PIN" in r.err, r.err
    nothing_written(cli)
    cli.env["CARRIER_TRACKER_APPROVER_PIN"] = "246810"
    r = cli(*open_args("--approver", "赵保密"))
    assert r.code == 0, r.out + r.err
    assert sql(cli, "SELECT operator, approver FROM event WHERE seq = 1") == [("孙文管", "赵保密")]
    assert cli("verify", TRIP).code == 0


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"--due": "2026-13-01"}, "--due 应为 YYYY-MM-DD"),
        ({"--due": "20261231"}, "--due 应为 YYYY-MM-DD"),
        ({"--due": "yesterday"}, "早于今天"),
        ({"--level": "顶级"}, "--level 应为 秘密、机密、绝密 或 内部（实际为 顶级）"),
        ({"--document": "HY-01:0:工作要点"}, "份数应为 1 至 500"),
        ({"--document": "HY-01-工作要点"}, "--document 应为 文件编号:份数:标题"),
    ],
)
def test_bad_input_exit_2_nothing_written(cli: Cli, change: dict[str, str], named: str) -> None:
    args = list(open_args("--operator", "赵保密"))
    for flag, value in change.items():
        if value == "yesterday":
            value = (_today() - timedelta(days=1)).isoformat()
        args[args.index(flag) + 1] = value
    r = cli(*args)
    assert r.code == 2 and named in r.err, r.err
    nothing_written(cli)


def test_a_second_trip_with_the_same_code_is_refused(cli: Cli) -> None:
    assert cli(*open_args("--operator", "赵保密")).code == 0
    r = cli(*open_args("--operator", "赵保密"))
    assert r.code == 2 and f"已有代号为 {TRIP} 的会议或外出携带" in r.err
    assert sql(cli, "SELECT count(*) FROM meeting") == [(1,)]


def test_verify_names_a_due_date_or_kind_edited_in_sql(cli: Cli) -> None:
    assert cli(*open_args("--operator", "赵保密")).code == 0
    assert cli("verify", TRIP).code == 0
    sql(cli, "UPDATE meeting SET due_on = :d", d=_today() + timedelta(days=90))
    r = cli("verify", TRIP)
    assert r.code == 1 and f"会议·应交回日期：台账为 {due()}" in r.out, r.out
    sql(cli, "UPDATE meeting SET due_on = :d", d=_today() + timedelta(days=5))
    assert cli("verify", TRIP).code == 0
    sql(cli, "UPDATE meeting SET kind = '涉密会议'")
    r = cli("verify", TRIP)
    assert r.code == 1 and "会议·类别：台账为 外出携带，数据库为 涉密会议" in r.out, r.out


def _overdue_trip(cli: Cli, days_ago: int) -> None:
    """A trip opened ``days_ago`` + 3 days ago, due ``days_ago`` days ago (the service with the
    clock of then: the CLI refuses a due date before today)."""
    import os

    from carrier_tracker.config import load_settings
    from carrier_tracker.ledger import keyring
    from carrier_tracker.meeting.trips import check_trip, open_trip
    from carrier_tracker.storage import db

    then = datetime.now().astimezone() - timedelta(days=days_ago + 3)
    ask = check_trip(
        code="TR-OLD",
        title="外出调研",
        destination="某研究所",
        level="秘密",
        due=(_today() - timedelta(days=days_ago)).isoformat(),
        documents=("WJ-1:2:调研提纲",),
        today=then.date(),
    )
    saved = dict(os.environ)
    os.environ.update(cli.env)
    try:
        settings = load_settings(None)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    engine = make_engine(cli.db_url)  # type: ignore[attr-defined]
    key = keyring.open_key(engine, settings.ledger_key_path, writes=True)
    with db.session_scope(engine) as session:
        open_trip(session=session, key=key, ask=ask, operator="赵保密", now=then)
    engine.dispose()


def test_meetings_overdue_names_holders(cli: Cli) -> None:
    OLD1, OLD2 = "04A1B2C3D4E5A1", "04A1B2C3D4E5A2"
    _overdue_trip(cli, days_ago=2)
    assert cli(*open_args("--operator", "赵保密")).code == 0  # due in 5 days: not overdue
    travelling(cli)  # and a copy of it out with 张三
    assert cli("tap", TRIP, "--mode", "issue", "--attendee", "A001", UID1).code == 0
    r = cli("meetings", "--overdue")
    assert r.code == 0 and "没有逾期未交回" in r.out  # overdue, but nothing is out
    r = cli(
        "attendee",
        "add",
        "TR-OLD",
        "A001",
        "--name",
        "李四",
        "--unit",
        "规划处",
        "--clearance",
        "秘密",
        "--operator",
        "赵保密",
    )
    assert r.code == 0, r.err
    assert cli("bind", "TR-OLD", "WJ-1", "1", OLD1).code == 0
    assert cli("bind", "TR-OLD", "WJ-1", "2", OLD2).code == 0
    assert cli("tap", "TR-OLD", "--mode", "issue", "--attendee", "A001", OLD1).code == 0
    r = cli("meetings", "--overdue")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0].startswith("TR-OLD\t外出携带\t秘密\t应交回 ")
    assert "逾期 2 天\t未交回 1\t外出调研" in lines[0]
    assert lines[1] == "\t李四（规划处）：WJ-1 第001份"
    assert TRIP not in r.out
    data = json.loads(cli("meetings", "--overdue", "--json").out)
    assert [m["code"] for m in data] == ["TR-OLD"]
    assert data[0]["holders"] == [{"holder": "李四（规划处）", "items": ["WJ-1 第001份"]}]
    assert data[0]["days_overdue"] == 2 and data[0]["kind"] == "外出携带"
    # Handed back: no longer overdue.
    assert cli("tap", "TR-OLD", "--mode", "recall", OLD1).code == 0
    assert "没有逾期未交回" in cli("meetings", "--overdue").out
    assert cli("verify", "TR-OLD").code == 0


# --- the import's 类型 and 应交回日期 ------------------------------------------------------------


def _workbook(tmp_path: Path, **cells: object) -> Path:
    """The sample with the 会议 sheet's 类型 / 应交回日期 set (columns appended)."""
    wb = openpyxl.load_workbook(SAMPLE)
    ws = wb["会议"]
    headers = [c.value for c in ws[1]]
    for header, value in cells.items():
        if header in headers:
            col = headers.index(header) + 1
        else:
            col = ws.max_column + 1
            ws.cell(row=1, column=col, value=header)
            headers.append(header)
        ws.cell(row=2, column=col, value=value)
    path = tmp_path / "trip.xlsx"
    wb.save(path)
    return path


def test_import_of_a_trip_needs_an_officer(cli: Cli, tmp_path: Path) -> None:
    book = _workbook(tmp_path, 类型="外出携带", 应交回日期=due(3), 实行会议证="否")
    cli.draft = True
    r = cli("import", str(book))
    assert r.code == 1 and "涉密载体外出须经保密负责人审批" in r.err, r.out + r.err
    nothing_written(cli)
    r = cli("import", str(book), "--approver", "赵保密")
    assert r.code == 0, r.out + r.err
    rows = sql(cli, "SELECT kind, due_on, requires_passes FROM meeting")
    assert rows[0][0] == "外出携带" and str(rows[0][1]) == due(3) and not rows[0][2]
    assert sql(cli, "SELECT approver FROM event WHERE seq = 1") == [("赵保密",)]
    assert cli("verify").code == 0


def test_import_default_kind_is_a_meeting(cli: Cli, tmp_path: Path) -> None:
    book = _workbook(tmp_path, 应交回日期=due(10))
    assert cli("import", str(book)).code == 0
    assert sql(cli, "SELECT kind FROM meeting") == [("涉密会议",)]
    assert str(sql(cli, "SELECT due_on FROM meeting")[0][0]) == due(10)


@pytest.mark.parametrize(
    ("cells", "named"),
    [
        ({"类型": "出差"}, "会议 第2行 [类型]：类型只能是 涉密会议 或 外出携带（实际为 出差）"),
        ({"应交回日期": "2026/13/40"}, "会议 第2行 [应交回日期]：“2026/13/40”不是应交回日期"),
        ({"应交回日期": "yesterday"}, "早于今天"),
        ({"类型": "外出携带"}, "外出携带须填写应交回日期"),
        ({"类型": "外出携带", "应交回日期": "soon", "实行会议证": "是"}, "外出携带不实行会议证"),
    ],
)
def test_import_bad_kind_or_due_exit_2(
    cli: Cli, tmp_path: Path, cells: dict[str, str], named: str
) -> None:
    cells = {
        k: (
            (_today() - timedelta(days=1)).isoformat()
            if v == "yesterday"
            else due(3)
            if v == "soon"
            else v
        )
        for k, v in cells.items()
    }
    r = cli("import", str(_workbook(tmp_path, **cells)), "--operator", "赵保密")
    assert r.code == 2 and named in r.err, r.err
    nothing_written(cli)
