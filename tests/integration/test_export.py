"""The 保密办 workbook read back with openpyxl: sheets, headers, rows, values, print setup."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlmodel import Session, func, select

from carrier_tracker.custody import checklists
from carrier_tracker.custody.service import record_tap
from carrier_tracker.enums import Answer, Mode, Role
from carrier_tracker.ledger import keyring
from carrier_tracker.meeting.lifecycle import open_consignment
from carrier_tracker.meeting.policy import accept_items, answer_items, file_meeting
from carrier_tracker.paper.export import (
    CARRY_HEADERS,
    COURIER_HEADERS,
    LOG_HEADERS,
    OUTSTANDING_HEADERS,
    PASS_HEADERS,
    PLAN_HEADERS,
    REGISTER_HEADERS,
    export_carry_list,
    export_meeting,
)
from carrier_tracker.paper.importer import import_workbook, write_template
from carrier_tracker.paper.layout import LINE, text_lines
from carrier_tracker.storage.models import Attendee, Carrier, Document, Event, Meeting
from tests.conftest import SAMPLE
from tests.factories import add_operators
from tests.integration.cli_helpers import CODE, copy_uid, pass_uid
from tests.paper_tables import (
    column_widths,
    empty_line,
    facts,
    header_row,
    headers,
    lines,
    summary,
    table,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 8, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden_export.json"
PAPER_TITLES = {
    "汇总": "涉密会议载体管理情况汇总",
    "文件发放回收登记表": "涉密会议文件发放回收登记表",
    "会议证发放回收": "会议证发放回收登记表",
    "未收回清单": "未收回载体清单",
    "分发情况": "涉密文件分发情况表",
    "机要递送登记": "机要递送登记表",
    "带离文件目录": "外地代表带离文件目录",
    "会议备案": "涉密会议备案情况",
    "会前会后检查": "会场保密检查与会后清场检查记录",
    "巡检发现": "会后巡检发现记录",
    "保密承诺书登记": "保密承诺书签署登记表",
    "处置登记": "涉密文件处置登记表",
    "操作日志": "台账操作日志",
}
SHEETS = [
    "汇总",
    "文件发放回收登记表",
    "会议证发放回收",
    "未收回清单",
    "分发情况",
    "机要递送登记",
    "带离文件目录",
    "会议备案",
    "会前会后检查",
    "巡检发现",
    "保密承诺书登记",
    "处置登记",
    "操作日志",
]


def scripted_meeting(session: Session, key: bytes) -> None:
    """The sample meeting after a fixed sequence of taps at fixed times."""
    add_operators(session, {"赵保密": Role.OFFICER, "孙文管": Role.CUSTODIAN})
    import_workbook(session=session, key=key, path=SAMPLE, operator="孙文管", tz=SHANGHAI, now=T0)
    session.commit()
    file_meeting(
        session=session,
        key=key,
        meeting_code=CODE,
        ref="保密办〔2026〕12号",
        on=date(2026, 12, 1),
        plan_title="专项保密工作方案",
        operator="赵保密",
        now=T0,
    )
    venue = checklists.load()["venue"]
    answer_items(
        session=session,
        key=key,
        meeting_code=CODE,
        checklist=venue,
        answers=[
            (it.id, Answer.FAIL if it.id == "wireless" else Answer.OK, "") for it in venue.items
        ],
        operator="孙文管",
        now=T0,
    )
    accept_items(
        session=session,
        key=key,
        meeting_code=CODE,
        checklist=venue,
        item_id="wireless",
        note="已改用有线话筒",
        operator="赵保密",
        now=T0,
    )
    session.commit()
    minute = iter(range(1, 1000))

    def tap(uid: str, mode: Mode, **kw: Any) -> None:
        record_tap(
            session=session,
            key=key,
            meeting_code=CODE,
            uid=uid,
            mode=mode,
            station="一号台",
            operator=kw.pop("operator", "孙文管"),
            now=T0 + timedelta(minutes=next(minute)),
            **kw,
        )
        session.commit()

    for code in ("A001", "A003", "A005"):
        tap(pass_uid(code), Mode.ISSUE)
    tap(copy_uid("HY-01", 1), Mode.ISSUE, attendee_code="A001")
    tap(copy_uid("HY-01", 2), Mode.ISSUE, attendee_code="A003")
    tap(copy_uid("HY-02", 1), Mode.ISSUE, attendee_code="A003")
    tap(copy_uid("HY-01", 1), Mode.ISSUE, attendee_code="A003")  # refused: held by A001
    tap(copy_uid("HY-01", 1), Mode.COLLECT)
    tap(copy_uid("HY-01", 2), Mode.COLLECT)
    tap(copy_uid("HY-01", 1), Mode.REISSUE)
    tap(copy_uid("HY-02", 1), Mode.CARRY_OUT, operator="赵保密")
    open_consignment(
        session=session,
        key=key,
        meeting_code=CODE,
        number="JY-001",
        unit="北京有色金属研究总院",
        recipient="钱七",
        operator="孙文管",
        now=T0 + timedelta(minutes=30),
    )
    session.commit()
    tap(copy_uid("HY-05", 3), Mode.DISPATCH, consignment_no="JY-001")
    tap(copy_uid("HY-05", 3), Mode.DELIVER)
    tap(copy_uid("HY-06", 9), Mode.LOST, operator="赵保密", note="会场遗失，已报告")
    tap("04FFFFFFFFFFFF", Mode.ISSUE, attendee_code="A005")  # unknown tag
    tap(copy_uid("HY-01", 2), Mode.SWEEP, room="客房 301")  # collected, found in a guest room


def sheet_values(path: Path) -> dict[str, list[list[Any]]]:
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb:
        out[ws.title] = [
            [c.isoformat() if isinstance(c, datetime) else c for c in row]
            for row in ws.iter_rows(values_only=True)
        ]
    return out


@pytest.fixture
def exported(session: Session, key: bytes, tmp_path: Path) -> Path:
    scripted_meeting(session, key)
    path = tmp_path / "out.xlsx"
    export_meeting(
        session=session,
        key=key,
        meeting_code=CODE,
        path=path,
        operator="审计员",
        tz=SHANGHAI,
        now=datetime(2026, 12, 9, 10, 0, tzinfo=UTC),
    )
    return path


def test_sheets_headers_and_print_setup(exported: Path) -> None:
    wb = openpyxl.load_workbook(exported)
    assert wb.sheetnames == SHEETS
    expected_headers = {
        "文件发放回收登记表": REGISTER_HEADERS,
        "会议证发放回收": PASS_HEADERS,
        "未收回清单": OUTSTANDING_HEADERS,
        "分发情况": PLAN_HEADERS,
        "机要递送登记": COURIER_HEADERS,
        "带离文件目录": CARRY_HEADERS,
        "操作日志": LOG_HEADERS,
    }
    assert REGISTER_HEADERS == [
        "序号",
        "文件编号",
        "文件名称",
        "密级",
        "份号",
        "领取人",
        "单位",
        "发放时间",
        "发放经办人",
        "休会收回次数",
        "回收时间",
        "回收经办人",
        "当前状态",
        "机要编号",
        "备注",
    ]
    for ws in wb:
        assert ws.page_setup.orientation == ("portrait" if ws.title == "汇总" else "landscape")
        assert str(ws.page_setup.paperSize) == "9"  # A4
        assert (
            ws.page_setup.fitToWidth or 1
        ) == 1 and ws.page_setup.fitToHeight == 0  # 1 is the default
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.oddHeader.left.text == "机密★" and ws.oddFooter.left.text == "机密★"
        assert ws.oddHeader.center.text == ws.title
        assert ws.oddHeader.right.text == f"会议代号 {CODE}"
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
        assert ws["A1"].value == PAPER_TITLES[ws.title]  # the title block opens every sheet
        block = facts(ws)
        assert (block["会议代号"], block["密级"], block["主办部门"]) == (
            CODE,
            "机密★",
            "党政办公室",
        )
        assert block["会议时间"] == "2026-12-08 08:30 至 2026-12-09 17:30"
        assert block["登记性质"].startswith("会中快照") and block["导出时间"] == "2026-12-09 18:00"
        if ws.title == "汇总":
            continue
        h = header_row(ws)
        if ws.title in expected_headers:
            assert headers(ws) == expected_headers[ws.title]
        assert ws.print_title_rows == f"${h}:${h}"  # the header row on every printed page
        assert ws.freeze_panes == f"A{h + 1}"
        assert ws.auto_filter.ref is None or ws.auto_filter.ref.startswith(f"A{h}:")
        assert all(w >= 4 for w in column_widths(ws, 2))
        signatures = [x for x in lines(ws) if "（签名）" in x]
        assert [x.split("（")[0] for x in signatures] == ["经办人", "保密负责人"], ws.title


def blank_rule(ws: Any, cell: Any) -> Any:
    """The border an empty table cell gets: from the sheet's rule for its empty cells."""
    for cf in ws.conditional_formatting:
        if cell.coordinate in cf.sqref:
            for rule in cf.rules:
                if rule.type == "containsBlanks":
                    return rule.dxf.border
    raise AssertionError(f"{ws.title}!{cell.coordinate}: empty and not ruled")


