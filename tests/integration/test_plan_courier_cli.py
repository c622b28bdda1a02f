"""Through the real CLI: a 分发范围 column imported (and refused with its cell named), ``plan``
refused and overridden, ``status --by-document`` / ``--break``, and the courier as practised
(a delegate's consignment, a copy handed in, the receipt by number) read back from the export."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import SAMPLE, fresh_pg_url
from tests.integration.cli_helpers import CODE, Cli, copy_uid, pass_uid
from tests.paper_tables import table


@pytest.fixture(params=["sqlite", "postgres"])
def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Cli:
    url = (
        f"sqlite:///{tmp_path / 'ct.db'}" if request.param == "sqlite" else fresh_pg_url("ct_plan")
    )
    c = Cli(tmp_path / "home", url)
    assert c("init").code == 0
    return c


def _workbook_with_plans(tmp_path: Path, plans: dict[str, str]) -> Path:
    wb = openpyxl.load_workbook(SAMPLE)
    ws = wb["文件"]
    headers = [c.value for c in ws[1]]
    column = headers.index("分发范围") + 1  # the sample has the column (HY-07's plan)
    for row in range(2, ws.max_row + 1):
        number = ws.cell(row=row, column=1).value
        if number in plans:
            ws.cell(row=row, column=column, value=plans[number])
    path = tmp_path / "planned.xlsx"
    wb.save(path)
    return path


def test_import_refuses_a_bad_plan_naming_sheet_row_and_column(cli: Cli, tmp_path: Path) -> None:
    path = _workbook_with_plans(tmp_path, {"HY-04": "A001、A999", "HY-07": "全体、A002"})
    r = cli("import", str(path))
    assert r.code == 2
    assert "文件 第5行 [分发范围]：“A999”既不是本会议的人员编号" in r.err
    assert "文件 第8行 [分发范围]：“全体”表示全体人员" in r.err
    assert "未导入任何数据" in r.err
    assert json.loads(cli("meetings", "--json").out) == []


def test_plan_from_the_workbook_refusal_override_and_views(cli: Cli, tmp_path: Path) -> None:
    # HY-04 to A001 and the whole 北京有色金属研究总院 (A001, A009, A017, A025, A033).
    path = _workbook_with_plans(tmp_path, {"HY-04": "A001、北京有色金属研究总院"})
    assert cli("import", str(path)).code == 0
    assert cli("tap", CODE, "--mode", "issue", pass_uid("A001"), pass_uid("A002")).code == 0

    r = cli("tap", CODE, "--mode", "issue", "--attendee", "A002", copy_uid("HY-04", 1))
    assert r.code == 1 and "HY-04 的分发范围不含 胡国庆（保密负责人可加 --override 批准）" in r.out
    r = cli(
        "tap",
        CODE,
        "--mode",
        "issue",
        "--attendee",
        "A002",
        "--override",
        "--approver",
        "赵保密",
        copy_uid("HY-04", 1),
    )
    assert r.code == 0, r.out
    r = cli("tap", CODE, "--mode", "issue", "--attendee", "A001", copy_uid("HY-04", 2))
    assert r.code == 0, r.out

    data = json.loads(cli("status", CODE, "--by-document", "--json").out)
    hy04 = next(d for d in data["documents"] if d["number"] == "HY-04")
    assert hy04["plan"]["codes"] == ["A001"] and hy04["plan"]["units"] == ["北京有色金属研究总院"]
    assert (hy04["planned"], hy04["issued"], hy04["out"], hy04["recovered"]) == (5, 2, 2, 0)
    assert [p["code"] for p in hy04["not_collected"]] == ["A009", "A017", "A025", "A033"]
    assert [p["code"] for p in hy04["outside_plan"]] == ["A002"]
    due = {a["code"]: a["to_receive"] for a in data["attendees"]}
    assert "HY-04" in due["A009"] and "HY-04" not in due["A002"]
    text = cli("status", CODE, "--by-document").out
    assert (
        "HY-04  重点型号质量问题归零报告  分发范围：A001 赵娟、单位：北京有色金属研究总院" in text
    )
    assert "应发 5 人 · 已发 2 人 · 未领取 4 人 · 在外 2 份 · 已收回 0 份" in text
    assert "未领取：A009 夏红梅、A017 罗艳、A025 薛晓东、A033 曾洋" in text

    # A custodian may not change the plan (refused, recorded); the officer may.
    r = cli("plan", CODE, "HY-04", "--everyone")
    assert r.code == 1 and "修改分发范围需保密负责人批准（当前操作员：孙文管）" in r.out
    r = cli("plan", CODE, "HY-04", "--to", "A001、A404", "--operator", "赵保密")
    assert r.code == 2 and "“A404”既不是本会议的人员编号" in r.err
    r = cli("plan", CODE, "HY-04", "--to", "A002", "--approver", "赵保密")
    assert r.code == 0 and "已将 HY-04 的分发范围改为：A002 胡国庆" in r.out
    r = cli("plan", CODE, "HY-04", "--to", "A002", "--operator", "赵保密")
    assert r.code == 0 and "无需操作" in r.out
    assert cli("verify", CODE).code == 0


def test_break_view_through_the_cli(cli: Cli) -> None:
    assert cli("import", str(SAMPLE)).code == 0
    assert cli("tap", CODE, "--mode", "issue", pass_uid("A001"), pass_uid("A003")).code == 0
    for code, uid in (
        ("A001", copy_uid("HY-01", 1)),
        ("A001", copy_uid("HY-02", 1)),
        ("A003", copy_uid("HY-03", 1)),
    ):
        assert cli("tap", CODE, "--mode", "issue", "--attendee", code, uid).code == 0
    data = json.loads(cli("status", CODE, "--break", "--json").out)
    assert data["flagged_documents"] == ["HY-01", "HY-03", "HY-04", "HY-07"]
    assert data["remaining"] == 2
    r = cli("tap", CODE, "--mode", "collect", copy_uid("HY-01", 1), copy_uid("HY-02", 1))
    assert r.code == 0
    assert "此文件无需休会收回" in r.out.splitlines()[1]
    assert "此文件无需休会收回" not in r.out.splitlines()[0]
    text = cli("status", CODE, "--break").out
    assert "尚有 1 份未收回" in text and "A003 梁洋：HY-03 第001份" in text
    assert cli("tap", CODE, "--mode", "collect", copy_uid("HY-03", 1)).code == 0
    assert "休会收回文件已全部收回" in cli("status", CODE, "--break").out


def test_courier_with_receipt_by_number(cli: Cli, tmp_path: Path) -> None:
    assert cli("import", str(SAMPLE)).code == 0
    assert cli("tap", CODE, "--mode", "issue", pass_uid("A003"), pass_uid("A001")).code == 0
    # The delegate A003 (中国工程物理研究院 材料所, out of town) owns JY-001; the old form works.
    r = cli("consignment", CODE, "JY-001", "--attendee", "A003")
    assert r.code == 0 and "JY-001 → 中国工程物理研究院 材料所 梁洋" in r.out
    r = cli("consignment", "open", CODE, "JY-002", "--unit", "西北有色金属研究院")
    assert r.code == 0
    assert cli("consignment", CODE, "JY-003").code == 2  # neither delegate nor unit
    r = cli("tap", CODE, "--mode", "issue", "--attendee", "A003", copy_uid("HY-02", 1))
    assert r.code == 0
    assert cli("tap", CODE, "--mode", "issue", "--attendee", "A001", copy_uid("HY-02", 2)).code == 0
    r = cli("tap", CODE, "--mode", "dispatch", "--consignment", "JY-001", copy_uid("HY-02", 2))
    assert r.code == 1 and "由 赵娟 持有，只能交入其本人（或本单位）的机要件" in r.out
    r = cli(
        "tap",
        CODE,
        "--mode",
        "dispatch",
        "--consignment",
        "JY-001",
        copy_uid("HY-02", 1),
        copy_uid("HY-05", 1),
    )
    assert r.code == 0 and "（梁洋 交寄）" in r.out
    assert json.loads(cli("status", CODE, "--json").out)["counts"]["in_transit"] == 2

    r = cli("consignment", "receipt", CODE, "JY-002")
    assert r.code == 1 and "没有递送中的文件" in r.out
    r = cli("consignment", "receipt", CODE, "JY-001", "--note", "回执 2026-118，王收")
    assert r.code == 0 and "机要件 JY-001 回执已登记：2 份签收" in r.out
    r = cli("consignment", "receipt", CODE, "JY-001")
    assert r.code == 0 and "无需操作" in r.out
    counts = json.loads(cli("status", CODE, "--json").out)["counts"]
    assert (counts["in_transit"], counts["delivered"]) == (0, 2)
    assert cli("verify", CODE).code == 0

    out = tmp_path / "export.xlsx"
    assert cli("export", CODE, "-o", str(out)).code == 0
    ws = openpyxl.load_workbook(out)["机要递送登记"]
    rows = table(ws)
    jy1 = [r for r in rows if r[1] == "JY-001"]
    assert [(r[2], r[3], r[5], r[8], r[9], r[13]) for r in jy1] == [
        ("A003 梁洋", "中国工程物理研究院 材料所", "HY-02", "001", "A003 梁洋", "已签收"),
        ("A003 梁洋", "中国工程物理研究院 材料所", "HY-05", "001", None, "已签收"),
    ]
    assert all(r[10] is not None and r[11] is not None and r[12] is not None for r in jy1)
    jy2 = [r for r in rows if r[1] == "JY-002"]
    assert [(r[2], r[3], r[13]) for r in jy2] == [(None, "西北有色金属研究院", "尚未发出")]
    log = table(openpyxl.load_workbook(out)["操作日志"])
    receipts = [r for r in log if r[5] == "机要回执"]
    assert [(r[6], r[9], r[11]) for r in receipts] == [
        ("机要件 JY-002", "拒绝", None),
        ("机要件 JY-001", "成功", "回执 2026-118，王收"),
        ("机要件 JY-001", "无需操作", None),
    ]
