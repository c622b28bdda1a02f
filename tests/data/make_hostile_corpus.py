"""Build the hostile-input corpus: ``python tests/data/make_hostile_corpus.py [DIR]``.

Two kinds of case, each with what the program must do:

- ``CLI_CASES``: a command line with hostile text (too long, control or invisible characters,
  empty, undecodable bytes, paths that cannot work, databases that are not ours) — exit 2, the
  exact first line of stderr, and nothing changed. Run by
  ``tests/integration/test_hostile_cli.py`` against every command that takes text.
- ``WORKBOOKS``: workbooks built byte by byte (a cell at ZZ100000, a million rows, an XML
  "billion laughs", a zip bomb, a file over the size limit, …), refused with one clear first
  line. Run by ``tests/integration/test_hostile_import.py``.

``main`` writes the small workbooks and ``EXPECTED.md`` to DIR (default
``tests/data/hostile/``) for people to open; the large ones are built only in tests.
"""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

if __name__ == "__main__":  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.data.make_corpus import DOCS_HEAD, MEETING_HEAD, PEOPLE_HEAD  # the sheets' header rows

HERE = Path(__file__).resolve().parent
OUT = HERE / "hostile"

CODE = "HY2026-12"
CONSIGNMENT = "JY-2026-001"  # opened in the corpus database before the cases run

ZW = "\u200b"  # zero-width space
RLO = "\u202e"  # right-to-left override: makes "gpj.exe" look like "exe.jpg"
ESC = "\x1b"


def long(n: int, ch: str = "x") -> str:
    return ch * n


@dataclass(frozen=True)
class CliCase:
    """A command line that must be refused: exit 2, ``first_line`` exactly, nothing changed.

    ``{CODE}``, ``{UID}``, ``{OUT}`` (a scratch directory), ``{DB}`` (the database URL) and
    ``{NOTDB}``/``{NEWER}``/``{MISSINGDIR}``/``{MISSINGFILE}`` (database URLs of the cases) are
    substituted in ``argv``, ``env`` and ``first_line``.
    """

    name: str
    argv: tuple[str, ...]
    first_line: str
    env: dict[str, str] = field(default_factory=dict)
    exit: int = 2


def _tap(*extra: str) -> tuple[str, ...]:
    return ("tap", "{CODE}", "--mode", "issue", "--attendee", "A001", *extra, "{UID}")


_LONG_NAME = long(300, "名")  # 900 bytes in UTF-8: over NAME_MAX (255 bytes)

