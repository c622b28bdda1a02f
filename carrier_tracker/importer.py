"""Import of a meeting workbook: validate the whole file, then write all of it or nothing."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlmodel import Session, col, select

from . import messages
from .custody import append_admin_event
from .enums import Action, CarrierKind, Level
from .errors import ImportProblems
from .models import Attendee, Carrier, Document, Meeting
from .uids import BadUid, normalize_uid
from .workbook_schema import ATTENDEES, DOCUMENTS, MEETING, SHEETS, TAGS, Sheet

MAX_COPIES = 10_000
_TRUE = {"是", "y", "yes", "true", "1", "✓", "√", "对", "t"}
_FALSE = {"否", "n", "no", "false", "0", "", "×", "x", "f"}
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the workbook, located by sheet, row and column."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.sheet
        if self.row is not None:
            where += f" 第{self.row}行"
        if self.column:
            where += f" [{self.column}]"
        return f"{where}：{self.message}"


@dataclass
class _Row:
    number: int
    values: dict[str, Any]


@dataclass
class ImportResult:
    """What an import wrote."""

    meeting_code: str
    attendees: int
    documents: int
    copies: int
    tags: int
    pass_tags: int
    sha256: str


@dataclass
class _Parsed:
    problems: list[Problem] = field(default_factory=list)
    rows: dict[str, list[_Row]] = field(default_factory=dict)

    def add(self, sheet: Sheet, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(sheet.name, row, column, message))


def clean_text(value: Any) -> str:
    """A cell as free text (names, titles): runs of white space folded, trimmed.

    Full-width punctuation in Chinese text is kept as typed.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACES.sub(" ", str(value)).strip()


def clean_code(value: Any) -> str:
    """A code, number or keyword: NFKC-normalised (full-width digits, letters, hyphens and
    spaces become ASCII) with every space removed."""
    return unicodedata.normalize("NFKC", clean_text(value)).replace(" ", "")


def _header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", clean_text(text)).lower().rstrip("*").strip()
    return re.split(r"[（(]", text, maxsplit=1)[0].strip()


def _match_sheet(spec: Sheet, names: list[str]) -> str | None:
    wanted = {_header_key(spec.name), *(_header_key(a) for a in spec.aliases)}
    return next((n for n in names if _header_key(n) in wanted), None)


