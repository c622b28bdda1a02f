"""Build the bad-input corpus of import workbooks: ``python tests/data/make_corpus.py``.

Each case is a file a real user could produce, with what the import must do: import it
(normalising what it can) or refuse it with a message naming the problem. The test
``tests/integration/test_import_corpus.py`` builds every case afresh and checks it; the copies
written to ``tests/data/workbooks/`` are there for people to open.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.workbook import Workbook

HERE = Path(__file__).resolve().parent
OUT = HERE / "workbooks"

MEETING_HEAD = [
    "会议代号",
    "会议名称",
    "密级",
    "地点",
    "开始时间",
    "结束时间",
    "主办部门",
    "保密负责人",
    "实行会议证",
]
PEOPLE_HEAD = [
    "人员编号",
    "姓名",
    "单位",
    "职务",
    "外地代表",
    "知悉级别",
    "会议证号",
    "会议证标签UID",
]
DOCS_HEAD = ["文件编号", "文件名称", "密级", "份数", "休会收回", "允许带离"]
TAGS_HEAD = ["文件编号", "份号", "标签UID"]


def base_rows() -> dict[str, list[list[object]]]:
    """A small valid meeting: three people, two documents, every copy tagged."""
    return {
        "会议": [
            list(MEETING_HEAD),
            [
                "T1",
                "测试会议",
                "机密",
                "一号会议室",
                "2026-12-01 09:00",
                "2026-12-01 17:00",
                "办公室",
                "赵官",
                "是",
            ],
        ],
        "参会人员": [
            list(PEOPLE_HEAD),
            ["A001", "张三", "甲单位", "处长", "否", "机密", "P001", "04A1A2A3A4A5A6"],
            ["A002", "李四", "乙单位", "科员", "是", "机密", "P002", "04B1B2B3B4B5B6"],
            ["A003", "王五", "甲单位", "科员", "否", "秘密", "P003", None],
        ],
        "文件": [
            list(DOCS_HEAD),
            ["F-01", "计划", "机密", 2, "是", "否"],
            ["F-02", "须知", "秘密", 1, "否", "是"],
        ],
        "标签绑定": [
            list(TAGS_HEAD),
            ["F-01", 1, "04C1C2C3C4C5C1"],
            ["F-01", 2, "04C1C2C3C4C5C2"],
            ["F-02", 1, "04C1C2C3C4C5C3"],
        ],
    }


def workbook(rows: dict[str, list[list[object]]]) -> Workbook:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, data in rows.items():
        ws = wb.create_sheet(name)
        for r in data:
            ws.append(r)
    return wb


def save(wb: Workbook, path: Path) -> None:
    wb.save(path)


@dataclass
class Case:
    """A corpus file: how to build it, and what the import must say (or that it imports)."""

    name: str
    build: Callable[[Path], None]
    expect: list[str] = field(default_factory=list)  # each must appear in the refusal
    imports: bool = False
    check: dict[str, object] = field(default_factory=dict)  # values after a good import
    needs_existing: bool = False  # import the base meeting first (for "already bound")


def rows_case(mutate: Callable[[dict[str, list[list[object]]]], None]) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        rows = base_rows()
        mutate(rows)
        save(workbook(rows), path)

    return build


def _set(
    sheet: str, row: int, col: int, value: object
) -> Callable[[dict[str, list[list[object]]]], None]:
    def mutate(rows: dict[str, list[list[object]]]) -> None:
        rows[sheet][row - 1][col] = value

    return mutate


def _drop_column(sheet: str, col: int) -> Callable[[dict[str, list[list[object]]]], None]:
    def mutate(rows: dict[str, list[list[object]]]) -> None:
        for r in rows[sheet]:
            del r[col]

    return mutate


def _english(rows: dict[str, list[list[object]]]) -> None:
    rows["Meeting"] = [
        [
            "code",
            "title",
            "level",
            "venue",
            "starts_at",
            "ends_at",
            "organizer",
            "officer",
            "requires_passes",
        ],
        rows.pop("会议")[1],
    ]
    rows["Attendees"] = [
        ["code", "name", "unit", "title", "out_of_town", "clearance", "pass_number", "pass_uid"],
        *rows.pop("参会人员")[1:],
    ]
    rows["Documents"] = [
        ["number", "title", "level", "copies", "collect_at_breaks", "may_take_away"],
        *rows.pop("文件")[1:],
    ]
    rows["Tags"] = [["document", "copy", "uid"], *rows.pop("标签绑定")[1:]]


def _xls(path: Path) -> None:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)


def _csv(path: Path) -> None:
    path.write_text("人员编号,姓名\nA001,张三\n", encoding="utf-8")


def _encrypted(path: Path) -> None:
    import msoffcrypto.format.ooxml as ooxml  # type: ignore[import-untyped]

    plain = io.BytesIO()
    workbook(base_rows()).save(plain)
    plain.seek(0)
    with path.open("wb") as out:
        ooxml.OOXMLFile(plain).encrypt("secret", out)


def _corrupt(path: Path) -> None:
    buf = io.BytesIO()
    workbook(base_rows()).save(buf)
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])


def _not_a_workbook_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not excel")


def _merged(path: Path) -> None:
    wb = workbook(base_rows())
    wb["参会人员"].merge_cells("C2:C3")
    save(wb, path)


def _formula(path: Path) -> None:
    rows = base_rows()
    rows["文件"][1][3] = "=1+1"
    save(workbook(rows), path)


def _hidden(path: Path) -> None:
    wb = workbook(base_rows())
    wb["标签绑定"].sheet_state = "hidden"
    save(wb, path)


def _blank_rows(path: Path) -> None:
    from openpyxl.styles import Border, PatternFill, Side

    wb = workbook(base_rows())
    ws = wb["参会人员"]
    fill = PatternFill("solid", fgColor="FFFF00")
    border = Border(bottom=Side(style="thin"))
    for r in range(5, 10_005):
        for c in (1, 2):
            cell = ws.cell(row=r, column=c)
            cell.fill, cell.border = fill, border
    save(wb, path)


def _fullwidth(rows: dict[str, list[list[object]]]) -> None:
    rows["参会人员"][1][0] = "Ａ００１ "
    rows["参会人员"][1][6] = " Ｐ００１"
    rows["文件"][1][0] = "Ｆ－０１"  # full-width hyphen normalises too
    rows["文件"][1][3] = "２"
    rows["标签绑定"][1][0] = "F-01 "
    rows["标签绑定"][1][1] = "１"


def _text_numbers(rows: dict[str, list[list[object]]]) -> None:
    rows["文件"][1][3] = "2"
    rows["标签绑定"][2][1] = " 2 "


def _uid_formats(rows: dict[str, list[list[object]]]) -> None:
    rows["参会人员"][1][7] = "04:a1:a2:a3:a4:a5:a6"
    rows["标签绑定"][1][2] = "04-c1-c2-c3-c4-c5-c1"
    rows["标签绑定"][2][2] = "04 c1 c2 c3 c4 c5 c2"


CASES = [
    # --- the core issue's matrix ---
    Case(
        "missing_column.xlsx",
        rows_case(_drop_column("参会人员", 1)),
        ["参会人员 第1行 [姓名]：缺少此列"],
    ),
    Case(
        "missing_sheet.xlsx",
        rows_case(lambda r: r.pop("文件")),
        ["文件：缺少此工作表", "标签绑定 第2行 [文件编号]：文件编号 F-01 不在“文件”表中"],
    ),
    Case(
        "bad_level.xlsx",
        rows_case(_set("文件", 2, 2, "机蜜")),
        ["文件 第2行 [密级]：密级“机蜜”无效"],
    ),
    Case(
        "bad_clearance.xlsx",
        rows_case(_set("参会人员", 3, 5, "高")),
        ["参会人员 第3行 [知悉级别]：密级“高”无效"],
    ),
    Case(
        "duplicate_attendee.xlsx",
        rows_case(_set("参会人员", 3, 0, "A001")),
        ["参会人员 第3行 [人员编号]：人员编号 A001 重复（与第2行）"],
    ),
    Case(
        "duplicate_document.xlsx",
        rows_case(_set("文件", 3, 0, "F-01")),
        ["文件 第3行 [文件编号]：文件编号 F-01 重复（与第2行）"],
    ),
    Case(
        "copies_zero.xlsx",
        rows_case(_set("文件", 2, 3, 0)),
        ["文件 第2行 [份数]：“0”不是 1 到 10000 之间的整数"],
    ),
    Case(
        "copies_fraction.xlsx",
        rows_case(_set("文件", 2, 3, 2.5)),
        ["文件 第2行 [份数]：“2.5”不是 1 到 10000 之间的整数"],
    ),
    Case(
        "copies_text.xlsx",
        rows_case(_set("文件", 2, 3, "两份")),
        ["文件 第2行 [份数]：“两份”不是 1 到 10000 之间的整数"],
    ),
    Case(
        "copies_missing.xlsx", rows_case(_set("文件", 2, 3, None)), ["文件 第2行 [份数]：不能为空"]
    ),
    Case(
        "duplicate_uid.xlsx",
        rows_case(_set("标签绑定", 3, 2, "04C1C2C3C4C5C1")),
        ["标签绑定 第3行 [标签UID]：标签 04C1C2C3C4C5C1 重复（已用于 标签绑定第2行）"],
    ),
    Case(
        "duplicate_uid_pass_and_copy.xlsx",
        rows_case(_set("标签绑定", 2, 2, "04A1A2A3A4A5A6")),
        ["标签绑定 第2行 [标签UID]：标签 04A1A2A3A4A5A6 重复（已用于 参会人员第2行）"],
    ),
    Case(
        "malformed_uid.xlsx",
        rows_case(_set("标签绑定", 2, 2, "04C1C2ZZ")),
        ["标签绑定 第2行 [标签UID]：标签 UID 格式错误：04C1C2ZZ"],
    ),
    Case(
        "short_uid.xlsx",
        rows_case(_set("参会人员", 2, 7, "04A1A2")),
        ["参会人员 第2行 [会议证标签UID]：标签 UID 格式错误：04A1A2"],
    ),
    Case(
        "copy_beyond_count.xlsx",
        rows_case(_set("标签绑定", 4, 1, 2)),
        ["标签绑定 第4行 [份号]：份号 2 超出份数 1"],
    ),
    Case(
        "copy_bound_twice.xlsx",
        rows_case(_set("标签绑定", 3, 1, 1)),
        ["标签绑定 第3行 [份号]：F-01 第1份 重复绑定（与第2行）"],
    ),
    Case(
        "unknown_document.xlsx",
        rows_case(_set("标签绑定", 2, 0, "F-99")),
        ["标签绑定 第2行 [文件编号]：文件编号 F-99 不在“文件”表中"],
    ),
    Case(
        "document_above_meeting.xlsx",
        rows_case(_set("文件", 2, 2, "绝密")),
        ["文件 第2行 [密级]：文件密级 绝密 高于会议密级 机密"],
    ),
    Case(
        "bad_boolean.xlsx",
        rows_case(_set("参会人员", 2, 4, "也许")),
        ["参会人员 第2行 [外地代表]：“也许”不是 是/否"],
    ),
    Case(
        "bad_date.xlsx",
        rows_case(_set("会议", 2, 4, "下周一")),
        ["会议 第2行 [开始时间]：“下周一”不是日期时间"],
    ),
    Case(
        "two_meeting_rows.xlsx",
        rows_case(lambda r: r["会议"].append(list(r["会议"][1]))),
        ["会议：应恰好填写一行会议信息，实有 2 行"],
    ),
    Case(
        "missing_name.xlsx",
        rows_case(_set("参会人员", 2, 1, None)),
        ["参会人员 第2行 [姓名]：不能为空"],
    ),
    Case(
        "uid_bound_elsewhere.xlsx",
        rows_case(
            lambda r: (_set("会议", 2, 0, "T2")(r), _set("参会人员", 2, 7, "04C1C2C3C4C5C1")(r))
        ),
        ["参会人员 第2行 [会议证标签UID]：标签 04C1C2C3C4C5C1 已在数据库中绑定"],
        needs_existing=True,
    ),
    Case(
        "meeting_exists.xlsx",
        rows_case(lambda r: None),
        ["会议 第2行 [会议代号]：会议代号 T1 已存在"],
        needs_existing=True,
    ),
    Case(
        "english_names.xlsx",
        rows_case(_english),
        imports=True,
        check={"attendees": 3, "copies": 3, "tags": 3},
    ),
    # --- files real users produce ---
    Case("renamed_xls.xlsx", _xls, ["旧版 Excel (.xls) 文件或带密码保护的工作簿"]),
    Case("renamed_csv.xlsx", _csv, ["不是 Excel .xlsx 文件（可能是 CSV"]),
    Case("password.xlsx", _encrypted, ["带密码保护的工作簿"]),
    Case("corrupt.xlsx", _corrupt, ["文件已损坏，无法读取"]),
    Case("zip_not_excel.xlsx", _not_a_workbook_zip, ["文件已损坏，无法读取"]),
    Case("merged_cells.xlsx", _merged, ["参会人员 第2行：含合并单元格 C2:C3，请取消合并"]),
    Case("formula.xlsx", _formula, ["文件 第2行 [份数]：单元格含公式，请复制后“粘贴为数值”"]),
    Case("hidden_sheet.xlsx", _hidden, imports=True, check={"tags": 3}),
    Case("blank_formatted_rows.xlsx", _blank_rows, imports=True, check={"attendees": 3}),
    Case(
        "fullwidth_codes.xlsx",
        rows_case(_fullwidth),
        imports=True,
        check={
            "attendee_codes": ["A001", "A002", "A003"],
            "pass_numbers": ["P001", "P002", "P003"],
            "document_numbers": ["F-01", "F-02"],
            "tags": 3,
        },
    ),
    Case(
        "numbers_as_text.xlsx",
        rows_case(_text_numbers),
        imports=True,
        check={"copies": 3, "tags": 3},
    ),
    Case(
        "uid_separators_lowercase.xlsx",
        rows_case(_uid_formats),
        imports=True,
        check={
            "uids": [
                "04A1A2A3A4A5A6",
                "04B1B2B3B4B5B6",
                "04C1C2C3C4C5C1",
                "04C1C2C3C4C5C2",
                "04C1C2C3C4C5C3",
            ]
        },
    ),
]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    base = OUT / "good_base.xlsx"
    save(workbook(base_rows()), base)
    for case in CASES:
        case.build(OUT / case.name)
    lines = ["# Import corpus: file → expected result", ""]
    for case in CASES:
        lines.append(
            f"- `{case.name}`: "
            + ("imports" if case.imports else "refused: " + " / ".join(case.expect))
        )
    (OUT / "EXPECTED.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(CASES) + 1} workbooks to {OUT}")


if __name__ == "__main__":
    main()