def test_ruled_wrapped_and_wide_enough(exported: Path) -> None:
    """Every table cell has a thin border; text wraps; a column is as wide as its widest value
    or that value wraps, and its row is tall enough for the lines it wraps to."""
    wb = openpyxl.load_workbook(exported)
    for ws in wb:
        if ws.title == "汇总":
            continue
        h = header_row(ws)
        n = len(headers(ws))
        rows = len(table(ws)) or 1  # an empty list: its line is ruled too
        widths = column_widths(ws, n)
        for row in ws.iter_rows(min_row=h, max_row=h + rows, max_col=n):
            for cell in row:
                border = cell.border if cell.value is not None else blank_rule(ws, cell)
                edges = (border.left, border.right, border.top, border.bottom)
                assert all(e.style == "thin" for e in edges), f"{ws.title}!{cell.coordinate}"
                if cell.value is not None:
                    assert cell.alignment.wrap_text, f"{ws.title}!{cell.coordinate}"
                if isinstance(cell.value, datetime):
                    assert cell.number_format == "yyyy-mm-dd hh:mm"
                    assert widths[cell.column - 1] >= 16  # never ###
                if isinstance(cell.value, str) and cell.row > h:
                    width = widths[cell.column - 1] or 0
                    need = text_lines(
                        cell.value, width - 1, 0.85 if "Courier" in (cell.font.name or "") else 1.0
                    )
                    height = ws.row_dimensions[cell.row].height or ws.sheet_format.defaultRowHeight
                    assert height >= need * LINE, f"{ws.title}!{cell.coordinate} cut"
        if "序号" in headers(ws):
            at = headers(ws).index("序号") + 1
            centred = {
                ws.cell(row=r, column=at).alignment.horizontal for r in range(h + 1, h + rows)
            }
            assert centred <= {"center"}, ws.title  # 序号 centred