CLI_CASES: list[CliCase] = [
    # --- who and what a tap records (DataError with SQL on PostgreSQL before) ---
    CliCase(
        "tap_operator_too_long",
        _tap("--operator", long(101)),
        "错误：--operator（操作员）过长：101 个字符，最多 100 个",
    ),
    CliCase(
        "tap_station_too_long",
        _tap("--station", long(101)),
        "错误：--station（工作台）过长：101 个字符，最多 100 个",
    ),
    CliCase(
        "tap_note_too_long",
        _tap("--note", long(1001)),
        "错误：--note（说明）过长：1001 个字符，最多 1000 个",
    ),
    CliCase(
        "tap_note_10mb",
        _tap("--note", long(10 * 2**20, "密")),
        "错误：--note（说明）过长：10485760 个字符，最多 1000 个",
    ),
    CliCase(
        "tap_note_escape",
        _tap("--note", f"a{ESC}[2Jb"),
        "错误：--note（说明）含控制字符或不可见字符 U+001B（第 2 个字符），请删除后重试",
    ),
    CliCase("tap_operator_empty", _tap("--operator", ""), "错误：--operator（操作员）不能为空"),
    CliCase("tap_operator_blank", _tap("--operator", "   "), "错误：--operator（操作员）不能为空"),
    CliCase(
        "tap_operator_rlo",
        _tap("--operator", f"张三{RLO}exe"),
        "错误：--operator（操作员）含控制字符或不可见字符 U+202E（第 3 个字符），请删除后重试",
    ),
    CliCase(
        "tap_operator_zero_width",
        _tap("--operator", f"赵{ZW}保密"),
        "错误：--operator（操作员）含控制字符或不可见字符 U+200B（第 2 个字符），请删除后重试",
    ),
    CliCase(
        "tap_operator_env_control",
        _tap(),
        "错误：--operator（操作员）含控制字符或不可见字符 U+0007（第 2 个字符），请删除后重试",
        env={"CARRIER_TRACKER_OPERATOR": "孙\x07文管"},
    ),
    CliCase(
        "tap_attendee_too_long",
        ("tap", "{CODE}", "--mode", "issue", "--attendee", long(33, "A"), "{UID}"),
        "错误：--attendee（人员编号）过长：33 个字符，最多 32 个",
    ),
    CliCase(
        "tap_consignment_too_long",
        ("tap", "{CODE}", "--mode", "dispatch", "--consignment", long(65, "K"), "{UID}"),
        "错误：--consignment（机要编号）过长：65 个字符，最多 64 个",
    ),
    CliCase(
        "tap_meeting_too_long",
        ("tap", long(65, "M"), "--mode", "recall", "{UID}"),
        "错误：MEETING（会议代号）过长：65 个字符，最多 64 个",
    ),
    CliCase(
        "tap_meeting_invisible_only",
        ("tap", ZW * 3, "--mode", "recall", "{UID}"),
        "错误：MEETING（会议代号）不能为空",
    ),
    CliCase(
        "tap_bad_utf8",
        ("tap", "{CODE}", "--mode", "recall", "\udcff\udcfe"),
        "错误：第 5 个命令行参数含无效的 UTF-8 字节：\\udcff\\udcfe（请检查终端或脚本的编码）",
    ),
    CliCase(
        "tap_uid_huge",
        ("tap", "{CODE}", "--mode", "recall", long(100_000, "A")),
        "错误：标签 UID 格式错误："
        + long(40, "A")
        + "…（共 100000 个字符）（应为 4、7 或 10 字节的十六进制）",
    ),
    # --- consignments: number and unit required, lengths, look-alike numbers ---
    CliCase(
        "consignment_number_empty",
        ("consignment", "{CODE}", "", "--unit", "某单位"),
        "错误：NO（机要编号）不能为空",
    ),
    CliCase(
        "consignment_number_invisible",
        ("consignment", "{CODE}", f"{ZW}\u2060", "--unit", "某单位"),
        "错误：NO（机要编号）不能为空",
    ),
    CliCase(
        "consignment_unit_empty",
        ("consignment", "{CODE}", "JY-9", "--unit", ""),
        "错误：--unit（接收单位）不能为空",
    ),
    CliCase(
        "consignment_unit_blank",
        ("consignment", "{CODE}", "JY-9", "--unit", "\u3000 "),
        "错误：--unit（接收单位）不能为空",
    ),
    CliCase(
        "consignment_number_too_long",
        ("consignment", "{CODE}", long(65, "K"), "--unit", "某单位"),
        "错误：NO（机要编号）过长：65 个字符，最多 64 个",
    ),
    CliCase(
        "consignment_unit_too_long",
        ("consignment", "{CODE}", "JY-9", "--unit", long(201, "单")),
        "错误：--unit（接收单位）过长：201 个字符，最多 200 个",
    ),
    CliCase(
        "consignment_recipient_too_long",
        ("consignment", "{CODE}", "JY-9", "--unit", "某单位", "--recipient", long(101, "人")),
        "错误：--recipient（接收人）过长：101 个字符，最多 100 个",
    ),
    CliCase(
        "consignment_fullwidth_duplicate",
        ("consignment", "{CODE}", "ＪＹ－２０２６－００１", "--unit", "某单位"),
        "错误：机要编号 JY-2026-001 已存在",
    ),
    CliCase(
        "consignment_zero_width_duplicate",
        ("consignment", "{CODE}", f"JY-2026{ZW}-001", "--unit", "某单位"),
        "错误：机要编号 JY-2026-001 已存在",
    ),
    # --- operators, close, bindings ---
    CliCase(
        "operator_name_too_long",
        ("operator", long(101, "名")),
        "错误：NAME（操作员姓名）过长：101 个字符，最多 100 个",
    ),
    CliCase("operator_name_empty", ("operator", " "), "错误：NAME（操作员姓名）不能为空"),
    CliCase(
        "operator_name_bell",
        ("operator", "王\x07"),
        "错误：NAME（操作员姓名）含控制字符或不可见字符 U+0007（第 2 个字符），请删除后重试",
    ),
    CliCase(
        "close_note_too_long",
        ("close", "{CODE}", "--with-exceptions", "--note", long(1001)),
        "错误：--note（说明）过长：1001 个字符，最多 1000 个",
    ),
    CliCase(
        "bind_copy_huge",
        ("bind", "{CODE}", "HY-01", "99999999999999999999999", "04AABBCCDDEEFF"),
        "错误：份号应为 1 到 10000 之间的整数：99999999999999999999999",
    ),
    CliCase(
        "bind_copy_zero",
        ("bind", "{CODE}", "HY-01", "0", "04AABBCCDDEEFF"),
        "错误：份号应为 1 到 10000 之间的整数：0",
    ),
    CliCase(
        "bind_doc_too_long",
        ("bind", "{CODE}", long(65, "D"), "1", "04AABBCCDDEEFF"),
        "错误：DOC_NO（文件编号）过长：65 个字符，最多 64 个",
    ),
    CliCase(
        "bind_pass_attendee_too_long",
        ("bind-pass", "{CODE}", long(33, "A"), "04AABBCCDDEEFF"),
        "错误：ATTENDEE_CODE（人员编号）过长：33 个字符，最多 32 个",
    ),
    CliCase(
        "status_meeting_escape", ("status", f"{ESC}[31m{ESC}[0m"), "错误：无此会议代号：[31m[0m"
    ),
    # --- files the user names ---
    CliCase(
        "template_missing_dir",
        ("template", "{OUT}/nowhere/t.xlsx"),
        "错误：目录不存在：{OUT}/nowhere",
    ),
    CliCase(
        "template_onto_dir",
        ("template", "{OUT}/adir.xlsx", "--force"),
        "错误：{OUT}/adir.xlsx 是一个目录，请给出文件名",
    ),
    CliCase(
        "template_name_too_long",
        ("template", "{OUT}/" + _LONG_NAME + ".xlsx"),
        "错误：文件名过长：" + long(40, "名") + "…（共 305 个字符）（最多 255 字节）",
    ),
    CliCase(
        "export_missing_dir",
        ("export", "{CODE}", "-o", "{OUT}/nowhere/x.xlsx"),
        "错误：目录不存在：{OUT}/nowhere",
    ),
    CliCase(
        "export_onto_dir",
        ("export", "{CODE}", "-o", "{OUT}/adir.xlsx"),
        "错误：{OUT}/adir.xlsx 是一个目录，请给出文件名",
    ),
    CliCase(
        "export_name_too_long",
        ("export", "{CODE}", "-o", "{OUT}/" + _LONG_NAME + ".xlsx"),
        "错误：文件名过长：" + long(40, "名") + "…（共 305 个字符）（最多 255 字节）",
    ),
    CliCase(
        "export_not_xlsx",
        ("export", "{CODE}", "-o", "{OUT}/x.csv"),
        "错误：输出文件应以 .xlsx 结尾：{OUT}/x.csv",
    ),
    CliCase(
        "carry_list_missing_dir",
        ("carry-list", "{CODE}", "A003", "-o", "{OUT}/nowhere/x.xlsx"),
        "错误：目录不存在：{OUT}/nowhere",
    ),
    CliCase(
        "carry_list_onto_dir",
        ("carry-list", "{CODE}", "A003", "-o", "{OUT}/adir.xlsx"),
        "错误：{OUT}/adir.xlsx 是一个目录，请给出文件名",
    ),
    CliCase(
        "carry_list_attendee_too_long",
        ("carry-list", "{CODE}", long(33, "A"), "-o", "{OUT}/x.xlsx"),
        "错误：ATTENDEE_CODE（人员编号）过长：33 个字符，最多 32 个",
    ),
    CliCase(
        "import_name_too_long",
        ("import", "{OUT}/" + _LONG_NAME + ".xlsx"),
        "错误：文件名过长：" + long(40, "名") + "…（共 305 个字符）（最多 255 字节）",
    ),
    CliCase(
        "import_directory",
        ("import", "{OUT}/adir.xlsx"),
        "错误：{OUT}/adir.xlsx 是一个目录，请给出 .xlsx 文件",
    ),
    # --- databases that are not ours, or not there ---
    CliCase(
        "status_not_a_database",
        ("status", "{CODE}", "--db", "{NOTDB}"),
        "错误：{NOTDB_PATH} 不是 carrier-tracker 的 SQLite 数据库文件（或已损坏）；未做任何修改",
    ),
    CliCase(
        "init_not_a_database",
        ("init", "--db", "{NOTDB}"),
        "错误：{NOTDB_PATH} 不是 carrier-tracker 的 SQLite 数据库文件（或已损坏）；未做任何修改",
    ),
    CliCase(
        "status_newer_schema",
        ("status", "{CODE}", "--db", "{NEWER}"),
        "错误：数据库由更新版本的 carrier-tracker 创建（结构版本 0099，本程序最高 {head}）：请升级本程序；未做任何修改",
    ),
    CliCase(
        "init_newer_schema",
        ("init", "--db", "{NEWER}"),
        "错误：数据库由更新版本的 carrier-tracker 创建（结构版本 0099，本程序最高 {head}）：请升级本程序；未做任何修改",
    ),
    CliCase(
        "db_is_a_directory",
        ("verify", "--db", "sqlite:///{OUT}/adir.xlsx"),
        "错误：数据库路径不是普通文件：{OUT}/adir.xlsx",
    ),
    *[
        CliCase(
            f"db_missing_dir_{argv[0]}",
            (*argv, "--db", "{MISSINGDIR}"),
            "错误：数据库所在目录不存在：{MISSINGDIR_PARENT}（请检查 --db；新建数据库请用 carrier-tracker init）",
        )
        for argv in [
            ("meetings",),
            ("status", "{CODE}"),
            ("verify",),
            ("export", "{CODE}", "-o", "{OUT}/x.xlsx"),
            ("carry-list", "{CODE}", "A003", "-o", "{OUT}/x.xlsx"),
            ("import", "{SAMPLE}"),
            ("tap", "{CODE}", "--mode", "recall", "{UID}"),
            ("bind", "{CODE}", "HY-01", "1", "{UID}"),
            ("bind-pass", "{CODE}", "A001", "{UID}"),
            ("consignment", "{CODE}", "JY-9", "--unit", "某单位"),
            ("close", "{CODE}"),
            ("operator", "王五"),
        ]
    ],
    CliCase(
        "db_missing_file",
        ("status", "{CODE}", "--db", "{MISSINGFILE}"),
        "错误：数据库文件不存在：{MISSINGFILE_PATH}（请检查 --db，或先运行 carrier-tracker init）",
    ),
]