def _read_workbook(path: Path) -> Any:
    """Open the file with openpyxl, turning every way it can fail into one clear problem."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    where = path.name
    try:
        head = path.read_bytes()[:8]
    except OSError as e:
        raise ImportProblems([], f"无法读取文件 {path}：{e.strerror or e}") from e
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportProblems(
            [], f"{where}：这是旧版 Excel (.xls) 文件或带密码保护的工作簿，请去掉密码并另存为 .xlsx 后再导入"
        )
    if not head.startswith(b"PK"):
        raise ImportProblems(
            [], f"{where}：不是 Excel .xlsx 文件（可能是 CSV 或其他文件改了扩展名），请用 Excel 另存为 .xlsx"
        )
    try:
        return openpyxl.load_workbook(path, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError) as e:
        raise ImportProblems([], f"{where}：文件已损坏，无法读取（{type(e).__name__}）") from e


def _read_sheet(parsed: _Parsed, spec: Sheet, ws: Any) -> None:
    rows = list(ws.iter_rows())
    if not rows:
        parsed.add(spec, None, None, "工作表为空，缺少表头")
        return
    header_cells = rows[0]
    index: dict[str, int] = {}
    for col_spec in spec.columns:
        names = {_header_key(col_spec.header), *(_header_key(a) for a in col_spec.aliases)}
        for i, cell in enumerate(header_cells):
            if cell.value is not None and _header_key(str(cell.value)) in names:
                index[col_spec.key] = i
                break
        else:
            if col_spec.required:
                parsed.add(spec, 1, col_spec.header, "缺少此列")
    merged = [r for r in ws.merged_cells.ranges if r.max_row >= 2]
    for rng in merged:
        parsed.add(spec, rng.min_row, None, f"含合并单元格 {rng.coord}，请取消合并并逐行填写")
    out: list[_Row] = []
    for row in rows[1:]:
        values: dict[str, Any] = {}
        blank = True
        for key, i in index.items():
            cell = row[i] if i < len(row) else None
            value = cell.value if cell is not None else None
            if cell is not None and cell.data_type == "f":
                parsed.add(spec, cell.row, spec.column(key).header, "单元格含公式，请复制后“粘贴为数值”")
                value = None
            if isinstance(value, str) and not value.strip():
                value = None
            if value is not None:
                blank = False
            values[key] = value
        if not blank:
            out.append(_Row(row[0].row, values))
    parsed.rows[spec.key] = out


def _level(parsed: _Parsed, spec: Sheet, row: _Row, key: str) -> Level | None:
    raw = clean_code(row.values.get(key))
    header = spec.column(key).header
    if not raw:
        parsed.add(spec, row.number, header, "不能为空")
        return None
    try:
        return Level.parse(raw)
    except ValueError:
        parsed.add(spec, row.number, header, f"密级“{raw}”无效，应为 秘密、机密、绝密 或 内部")
        return None


def _bool(parsed: _Parsed, spec: Sheet, row: _Row, key: str, default: bool) -> bool:
    value = row.values.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    raw = clean_code(value).lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    parsed.add(spec, row.number, spec.column(key).header, f"“{clean_text(value)}”不是 是/否")
    return default


def _required(parsed: _Parsed, spec: Sheet, row: _Row, key: str, clean: Callable[[Any], str] = clean_text) -> str:
    text = clean(row.values.get(key))
    if not text:
        parsed.add(spec, row.number, spec.column(key).header, "不能为空")
    return text


def _positive_int(parsed: _Parsed, spec: Sheet, row: _Row, key: str, maximum: int) -> int | None:
    value = row.values.get(key)
    header = spec.column(key).header
    if value is None:
        parsed.add(spec, row.number, header, "不能为空")
        return None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        raw = clean_code(value)
        number = int(raw) if raw.isascii() and raw.isdigit() else None
    if number is None or not 1 <= number <= maximum:
        parsed.add(spec, row.number, header, f"“{clean_text(value)}”不是 1 到 {maximum} 之间的整数")
        return None
    return number


def _datetime(parsed: _Parsed, spec: Sheet, row: _Row, key: str, tz: ZoneInfo | None) -> datetime | None:
    value = row.values.get(key)
    if value is None:
        return None
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, date):
        result = datetime.combine(value, time())
    else:
        raw = unicodedata.normalize("NFKC", clean_text(value)).replace("/", "-").replace("T", " ")
        try:
            result = datetime.fromisoformat(raw)
        except ValueError:
            parsed.add(spec, row.number, spec.column(key).header, f"“{raw}”不是日期时间，应如 2026-12-01 09:00")
            return None
    if result.tzinfo is None:
        result = result.replace(tzinfo=tz) if tz else result.astimezone()
    return result.astimezone(UTC)  # stored in UTC (SQLite keeps no offset), shown in local time


def _uid(parsed: _Parsed, spec: Sheet, row: _Row, key: str, seen: dict[str, str], where: str) -> str | None:
    value = row.values.get(key)
    if value is None:
        return None
    header = spec.column(key).header
    try:
        uid = normalize_uid(value)
    except BadUid as e:
        parsed.add(spec, row.number, header, str(e))
        return None
    if uid in seen:
        parsed.add(spec, row.number, header, f"标签 {uid} 重复（已用于 {seen[uid]}）")
        return None
    seen[uid] = where
    return uid


def validate(path: Path, session: Session, *, tz: ZoneInfo | None = None) -> tuple[_Parsed, dict[str, Any]]:
    """Read and validate a workbook without writing anything.

    Returns:
        The parse (with every problem) and the cleaned data ready to write.
    """
    wb = _read_workbook(path)
    parsed = _Parsed()
    names = list(wb.sheetnames)
    for spec in SHEETS:
        found = _match_sheet(spec, names)
        if found is None:
            if not spec.optional:
                parsed.add(spec, None, None, "缺少此工作表")
            parsed.rows[spec.key] = []
            continue
        _read_sheet(parsed, spec, wb[found])

    data: dict[str, Any] = {"meeting": None, "attendees": [], "documents": [], "tags": []}
    seen_uids: dict[str, str] = {}

    # 会议
    meeting_rows = parsed.rows.get("meeting", [])
    if _match_sheet(MEETING, names) is not None and len(meeting_rows) != 1:
        parsed.add(MEETING, None, None, f"应恰好填写一行会议信息，实有 {len(meeting_rows)} 行")
    meeting_level: Level | None = None
    if meeting_rows:
        row = meeting_rows[0]
        code = _required(parsed, MEETING, row, "code", clean_code)
        title = _required(parsed, MEETING, row, "title")
        meeting_level = _level(parsed, MEETING, row, "level")
        if code and session.exec(select(Meeting.id).where(Meeting.code == code)).first() is not None:
            parsed.add(MEETING, row.number, MEETING.column("code").header, messages.text("meeting_exists", code=code))
        starts = _datetime(parsed, MEETING, row, "starts_at", tz)
        ends = _datetime(parsed, MEETING, row, "ends_at", tz)
        if starts and ends and ends < starts:
            parsed.add(MEETING, row.number, MEETING.column("ends_at").header, "结束时间早于开始时间")
        data["meeting"] = {
            "code": code,
            "title": title,
            "level": meeting_level.value if meeting_level else "",
            "venue": clean_text(row.values.get("venue")),
            "starts_at": starts,
            "ends_at": ends,
            "organizer": clean_text(row.values.get("organizer")),
            "officer": clean_text(row.values.get("officer")),
            "requires_passes": _bool(
                parsed, MEETING, row, "requires_passes",
                default=bool(meeting_level and meeting_level.rank >= Level.JIMI.rank),
            ),
        }

    # 参会人员
    codes: dict[str, int] = {}
    pass_numbers: dict[str, int] = {}
    for row in parsed.rows.get("attendees", []):
        code = _required(parsed, ATTENDEES, row, "code", clean_code)
        name = _required(parsed, ATTENDEES, row, "name")
        clearance = _level(parsed, ATTENDEES, row, "clearance")
        if code in codes:
            parsed.add(ATTENDEES, row.number, ATTENDEES.column("code").header, f"人员编号 {code} 重复（与第{codes[code]}行）")
        elif code:
            codes[code] = row.number
        pass_number = clean_code(row.values.get("pass_number"))
        if pass_number in pass_numbers:
            parsed.add(ATTENDEES, row.number, ATTENDEES.column("pass_number").header, f"会议证号 {pass_number} 重复（与第{pass_numbers[pass_number]}行）")
        elif pass_number:
            pass_numbers[pass_number] = row.number
        uid = _uid(parsed, ATTENDEES, row, "pass_uid", seen_uids, f"参会人员第{row.number}行")
        data["attendees"].append({
            "code": code,
            "name": name,
            "unit": clean_text(row.values.get("unit")),
            "title": clean_text(row.values.get("title")),
            "out_of_town": _bool(parsed, ATTENDEES, row, "out_of_town", default=False),
            "clearance": clearance.value if clearance else "",
            "pass_number": pass_number,
            "pass_uid": uid,
        })

    # 文件
    documents: dict[str, tuple[int, int]] = {}
    for row in parsed.rows.get("documents", []):
        number = _required(parsed, DOCUMENTS, row, "number", clean_code)
        title = _required(parsed, DOCUMENTS, row, "title")
        level = _level(parsed, DOCUMENTS, row, "level")
        copies = _positive_int(parsed, DOCUMENTS, row, "copies", MAX_COPIES)
        if level and meeting_level and level.rank > meeting_level.rank:
            parsed.add(DOCUMENTS, row.number, DOCUMENTS.column("level").header, f"文件密级 {level.value} 高于会议密级 {meeting_level.value}")
        if number in documents:
            parsed.add(DOCUMENTS, row.number, DOCUMENTS.column("number").header, f"文件编号 {number} 重复（与第{documents[number][0]}行）")
        elif number:
            documents[number] = (row.number, copies or 0)
        data["documents"].append({
            "number": number,
            "title": title,
            "level": level.value if level else "",
            "copies": copies or 0,
            "collect_at_breaks": _bool(parsed, DOCUMENTS, row, "collect_at_breaks", default=False),
            "may_take_away": _bool(parsed, DOCUMENTS, row, "may_take_away", default=False),
        })

    # 标签绑定
    bound: dict[tuple[str, int], int] = {}
    for row in parsed.rows.get("tags", []):
        doc_no = _required(parsed, TAGS, row, "document", clean_code)
        copy_no = _positive_int(parsed, TAGS, row, "copy", MAX_COPIES)
        if doc_no and doc_no not in documents:
            parsed.add(TAGS, row.number, TAGS.column("document").header, f"文件编号 {doc_no} 不在“文件”表中")
        elif doc_no and copy_no and documents[doc_no][1] and copy_no > documents[doc_no][1]:
            parsed.add(TAGS, row.number, TAGS.column("copy").header, f"份号 {copy_no} 超出份数 {documents[doc_no][1]}")
        elif doc_no and copy_no and (doc_no, copy_no) in bound:
            parsed.add(TAGS, row.number, TAGS.column("copy").header, f"{doc_no} 第{copy_no}份 重复绑定（与第{bound[(doc_no, copy_no)]}行）")
        elif doc_no and copy_no:
            bound[(doc_no, copy_no)] = row.number
        if row.values.get("uid") is None:
            parsed.add(TAGS, row.number, TAGS.column("uid").header, "不能为空")
        uid = _uid(parsed, TAGS, row, "uid", seen_uids, f"标签绑定第{row.number}行")
        if uid and doc_no and copy_no:
            data["tags"].append((doc_no, copy_no, uid))

    # UIDs already bound in the database (any meeting).
    if seen_uids:
        taken: set[str | None] = set()
        uids = list(seen_uids)
        for i in range(0, len(uids), 500):
            taken.update(session.exec(select(Carrier.tag_uid).where(col(Carrier.tag_uid).in_(uids[i:i + 500]))).all())
        for problem_uid in sorted(u for u in taken if u):
            parsed.problems.append(Problem(
                "标签绑定" if seen_uids[problem_uid].startswith("标签") else "参会人员",
                int(re.findall(r"\d+", seen_uids[problem_uid])[0]),
                "标签UID" if seen_uids[problem_uid].startswith("标签") else "会议证标签UID",
                f"标签 {problem_uid} 已在数据库中绑定（其他会议或载体）",
            ))
    return parsed, data


def import_workbook(
    *, session: Session, key: bytes, path: Path, operator: str = "", tz: ZoneInfo | None = None,
    progress: Callable[[str], None] | None = None, now: datetime | None = None,
) -> ImportResult:
    """Validate a workbook and, if it has no problem, write the whole meeting.

    Raises:
        ImportProblems: the file cannot be read or has problems (all listed); nothing written.
    """
    say = progress or (lambda _msg: None)
    say("正在检查工作簿…")
    parsed, data = validate(path, session, tz=tz)
    if parsed.problems:
        lines = [f"{path.name} 有 {len(parsed.problems)} 处问题，未导入任何数据："]
        lines += [f"  {p}" for p in parsed.problems]
        raise ImportProblems(list(parsed.problems), "\n".join(lines))
    say("检查通过，正在写入…")
    meeting = Meeting(**data["meeting"])
    session.add(meeting)
    session.flush()
    assert meeting.id is not None
    attendees = [Attendee(meeting_id=meeting.id, **{k: v for k, v in a.items() if k != "pass_uid"}) for a in data["attendees"]]
    session.add_all(attendees)
    documents = [Document(meeting_id=meeting.id, **d) for d in data["documents"]]
    session.add_all(documents)
    session.flush()
    tags = {(doc, copy): uid for doc, copy, uid in data["tags"]}
    carriers: list[dict[str, Any]] = []
    for person, row in zip(attendees, data["attendees"], strict=True):
        carriers.append({
            "meeting_id": meeting.id, "kind": CarrierKind.PASS.value, "document_id": None,
            "copy_number": None, "owner_id": person.id, "tag_uid": row["pass_uid"],
            "state": "registered", "version": 0,
        })
    for doc in documents:
        for n in range(1, doc.copies + 1):
            carriers.append({
                "meeting_id": meeting.id, "kind": CarrierKind.COPY.value, "document_id": doc.id,
                "copy_number": n, "owner_id": None, "tag_uid": tags.get((doc.number, n)),
                "state": "registered", "version": 0,
            })
    for i in range(0, len(carriers), 5000):
        session.execute(insert(Carrier), carriers[i:i + 5000])
        say(f"已写入载体 {min(i + 5000, len(carriers))}/{len(carriers)}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    copies = sum(d.copies for d in documents)
    pass_tags = sum(1 for a in data["attendees"] if a["pass_uid"])
    append_admin_event(
        session=session, key=key, meeting=meeting, action=Action.IMPORT, operator=operator,
        note=(f"导入 {path.name}：人员 {len(attendees)}，文件 {len(documents)}，份数 {copies}，"
              f"文件标签 {len(tags)}，会议证标签 {pass_tags}，SHA-256 {digest}"),
        now=now,
    )
    return ImportResult(meeting.code, len(attendees), len(documents), copies, len(tags), pass_tags, digest)


def write_template(path: Path) -> None:
    """Write an empty import workbook: instructions plus every sheet with its headers."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    from .workbook_schema import INSTRUCTIONS

    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "说明"
    for i, line in enumerate(INSTRUCTIONS, start=1):
        info.cell(row=i, column=1, value=line).font = Font(bold=i == 1, size=14 if i == 1 else 11)
    info.column_dimensions["A"].width = 100
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for spec in SHEETS:
        ws = wb.create_sheet(spec.name)
        for j, column in enumerate(spec.columns, start=1):
            cell = ws.cell(row=1, column=j, value=column.header)
            cell.font, cell.fill = bold, fill
            if column.hint or column.required:
                cell.comment = Comment(("必填。" if column.required else "选填。") + column.hint, "carrier-tracker")
            ws.column_dimensions[cell.column_letter].width = column.width
        ws.freeze_panes = "A2"
    wb.save(path)