def test_rows_match_database(exported: Path, session: Session, key: bytes) -> None:
    wb = openpyxl.load_workbook(exported)
    copies = session.exec(
        select(func.count()).select_from(Carrier).where(Carrier.kind == "copy")
    ).one()
    passes = session.exec(
        select(func.count()).select_from(Carrier).where(Carrier.kind == "pass")
    ).one()
    events = session.exec(select(func.count()).select_from(Event)).one()
    assert len(table(wb["文件发放回收登记表"])) == copies
    assert len(table(wb["会议证发放回收"])) == passes
    assert len(table(wb["操作日志"])) == events

    register = {(r[1], r[4]): r for r in table(wb["文件发放回收登记表"])}
    row = register[("HY-01", "001")]
    assert row[5] == session.exec(select(Attendee.name).where(Attendee.code == "A001")).one()
    assert row[7] == datetime(2026, 12, 8, 8, 30 + 10)  # re-issued at minute 10, local time
    assert row[9] == 1 and row[12] == "已发放"
    row = register[("HY-05", "003")]
    assert row[12] == "已签收" and row[13] == "JY-001"
    assert "会场遗失" in register[("HY-06", "009")][14]

    log = table(wb["操作日志"])
    db_events = session.exec(select(Event).order_by(Event.seq)).all()
    assert [r[0] for r in log] == [e.seq for e in db_events]
    assert [r[12] for r in log] == [e.hash for e in db_events]
    assert LOG_HEADERS == [
        "序号",
        "时间",
        "工作台",
        "操作员",
        "批准人",
        "操作",
        "载体",
        "标签UID",
        "人员",
        "结果",
        "原因",
        "说明",
        "哈希",
    ]
    refused = [r for r in log if r[9] == "拒绝"]
    assert {r[10] for r in refused} == {
        "HY-01 第001份 已发给 " + str(register[("HY-01", "001")][5]),
        "未知标签 04FFFFFFFFFFFF",
    }

    facts_ = summary(wb["汇总"])
    meeting = session.exec(select(Meeting)).one()
    report = keyring.verify_meeting(session, key, meeting)
    assert facts_["台账头哈希"] == report.head_hash
    assert facts_["台账事件数"] == report.count == events
    assert facts_["导出时校验结果"] == "完整"
    assert facts_["登记性质"].startswith("会中快照")
    assert facts_["密级"] == "机密★" and facts_["会议代号"] == CODE
    assert facts_["文件·已发放"] == 1 and facts_["文件·已挂失"] == 1
    anchor = f"台账锚点 {report.count}:{report.head_hash}"
    assert anchor in lines(wb["汇总"])  # what verify --anchor accepts

    outstanding = table(wb["未收回清单"])
    # 3 passes, HY-01/1 (A001), HY-02/1 carried out (A003), HY-06/9 lost; HY-01/2 is collected.
    assert len(outstanding) == 6
    carry = table(wb["带离文件目录"])
    assert [(r[1], r[4], r[7], r[9]) for r in carry] == [("A003", "HY-02", "001", "赵保密")]
    courier = table(wb["机要递送登记"])
    assert [(r[1], r[2], r[3], r[5], r[8], r[13]) for r in courier] == [
        ("JY-001", None, "北京有色金属研究总院", "HY-05", "003", "已签收")
    ]