# --- workbooks built byte by byte ----------------------------------------------------------


def _col(n: int) -> str:
    letters = ""
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


Cell = tuple[int, int, object]  # (row, column, value)


def _cell_xml(row: int, col: int, value: object) -> str:
    ref = f"{_col(col)}{row}"
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def _sheet_xml(
    rows: Iterable[tuple[int, Sequence[Cell]]], dimension: str, prolog: str = ""
) -> Iterator[bytes]:
    yield (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{prolog}'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>'
    ).encode()
    batch: list[str] = []
    for number, cells in rows:
        batch.append(
            f'<row r="{number}">' + "".join(_cell_xml(r, c, v) for r, c, v in cells) + "</row>"
        )
        if len(batch) >= 5000:
            yield "".join(batch).encode()
            batch.clear()
    yield ("".join(batch) + "</sheetData></worksheet>").encode()


def _table(
    rows: Sequence[Sequence[object]], start: int = 1
) -> Iterator[tuple[int, Sequence[Cell]]]:
    for i, values in enumerate(rows, start=start):
        yield i, [(i, j, v) for j, v in enumerate(values, start=1) if v is not None]


@dataclass
class RawSheet:
    """One sheet: its rows, the dimension it claims, and optional text before its root."""

    name: str
    rows: Callable[[], Iterable[tuple[int, Sequence[Cell]]]]
    dimension: str = "A1"
    prolog: str = ""


