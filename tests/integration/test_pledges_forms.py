"""Pledges through the real CLI and import, the signed-forms workbook and the export's pledges
sheet, read back with openpyxl."""

from __future__ import annotations

import json
import os
import stat
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from carrier_tracker.custody import checklists
from carrier_tracker.paper.layout import LINE
from tests.conftest import SAMPLE
from tests.data.make_corpus import base_rows, save, workbook
from tests.integration.cli_helpers import CODE, Cli, copy_uid, pass_uid
from tests.paper_tables import empty_line, facts, header_row, headers, table
from tests.paper_tables import lines as sheet_lines


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path / "home", f"sqlite:///{tmp_path / 'ct.db'}")
    assert c("init").code == 0
    return c


def _verify(cli: Cli) -> tuple[int, str]:
    r = cli("verify", CODE)
    return r.code, r.out


def test_pledge_command_accepted_and_refused(cli: Cli) -> None:
    assert cli("import", str(SAMPLE)).code == 0
    r = cli("pledge", CODE, "A001", "A002", "--date", "2026-11-20", "--briefed")
    assert r.code == 0, r.err
    assert "A001 赵娟：已签保密承诺书（2026-11-20），已参加保密教育（2026-11-20）" in r.out
    assert "登记 2 人，无需操作 0 人，拒绝 0 人" in r.out
    # the same again: nothing to do; another date: refused (exit 1), nothing written
    assert "无需操作 1 人" in cli("pledge", CODE, "a001", "--date", "2026-11-20").out
    before = _verify(cli)[1].split("\t")[1]
    r = cli("pledge", CODE, "A001", "A003", "--date", "2026-11-21")
    assert r.code == 1 and "已于 2026-11-20 签保密承诺书" in r.out and "拒绝 1 人" in r.out
    after = _verify(cli)
    assert after[0] == 0 and after[1].split("\t")[1] != before  # A003 was recorded
    # bad input: exit 2, nothing recorded
    events = after[1].split("\t")[1]
    for argv, said in [
        ((CODE,), "请给出人员编号，或用 --all"),
        ((CODE, "A004", "--all"), "二选一"),
        ((CODE, "A999"), "无参会人员 A999"),
        ((CODE, "A004", "--date", "2026-13-01"), "YYYY-MM-DD"),
        ((CODE, "A004", "--date", "2999-01-01"), "晚于今天"),
        (("NOPE", "A004"), "无此会议代号"),
    ]:
        r = cli("pledge", *argv)
        assert r.code == 2 and said in r.err, (argv, r.err)
    assert _verify(cli)[1].split("\t")[1] == events
    r = cli("pledge", CODE, "--all", "--briefed")
    assert r.code == 0 and "登记 38 人" in r.out  # A001, A002 already complete
    assert cli("pledge", CODE, "A004", "--operator", "审计员").code == 2  # auditors record nothing
    assert _verify(cli)[0] == 0


def test_pass_without_pledge_warned_counted_and_exported(cli: Cli, tmp_path: Path) -> None:
    assert cli("import", str(SAMPLE)).code == 0
    assert cli("pledge", CODE, "A001").code == 0
    r = cli("tap", CODE, "--mode", "issue", pass_uid("A001"), pass_uid("A003"))
    assert r.code == 0
    lines = r.out.splitlines()
    assert "未签保密承诺书" not in lines[0] and lines[1].endswith("→ 梁洋（未签保密承诺书）")
    r = cli("tap", CODE, "--mode", "entrance", pass_uid("A003"))
    assert r.code == 0 and "准予入场" in r.out and "未签保密承诺书" in r.out
    status = json.loads(cli("status", CODE, "--json").out)
    assert status["counts"]["unpledged_passes"] == 1
    assert status["unpledged"] == [{"code": "A003", "name": "梁洋"}]
    assert "已发会议证而未签保密承诺书 1 人：A003 梁洋" in cli("status", CODE).out

    out = tmp_path / "export.xlsx"
    assert cli("export", CODE, "-o", str(out)).code == 0
    wb = openpyxl.load_workbook(out)
    assert "未收回合计 2 件；已发会议证未签保密承诺书 1 人" in sheet_lines(wb["汇总"])
    assert "已发会议证而未签保密承诺书：A003 梁洋。" in sheet_lines(wb["汇总"])
    rows = {r[1]: r for r in table(wb["保密承诺书登记"])}
    assert len(rows) == 40
    assert rows["A001"][5] == datetime.combine(date.today(), datetime.min.time())
    assert rows["A001"][7] == "孙文管" and rows["A001"][10] is None
    assert rows["A003"][5] is None and rows["A003"][10] == "已发会议证，未签保密承诺书"
    assert rows["A002"][10] is None  # no pass out: nothing to flag
    assert wb["保密承诺书登记"].oddHeader.left.text == "机密★"