HASH = re.compile(r"[0-9a-f]{64}")


def _masked(value: Any) -> Any:
    """A chain hash masked: an event's hash covers the digest of its operator's PIN hash, and
    argon2 salts every PIN hash afresh (the hashes are verified elsewhere)."""
    return HASH.sub("<hash>", value) if isinstance(value, str) else value


def test_golden(exported: Path) -> None:
    values = {
        sheet: [[_masked(c) for c in row] for row in rows]
        for sheet, rows in sheet_values(exported).items()
    }
    if not GOLDEN.exists():  # first run writes it; review and commit it
        GOLDEN.write_text(json.dumps(values, ensure_ascii=False, indent=1), encoding="utf-8")
        pytest.fail(f"wrote {GOLDEN}; review it and run again")
    assert values == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_deterministic_apart_from_timestamp(session: Session, key: bytes, tmp_path: Path) -> None:
    scripted_meeting(session, key)
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    export_meeting(
        session=session,
        key=key,
        meeting_code=CODE,
        path=a,
        tz=SHANGHAI,
        now=datetime(2026, 12, 9, tzinfo=UTC),
    )
    export_meeting(
        session=session,
        key=key,
        meeting_code=CODE,
        path=b,
        tz=SHANGHAI,
        now=datetime(2026, 12, 10, tzinfo=UTC),
    )
    va, vb = sheet_values(a), sheet_values(b)
    diff = [
        (s, i) for s in va for i, (ra, rb) in enumerate(zip(va[s], vb[s], strict=True)) if ra != rb
    ]
    when = {s: i for s in va for i, row in enumerate(va[s]) if "导出时间：" in str(row[0] or "")}
    assert diff == list(when.items()) and len(when) == len(SHEETS)  # only each 导出时间 line