def write_xlsx(path: Path, sheets: Sequence[RawSheet], *, workbook_prolog: str = "") -> None:
    """A minimal, valid .xlsx (inline strings, no styles), streamed: a million rows fit."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ct = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        + "</Types>"
    )
    root_rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{workbook_prolog}<workbook xmlns="{ns}" xmlns:r="{rel_ns}"><sheets>'
        + "".join(
            f'<sheet name="{escape(s.name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, s in enumerate(sheets, start=1)
        )
        + "</sheets></workbook>"
    )
    wb_rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        + "</Relationships>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", root_rels)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", wb_rels)
        for i, sheet in enumerate(sheets, start=1):
            with z.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as out:
                for chunk in _sheet_xml(sheet.rows(), sheet.dimension, sheet.prolog):
                    out.write(chunk)


TAGS_HEAD = ["文件编号", "份号", "标签UID"]


def _uid(n: int) -> str:
    return f"05{n:012X}"


def meeting_sheets(
    *,
    code: str = "HX1",
    people: int = 3,
    docs: Sequence[tuple[str, int]] = (("F-01", 2),),
    tags: int | None = None,
    person: Callable[[int], list[object]] | None = None,
) -> list[RawSheet]:
    """A valid meeting; ``tags`` rows of 标签绑定 (default: one per copy, up to 100,000)."""

    def people_rows() -> Iterator[tuple[int, Sequence[Cell]]]:
        make = person or (
            lambda i: [f"A{i:05d}", f"人员{i}", "某单位", "科员", "否", "机密", f"P{i:05d}", None]
        )
        yield from _table([PEOPLE_HEAD, *(make(i) for i in range(1, people + 1))])

    def tag_rows() -> Iterator[tuple[int, Sequence[Cell]]]:
        yield 1, [(1, j, v) for j, v in enumerate(TAGS_HEAD, start=1)]
        n = 0
        for number, copies in docs:
            for k in range(1, copies + 1):
                n += 1
                if tags is not None and n > tags:
                    return
                yield n + 1, [(n + 1, 1, number), (n + 1, 2, k), (n + 1, 3, _uid(n))]
        while tags is not None and n < tags:  # rows beyond the copies (a runaway sheet)
            n += 1
            yield n + 1, [(n + 1, 1, docs[0][0]), (n + 1, 2, 1), (n + 1, 3, _uid(n))]

    return [
        RawSheet(
            "会议",
            lambda: _table(
                [
                    MEETING_HEAD,
                    [code, "测试会议", "机密", "一号会议室", None, None, "办公室", "赵官", "是"],
                ]
            ),
        ),
        RawSheet("参会人员", people_rows),
        RawSheet(
            "文件",
            lambda: _table([DOCS_HEAD, *([n, f"文件{n}", "机密", c, "否", "否"] for n, c in docs)]),
        ),
        RawSheet("标签绑定", tag_rows),
    ]


_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    + "".join(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">' for i in range(2, 10))
    + "]>\n"
)


def far_cell(path: Path) -> None:
    """The issue's 16 KB workbook: a 参会人员 sheet with its header and one cell at ZZ100000
    (dimension A1:ZZ100000) — a 100,000 × 702 grid to anything that pads rows."""
    write_xlsx(
        path,
        [
            RawSheet(
                "参会人员",
                lambda: [*_table([PEOPLE_HEAD]), (100_000, [(100_000, 702, "x")])],
                "A1:ZZ100000",
            )
        ],
    )


def far_cell_beside_meeting(path: Path) -> None:
    """A good meeting whose 参会人员 sheet also has a stray value at ZZ100000 (never read)."""
    sheets = meeting_sheets()
    people = sheets[1].rows
    sheets[1] = RawSheet(
        "参会人员", lambda: [*people(), (100_000, [(100_000, 702, "stray")])], "A1:ZZ100000"
    )
    write_xlsx(path, sheets)


def million_rows(path: Path) -> None:
    """1,000,000 rows of 标签绑定: refused at the 100,001st, before the rest is read."""
    write_xlsx(path, meeting_sheets(tags=1_000_000))


def too_many_attendees(path: Path) -> None:
    write_xlsx(path, meeting_sheets(people=10_001))


def too_many_copies(path: Path) -> None:
    write_xlsx(path, meeting_sheets(docs=[(f"F-{k:02d}", 10_000) for k in range(1, 12)], tags=0))


def many_problems(path: Path) -> None:
    """200 attendees without a name: 200 problems, 50 listed."""
    write_xlsx(
        path,
        meeting_sheets(
            code="HX-MANY",
            people=200,
            tags=0,
            person=lambda i: [f"A{i:05d}", None, "某单位", "科员", "否", "机密", None, None],
        ),
    )


def laughs_in_sheet(path: Path) -> None:
    sheets = meeting_sheets()
    sheets[1] = RawSheet(
        "参会人员",
        lambda: _table([PEOPLE_HEAD, ["A001", "&lol9;", "x", "x", "否", "机密", None, None]]),
        prolog=_LAUGHS,
    )
    write_xlsx(path, sheets)
    # the sheet's "&lol9;" was escaped by the writer; make it a real entity reference
    _replace_in_zip(path, "xl/worksheets/sheet2.xml", b"&amp;lol9;", b"&lol9;")


def laughs_in_workbook(path: Path) -> None:
    write_xlsx(path, meeting_sheets(), workbook_prolog=_LAUGHS)


def _replace_in_zip(path: Path, member: str, old: bytes, new: bytes) -> None:
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts[member] = parts[member].replace(old, new)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def zip_bomb(path: Path) -> None:
    """A 300 MB worksheet of white space that compresses to a few hundred KB."""
    write_xlsx(path, meeting_sheets())
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as z,
        z.open("xl/worksheets/sheet9.xml", "w", force_zip64=True) as out,
    ):
        block = b" " * 2**20
        for _ in range(300):
            out.write(block)


def too_large_file(path: Path) -> None:
    """21 MB on disk (sparse): refused by its size before anything is read."""
    with path.open("wb") as f:
        f.write(b"PK\x03\x04")
        f.truncate(21 * 2**20)


def invisible_in_name(path: Path) -> None:
    write_xlsx(
        path,
        meeting_sheets(
            people=1,
            person=lambda i: ["A001", f"张{RLO}三", "某单位", "科员", "否", "机密", None, None],
        ),
    )


def overlong_title(path: Path) -> None:
    sheets = meeting_sheets()
    sheets[2] = RawSheet(
        "文件", lambda: _table([DOCS_HEAD, ["F-01", long(301, "标"), "机密", 2, "否", "否"]])
    )
    write_xlsx(path, sheets)


def zero_width_code(path: Path) -> None:
    """The sample meeting's code with a zero-width space: the same meeting, refused as such."""
    write_xlsx(path, meeting_sheets(code=f"HY2026{ZW}-12"))