def _people_with(pledges: list[object]) -> Path:
    rows = base_rows()
    rows["参会人员"][0].append("承诺书")
    for row, value in zip(rows["参会人员"][1:], pledges, strict=True):
        row.append(value)
    return workbook(rows)  # type: ignore[return-value]


def test_import_pledge_column(cli: Cli, tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    save(_people_with([datetime(2026, 11, 20), "2026/11/21", None]), good)  # type: ignore[arg-type]
    r = cli("import", str(good))
    assert r.code == 0, r.err
    status = json.loads(cli("status", "T1", "--json").out)
    assert status["counts"]["unpledged_passes"] == 0
    forms = tmp_path / "forms.xlsx"
    assert cli("forms", "T1", "-o", str(forms)).code == 0
    register = table(openpyxl.load_workbook(forms)["会议证登记表"])
    assert [(r[3], r[6]) for r in register] == [
        ("A001", datetime(2026, 11, 20)),
        ("A002", datetime(2026, 11, 21)),
        ("A003", "未签"),
    ]
    assert cli("verify", "T1").code == 0

    bad = tmp_path / "bad.xlsx"
    rows = base_rows()
    rows["会议"][1][0] = "T2"
    rows["参会人员"][0].append("承诺书")
    for row, value in zip(rows["参会人员"][1:], ["是", "2999-01-01", "2026-11-31"], strict=True):
        row.append(value)
    for row in rows["参会人员"][1:]:
        row[7] = None  # no pass tags: they are bound to T1 already
    rows.pop("标签绑定")
    save(workbook(rows), bad)
    r = cli("import", str(bad))
    assert r.code == 2
    assert "参会人员 第2行 [承诺书]：“是”不是签署日期" in r.err
    assert "参会人员 第3行 [承诺书]：签署日期 2999-01-01 晚于今天" in r.err
    assert "参会人员 第4行 [承诺书]：“2026-11-31”不是签署日期" in r.err
    assert "T2" not in cli("meetings").out


def test_forms_workbook(cli: Cli, tmp_path: Path) -> None:
    assert cli("import", str(SAMPLE)).code == 0
    assert cli("pledge", CODE, "A001", "--date", "2026-11-20").code == 0
    tap = ["tap", CODE, "--mode"]
    assert cli(*tap, "issue", pass_uid("A001"), pass_uid("A003")).code == 0
    assert (
        cli(*tap, "issue", "--attendee", "A001", copy_uid("HY-01", 1), copy_uid("HY-02", 1)).code
        == 0
    )
    assert cli(*tap, "issue", "--attendee", "A003", copy_uid("HY-01", 2)).code == 0
    assert cli(*tap, "collect", copy_uid("HY-01", 1)).code == 0
    assert cli(*tap, "reissue", copy_uid("HY-01", 1)).code == 0  # same holder: still one row
    assert cli(*tap, "recall", copy_uid("HY-02", 1)).code == 0
    assert cli(*tap, "issue", "--attendee", "A003", copy_uid("HY-02", 1)).code == 0  # a 2nd holder
    assert cli("consignment", CODE, "JY-1", "--unit", "某研究所", "--recipient", "钱七").code == 0
    assert (
        cli(
            *tap, "dispatch", "--consignment", "JY-1", copy_uid("HY-05", 2), copy_uid("HY-05", 1)
        ).code
        == 0
    )

    out = tmp_path / "forms.xlsx"
    r = cli("forms", CODE, "-o", str(out))
    assert r.code == 0, r.err
    assert (
        "文件签收单 4 行" in r.out
        and "会议证登记表 40 行" in r.out
        and "机要递送回执 2 行" in r.out
    )
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [
        "文件签收单",
        "会议证登记表",
        "机要递送回执",
        "会场保密检查表",
        "会后清场检查表",
        "销毁登记表",
        "归档清单",
    ]
    for sheet, name in (("会场保密检查表", "venue"), ("会后清场检查表", "sweep")):
        items = checklists.active()[name].items
        rows = table(wb[sheet])
        assert headers(wb[sheet])[-2:] == ["签名", "日期"]
        assert [r[1] for r in rows] == [it.label for it in items]  # every item, in order
        assert all(r[2] == "符合" and r[4] and r[-2:] == (None, None) for r in rows)

    receipts = table(wb["文件签收单"])
    assert headers(wb["文件签收单"])[-2:] == ["签名", "日期"]
    assert [(r[1], r[4], r[7]) for r in receipts] == [
        ("A001", "HY-01", "001"),
        ("A001", "HY-02", "001"),
        ("A003", "HY-01", "002"),
        ("A003", "HY-02", "001"),
    ]
    assert all(r[-1] is None and r[-2] is None for r in receipts)
    first = header_row(wb["文件签收单"])
    assert [b.id for b in wb["文件签收单"].row_breaks.brk] == [first + 2]  # a page per attendee

    passes = table(wb["会议证登记表"])
    assert headers(wb["会议证登记表"])[-2:] == ["签名", "日期"]
    a001 = next(r for r in passes if r[3] == "A001")
    assert a001[6] == datetime(2026, 11, 20) and a001[7] is not None and a001[-2:] == (None, None)
    assert next(r for r in passes if r[3] == "A003")[6] == "未签"
    assert next(r for r in passes if r[3] == "A002")[7] is None  # never issued

    courier = table(wb["机要递送回执"])
    assert [(r[1], r[2], r[3], r[4], r[7]) for r in courier] == [
        ("JY-1", "某研究所", "钱七", "HY-05", "001"),
        ("JY-1", "某研究所", "钱七", "HY-05", "002"),
    ]
    assert headers(wb["机要递送回执"])[-2:] == ["签收人签名", "签收日期"]

    verified = cli("verify", CODE)
    count, head = verified.out.split("\t")[1].split()[1], verified.out.split("\t")[2].split()[1]
    for ws in wb.worksheets:
        assert ws.page_setup.paperSize == 9  # A4
        assert (ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        h = header_row(ws)
        assert ws.print_title_rows == f"${h}:${h}"  # the header row on every page
        assert ws.oddHeader.left.text == "机密★" and ws.oddFooter.left.text == "机密★"
        assert ws.oddHeader.center.text == ws.title
        assert CODE in (ws.oddHeader.right.text or "")
        assert facts(ws)["会议代号"] == CODE and "制表时间" in facts(ws)
        said = sheet_lines(ws)
        middle = {"销毁登记表": ["监销人"], "归档清单": ["档案接收人"]}.get(ws.title, [])
        signers = [x.split("（")[0] for x in said if "（签名）" in x]
        assert signers == ["经办人", *middle, "保密负责人"], ws.title
        assert f"台账锚点 {count}:{head}" in said  # the last page anchors the chain
        assert said[-1].startswith("打印时台账校验：完整")
        # people sign in these rows: at least two lines tall
        for r in range(h + 1, h + 1 + len(table(ws))):
            assert (ws.row_dimensions[r].height or 0) >= 2 * LINE, (ws.title, r)


def test_forms_refuses_bad_paths_and_meetings(cli: Cli, tmp_path: Path) -> None:
    assert cli("import", str(SAMPLE)).code == 0
    for argv, said in [
        ((CODE, "-o", str(tmp_path / "f.csv")), ".xlsx"),
        ((CODE, "-o", str(tmp_path / "none" / "f.xlsx")), "目录不存在"),
        (("NOPE", "-o", str(tmp_path / "f.xlsx")), "无此会议代号"),
    ]:
        r = cli("forms", *argv)
        assert r.code == 2 and said in r.err, r.err
    assert list(tmp_path.glob("*.xlsx")) == []
    out = tmp_path / "empty.xlsx"
    assert cli("forms", CODE, "-o", str(out)).code == 0  # nothing issued yet: says （无）
    wb = openpyxl.load_workbook(out)
    assert empty_line(wb["文件签收单"]) == "（尚未发放任何文件）"
    assert table(wb["文件签收单"]) == []


def test_a_full_sheet_of_pages_goes_on(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Excel keeps 1,023 manual page breaks a sheet: 签收单's page per attendee goes on to a
    continuation sheet (played here with room for none), the anchor on the form's last one."""
    from carrier_tracker.paper import layout

    monkeypatch.setattr(layout, "MAX_BREAKS", 0)
    assert cli("import", str(SAMPLE)).code == 0
    tap = ["tap", CODE, "--mode"]
    assert cli(*tap, "issue", pass_uid("A001"), pass_uid("A003")).code == 0
    assert cli(*tap, "issue", "--attendee", "A001", copy_uid("HY-01", 1)).code == 0
    assert cli(*tap, "issue", "--attendee", "A003", copy_uid("HY-01", 2)).code == 0
    out = tmp_path / "forms.xlsx"
    assert cli("forms", CODE, "-o", str(out)).code == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:3] == ["文件签收单", "文件签收单（续2）", "会议证登记表"]
    first, more = wb["文件签收单"], wb["文件签收单（续2）"]
    assert [r[1] for r in table(first)] == ["A001"] and [r[1] for r in table(more)] == ["A003"]
    assert [r[0] for r in table(more)] == [2]  # numbered on
    assert more["A1"].value == first["A1"].value == "涉密会议文件签收单"
    assert headers(more) == headers(first)
    assert not any("台账锚点" in x for x in sheet_lines(first))
    assert any(x.startswith("台账锚点 ") for x in sheet_lines(more))