def test_carry_list(session: Session, key: bytes, tmp_path: Path) -> None:
    scripted_meeting(session, key)
    path = tmp_path / "carry.xlsx"
    assert (
        export_carry_list(
            session=session,
            meeting_code=CODE,
            attendee_code="A003",
            path=path,
            tz=SHANGHAI,
            now=datetime(2026, 12, 9, 10, 0, tzinfo=UTC),
        )
        == 1
    )
    ws = openpyxl.load_workbook(path).active
    assert ws["A1"].value == "外地代表带离文件目录"
    block = facts(ws)
    assert block["制表时间"] == "2026-12-09 18:00" and block["代表"] == "A003 梁洋"
    assert (
        block["寄送单位"]
        == session.exec(select(Attendee.unit).where(Attendee.code == "A003")).one()
    )
    assert headers(ws) == CARRY_HEADERS
    (row,) = table(ws)
    assert (row[4], row[7], row[9]) == ("HY-02", "001", "赵保密")  # the officer who approved
    assert isinstance(row[8], datetime) and ws.cell(header_row(ws) + 1, 9).number_format == (
        "yyyy-mm-dd hh:mm"
    )
    assert ws.oddHeader.left.text == "机密★"
    signers = [x.split("（")[0] for x in lines(ws) if "（签名）" in x]
    assert signers == ["经办人", "保密负责人", "接收人"]
    assert any("台账记录的批准人：赵保密" in x for x in lines(ws))
    empty = tmp_path / "none.xlsx"
    assert (
        export_carry_list(session=session, meeting_code=CODE, attendee_code="A001", path=empty) == 0
    )
    ws = openpyxl.load_workbook(empty).active
    assert table(ws) == [] and empty_line(ws) == "（A001 赵娟 未带离任何文件）"


def test_template_explains_each_column(tmp_path: Path) -> None:
    """The template opens on its instructions; each header's comment says what goes there."""
    template = tmp_path / "template.xlsx"
    write_template(template)
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == ["说明", "会议", "参会人员", "文件", "标签绑定"]
    assert wb["说明"]["A1"].value == "填写说明"
    comments = {c.value: c.comment.text for c in wb["会议"][1]}
    assert comments["会议代号"] == "必填。唯一，命令行中使用，如 HY2026-07。最多 64 字。"
    assert comments["密级"] == "必填。秘密 / 机密 / 绝密 / 内部。"
    assert comments["地点"] == "选填。最多 200 字。"
    assert comments["结束时间"] == "选填。"