@dataclass(frozen=True)
class WorkbookCase:
    """A workbook the import must refuse: exit 2, ``first_line`` exactly; ``large`` ones are
    only built by the tests (not written to DIR)."""

    name: str
    build: Callable[[Path], None]
    first_line: str
    large: bool = False
    also: tuple[str, ...] = ()  # further lines that must appear in stderr


WORKBOOKS: list[WorkbookCase] = [
    WorkbookCase(
        "far_cell.xlsx",
        far_cell,
        "far_cell.xlsx 有 2 处问题，未导入任何数据：",
        also=("  会议：缺少此工作表", "  文件：缺少此工作表"),
    ),
    WorkbookCase(
        "million_rows.xlsx",
        million_rows,
        "标签绑定：超过上限 100,000 条绑定，已停止读取；未导入",
        large=True,
    ),
    WorkbookCase(
        "too_many_attendees.xlsx",
        too_many_attendees,
        "参会人员：超过上限 10,000 人，已停止读取；未导入",
        large=True,
    ),
    WorkbookCase(
        "too_many_copies.xlsx", too_many_copies, "文件：份数合计 110,000 超过上限 100,000；未导入"
    ),
    WorkbookCase(
        "many_problems.xlsx",
        many_problems,
        "many_problems.xlsx 有 200 处问题，未导入任何数据：",
        also=("  参会人员 第51行 [姓名]：不能为空", "  ……其余 150 处未列出（共 200 处）"),
    ),
    WorkbookCase(
        "laughs_in_sheet.xlsx",
        laughs_in_sheet,
        "laughs_in_sheet.xlsx：xl/worksheets/sheet2.xml 含 XML 实体声明（DOCTYPE/ENTITY），Excel 不会生成这样的文件，可能是恶意构造；未导入",
    ),
    WorkbookCase(
        "laughs_in_workbook.xlsx",
        laughs_in_workbook,
        "laughs_in_workbook.xlsx：xl/workbook.xml 含 XML 实体声明（DOCTYPE/ENTITY），Excel 不会生成这样的文件，可能是恶意构造；未导入",
    ),
    WorkbookCase(
        "zip_bomb.xlsx",
        zip_bomb,
        "zip_bomb.xlsx：解压后过大（300 MB，上限 200 MB；可能是压缩炸弹），未导入",
        large=True,
    ),
    WorkbookCase(
        "too_large_file.xlsx",
        too_large_file,
        "too_large_file.xlsx：文件过大（21.0 MB，上限 20 MB），未导入",
        large=True,
    ),
    WorkbookCase(
        "invisible_in_name.xlsx",
        invisible_in_name,
        "invisible_in_name.xlsx 有 1 处问题，未导入任何数据：",
        also=(
            "  参会人员 第2行 [姓名]：含控制字符或不可见字符 U+202E（第 2 个字符），请删除后重试",
        ),
    ),
    WorkbookCase(
        "overlong_title.xlsx",
        overlong_title,
        "overlong_title.xlsx 有 1 处问题，未导入任何数据：",
        also=("  文件 第2行 [文件名称]：过长：301 个字符，最多 300 个",),
    ),
    WorkbookCase(
        "zero_width_code.xlsx",
        zero_width_code,
        "zero_width_code.xlsx 有 1 处问题，未导入任何数据：",
        also=("  会议 第2行 [会议代号]：会议代号 HY2026-12 已存在",),
    ),
]


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    out.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Hostile-input corpus: case → exit code and first line of stderr",
        "",
        "Built by `tests/data/make_hostile_corpus.py`; checked by `tests/integration/test_hostile_*.py`.",
        "",
        "## Command lines (exit 2, nothing changed)",
        "",
    ]
    lines += [f"- `{c.name}`: {c.first_line}" for c in CLI_CASES]
    lines += ["", "## Workbooks (`carrier-tracker import FILE`: exit 2, nothing imported)", ""]
    for case in WORKBOOKS:
        if not case.large:
            case.build(out / case.name)
        lines.append(
            f"- `{case.name}`{' (built by the tests only)' if case.large else ''}: {case.first_line}"
        )
    (out / "EXPECTED.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {sum(not c.large for c in WORKBOOKS)} workbooks and EXPECTED.md to {out}")


if __name__ == "__main__":
    main()