def test_template_round_trip(session: Session, key: bytes, tmp_path: Path) -> None:
    template = tmp_path / "template.xlsx"
    write_template(template)
    wb = openpyxl.load_workbook(template)
    wb["会议"].append(
        [
            "RT-1",
            "往返测试会议",
            "秘密",
            "二号会议室",
            "2026-12-20 09:00",
            None,
            "科技处",
            "周官",
            None,
        ]
    )
    wb["参会人员"].append(
        ["B01", "甲一", "甲单位", "科长", "否", "秘密", "C01", "04:0a:0b:0c:0d:0e:01"]
    )
    wb["参会人员"].append(["B02", "乙二", "乙单位", "科员", "是", "内部", None, None])
    wb["文件"].append(["W-1", "往返文件（一）", "秘密", 2, "是", "否"])
    wb["标签绑定"].append(["W-1", 1, "040a0b0c0d0e02"])
    wb.save(template)
    import_workbook(session=session, key=key, path=template, tz=SHANGHAI)
    session.commit()
    out = tmp_path / "rt.xlsx"
    export_meeting(session=session, key=key, meeting_code="RT-1", path=out, tz=SHANGHAI)
    got = openpyxl.load_workbook(out)
    facts_ = summary(got["汇总"])
    assert (facts_["会议名称"], facts_["会议代号"], facts_["密级"], facts_["地点"]) == (
        "往返测试会议",
        "RT-1",
        "秘密★",
        "二号会议室",
    )
    assert facts_["会议时间"] == "2026-12-20 09:00 至 —"
    assert facts_["实行会议证"] == "否"  # 秘密 meeting: passes not required by default
    passes = table(got["会议证发放回收"])
    assert [(r[1], r[2], r[3], r[4], r[5]) for r in passes] == [
        ("C01", "甲一", "B01", "甲单位", "040A0B0C0D0E01"),
        (None, "乙二", "B02", "乙单位", None),
    ]
    register = table(got["文件发放回收登记表"])
    assert [(r[1], r[2], r[3], r[4], r[14]) for r in register] == [
        ("W-1", "往返文件（一）", "秘密", "001", None),
        ("W-1", "往返文件（一）", "秘密", "002", "未绑定标签"),
    ]
    assert (
        session.exec(select(Document.title)).one() == "往返文件（一）"
    )  # full-width punctuation kept


def test_background_verification_matches_inline_and_catches_tampering(
    tmp_path: Path, key: bytes
) -> None:
    """Long chains are verified in a child process; it must agree with inline verification."""
    from sqlalchemy import text

    from carrier_tracker.storage import db

    engine = db.make_engine(f"sqlite:///{tmp_path / 'bg.db'}")
    db.upgrade(engine)
    with db.session_scope(engine) as s:
        scripted_meeting(s, key)
    inline, background = tmp_path / "inline.xlsx", tmp_path / "bg.xlsx"
    with db.read_scope(engine) as s:
        a = export_meeting(session=s, key=key, meeting_code=CODE, path=inline, tz=SHANGHAI)
        b = export_meeting(
            session=s,
            key=key,
            meeting_code=CODE,
            path=background,
            tz=SHANGHAI,
            parallel_verify_min=1,
        )
    assert a.chain == b.chain and a.chain.ok and a.audit == b.audit and a.audit.ok
    # A row edited behind the ledger's back: both paths find the same difference.
    with db.session_scope(engine) as s:
        s.execute(text("UPDATE attendee SET clearance = '绝密' WHERE code = 'A003'"))
    with db.read_scope(engine) as s:
        d = export_meeting(session=s, key=key, meeting_code=CODE, path=inline, tz=SHANGHAI)
        e = export_meeting(
            session=s,
            key=key,
            meeting_code=CODE,
            path=background,
            tz=SHANGHAI,
            parallel_verify_min=1,
        )
    assert d.audit == e.audit and d.chain.ok and not d.audit.ok
    assert any("A003" in x and "知悉范围" in x for x in d.audit.differences), d.audit.differences
    wb = openpyxl.load_workbook(background)
    assert (
        "校验未通过" in wb["汇总"].oddHeader.center.text
        and "校验未通过" in wb["操作日志"].oddHeader.center.text
    )
    with db.session_scope(engine) as s:
        s.execute(text("UPDATE attendee SET clearance = '秘密' WHERE code = 'A003'"))
        s.execute(text("UPDATE event SET note = 'edited' WHERE seq = 5"))
    with db.read_scope(engine) as s:
        c = export_meeting(
            session=s,
            key=key,
            meeting_code=CODE,
            path=background,
            tz=SHANGHAI,
            parallel_verify_min=1,
        )
    assert not c.chain.ok and c.chain.broken_seq == 5
    facts_ = summary(openpyxl.load_workbook(background)["汇总"])
    assert facts_["导出时校验结果"].startswith("校验未通过：第 5 条起被篡改")


def test_approver_on_paper(session: Session, key: bytes, tmp_path: Path) -> None:
    """A custodian's carry-out and close approved by the officer: the log's 批准人, the carry
    list's 批准人 (the approver, not the operator), 汇总's close (who closed, who approved)."""
    scripted_meeting(session, key)
    at = T0 + timedelta(hours=3)
    record_tap(
        session=session,
        key=key,
        meeting_code=CODE,
        uid=copy_uid("HY-05", 1),
        mode=Mode.ISSUE,
        attendee_code="A003",
        station="一号台",
        operator="孙文管",
        now=at,
    )
    outcome = record_tap(
        session=session,
        key=key,
        meeting_code=CODE,
        uid=copy_uid("HY-05", 1),
        mode=Mode.CARRY_OUT,
        station="一号台",
        operator="孙文管",
        approver="赵保密",
        now=at + timedelta(minutes=1),
    )
    assert outcome.verdict.value == "accepted", outcome
    session.commit()
    path = tmp_path / "out.xlsx"
    export_meeting(session=session, key=key, meeting_code=CODE, path=path, tz=SHANGHAI)
    wb = openpyxl.load_workbook(path)
    log = table(wb["操作日志"])
    carried = [r for r in log if r[5] == "带离" and r[6] == "HY-05 第001份"]
    assert [(r[3], r[4]) for r in carried] == [("孙文管", "赵保密")]
    assert [(r[3], r[4]) for r in log if r[5] == "带离" and r[6] == "HY-02 第001份"] == [
        ("赵保密", None)  # the officer operated: no approver recorded
    ]
    carry = {(r[4], r[7]): r[9] for r in table(wb["带离文件目录"])}
    assert carry == {("HY-02", "001"): "赵保密", ("HY-05", "001"): "赵保密"}
    one = tmp_path / "carry.xlsx"
    export_carry_list(session=session, meeting_code=CODE, attendee_code="A003", path=one)
    assert [r[9] for r in table(openpyxl.load_workbook(one).active)] == ["赵保密", "赵保密"]

    facts_ = summary(wb["汇总"])
    assert facts_["结束·时间"] == "（尚未结束）"
    from carrier_tracker.meeting.lifecycle import close_meeting

    for uid in (copy_uid("HY-01", 1), copy_uid("HY-02", 1), copy_uid("HY-05", 1)):
        record_tap(session=session, key=key, meeting_code=CODE, uid=uid, mode=Mode.RECALL,
                   station="一号台", operator="孙文管", now=at)  # fmt: skip
    for code in ("A001", "A003", "A005"):
        record_tap(session=session, key=key, meeting_code=CODE, uid=pass_uid(code),
                   mode=Mode.RECALL, station="一号台", operator="孙文管", now=at)  # fmt: skip
    sweep = checklists.load()["sweep"]
    answer_items(
        session=session,
        key=key,
        meeting_code=CODE,
        checklist=sweep,
        answers=[(it.id, Answer.OK, "") for it in sweep.items],
        operator="孙文管",
        now=at,
    )
    session.commit()
    close_meeting(
        session=session,
        key=key,
        meeting_code=CODE,
        with_exceptions=True,
        note="HY-06 第009份遗失，已报保密办",
        operator="孙文管",
        approver="赵保密",
    )
    session.commit()
    export_meeting(session=session, key=key, meeting_code=CODE, path=path, tz=SHANGHAI)
    wb = openpyxl.load_workbook(path)
    facts_ = summary(wb["汇总"])
    assert (facts_["结束·经办人"], facts_["结束·批准人"]) == ("孙文管", "赵保密")
    assert isinstance(facts_["结束·时间"], datetime)
    assert facts_["登记性质"].startswith("会后最终登记")
    said = lines(wb["汇总"])
    assert "HY-06 第009份 已挂失（会场遗失，已报告），尚未找回。" in said
    assert "结束说明：HY-06 第009份遗失，已报保密办" in said
    assert any(x.startswith("保密负责人（签名）") and "赵保密" in x for x in said)
