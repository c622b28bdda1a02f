"""Import of a meeting workbook: validate the whole file, then write all of it or nothing."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import xml.parsers.expat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from itertools import islice
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy import select as core_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from carrier_tracker import messages
from carrier_tracker.custody.plan import PlanError, parse_plan
from carrier_tracker.custody.service import append_event, stamp
from carrier_tracker.enums import CarrierKind, Level, MeetingKind
from carrier_tracker.errors import ImportProblems, TextError, os_reason
from carrier_tracker.ledger import codec
from carrier_tracker.ledger import events as ev
from carrier_tracker.meeting.enrollment import where_bound
from carrier_tracker.meeting.pledges import earliest_day
from carrier_tracker.meeting.trips import trip_approver
from carrier_tracker.paper.workbook_schema import (
    ATTENDEES,
    DOCUMENTS,
    FALSE_WORDS,
    MEETING,
    SHEETS,
    TAGS,
    TRUE_WORDS,
    Sheet,
)
from carrier_tracker.storage.models import (
    Attendee,
    Carrier,
    Document,
    Meeting,
    Operator,
    RetiredTag,
    table_of,
)
from carrier_tracker.storage.system_chain import register_meeting
from carrier_tracker.text_fields import check_code, check_text, code_key, normalize_code, printable
from carrier_tracker.uids import BadUid, normalize_uid

MAX_FILE_BYTES = 20 * 2**20
"""A workbook larger than this is refused unread (the largest allowed meeting is ~6 MB)."""
MAX_UNPACKED_BYTES = 200 * 2**20
"""All parts together, uncompressed (the largest allowed meeting: ~40 MB): a zip bomb stops here."""
MAX_SHARED_STRINGS_BYTES = 40 * 2**20
"""The shared-string table is the one part openpyxl holds whole in memory."""
MAX_OTHER_PART_BYTES = 8 * 2**20
"""Styles, workbook, relationships, … (everything but worksheets and shared strings)."""
MAX_PARTS = 1_000
"""Files inside the zip (a workbook has a dozen or two; images add a few)."""
MAX_ATTENDEES = 10_000
MAX_DOCUMENTS = 1_000
MAX_COPIES = 10_000
"""Copies of one document."""
MAX_MEETING_COPIES = 100_000
"""Copies of all documents of one meeting (and so rows of 标签绑定)."""
MAX_MEETING_ROWS = 100
"""Reading 会议 stops here (it must have exactly one row)."""
MAX_HEADER_COLUMNS = 64
"""Headers are looked for in the first 64 columns; anything to the right is never read."""
PROBLEMS_SHOWN = 50
"""A refusal lists the first 50 problems and the total."""

_ROW_LIMITS = {
    "meeting": (MAX_MEETING_ROWS, "import_unit_rows"),
    "attendees": (MAX_ATTENDEES, "import_unit_people"),
    "documents": (MAX_DOCUMENTS, "import_unit_documents"),
    "tags": (MAX_MEETING_COPIES, "import_unit_tags"),
}
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
            where += messages.text("import_problem_row", row=self.row)
        if self.column:
            where += messages.text("import_problem_column", column=self.column)
        return messages.text("import_problem", where=where, message=printable(self.message, 400))


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
    name: str = ""
    digest: str = ""

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
    """A code, number or keyword: :func:`~carrier_tracker.text_fields.normalize_code` of the
    cell's text (NFKC, invisible characters and every space removed)."""
    return normalize_code(clean_text(value))


def _shown(value: Any) -> str:
    """A cell's value as echoed in a problem: escaped and cut short (a cell may hold 32,767
    characters of anything)."""
    return printable(clean_text(value), 40)


def _header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", clean_text(text)).lower().rstrip("*").strip()
    return re.split(r"[（(]", text, maxsplit=1)[0].strip()


def _match_sheet(spec: Sheet, names: list[str]) -> str | None:
    wanted = {_header_key(spec.name), *(_header_key(a) for a in spec.aliases)}
    return next((n for n in names if _header_key(n) in wanted), None)


def _refuse(key: str, **fields: object) -> ImportProblems:
    return ImportProblems([], messages.text(key, **fields))


class _DoctypeFound(Exception):
    pass


class _PrologEnd(Exception):
    pass


def _declares_entities(stream: IO[bytes]) -> bool:
    """True when an XML part has a document type declaration (where entities live: the
    "billion laughs" bomb). Only the prolog is read: the scan stops at the root element."""
    parser = xml.parsers.expat.ParserCreate()

    def doctype(*_args: Any) -> None:
        raise _DoctypeFound

    def root(*_args: Any) -> None:
        raise _PrologEnd

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = root
    try:
        while chunk := stream.read(1 << 16):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _DoctypeFound:
        return True
    except (_PrologEnd, xml.parsers.expat.ExpatError):
        return False  # malformed XML is openpyxl's to refuse
    return False


def _looks_like_xml(head: bytes) -> bool:
    return (
        head.lstrip()[:1] == b"<"
        or head[:3] == b"\xef\xbb\xbf"
        or head[:2] in (b"\xff\xfe", b"\xfe\xff")
    )


def _check_archive(data: bytes, where: str) -> None:
    """Refuse, before openpyxl parses anything, a zip that would unpack too large and any XML
    part that declares a DTD (Excel never writes one)."""
    mb = 2**20
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_PARTS:
            raise _refuse("import_too_many_parts", name=where, count=len(infos), limit=MAX_PARTS)
        total = sum(i.file_size for i in infos)
        if total > MAX_UNPACKED_BYTES:
            raise _refuse(
                "import_unpacked_too_big",
                name=where,
                size=total // mb,
                limit=MAX_UNPACKED_BYTES // mb,
            )
        for info in infos:
            lowered = info.filename.lower()
            limit = (
                MAX_UNPACKED_BYTES
                if "worksheets/" in lowered
                else MAX_SHARED_STRINGS_BYTES
                if lowered.endswith("sharedstrings.xml")
                else MAX_OTHER_PART_BYTES
            )
            if info.file_size > limit:
                raise _refuse(
                    "import_unpacked_too_big",
                    name=messages.text(
                        "import_archive_part", name=where, part=printable(info.filename)
                    ),
                    size=info.file_size // mb,
                    limit=limit // mb,
                )
            with archive.open(info) as part:
                head = part.read(4)
                if not _looks_like_xml(head):
                    continue
                with archive.open(info) as again:
                    if _declares_entities(again):
                        raise _refuse(
                            "import_xml_entities", name=where, part=printable(info.filename)
                        )


def _read_workbook(path: Path) -> tuple[Any, bytes]:
    """Open the file with openpyxl (read-only, streaming), turning every way it can fail into
    one clear problem. The bytes are read once: what is validated is what is imported and
    hashed, even if the file changes meanwhile."""
    import openpyxl

    where = printable(path.name)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _refuse(
                "import_file_too_big",
                name=where,
                size=round(size / 2**20, 1),
                limit=MAX_FILE_BYTES // 2**20,
            )
        data = path.read_bytes()
    except OSError as e:
        raise _refuse("import_unreadable", path=printable(str(path)), reason=os_reason(e)) from e
    head = data[:8]
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse("import_xls", name=where)
    if not head.startswith(b"PK"):
        raise _refuse("import_not_xlsx", name=where)
    try:
        _check_archive(data, where)
        return openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        ), data
    except ImportProblems:
        raise
    except Exception as e:  # a hostile or broken file can make the parser raise anything
        raise _refuse("import_corrupt", name=where, error=type(e).__name__) from e


def _sheet_rows(ws: Any) -> tuple[Iterator[tuple[int, list[dict[str, Any]]]], Any]:
    """The rows present in a read-only sheet's XML, each with only its present cells (a cell
    at ZZ100000 costs one cell, not a 100,000 × 702 grid), and the parser, whose
    ``merged_cells`` is known once the rows are read. openpyxl's own read-only iterator pads
    every row to the sheet's declared width; its parser (pinned openpyxl) does not."""
    from openpyxl.worksheet._reader import WorkSheetParser

    wb = ws.parent
    parser = WorkSheetParser(
        ws._get_source(),
        ws._shared_strings,
        data_only=False,
        epoch=wb.epoch,
        date_formats=wb._date_formats,
        timedelta_formats=wb._timedelta_formats,
    )
    return parser.parse(), parser


_ROW_ELEMENT = re.compile(rb"<(?:[\w.-]+:)?row\b[^>]*?(?:/>|>.*?</(?:[\w.-]+:)?row>)", re.S)
"""One ``<row>`` element of a worksheet's XML, with its cells (any namespace prefix)."""
_CELL_VALUE = re.compile(rb"<(?:[\w.-]+:)?(?:v|is)>")
"""A cell's value (``<v>``) or inline string (``<is>``)."""
_PLAUSIBLE_ROW_BYTES = 8192
"""More XML per declared row than this (64 columns of long text) and the declared dimension is
not believed: the rows are counted."""


def _refuse_declared_rows(spec: Sheet, ws: Any) -> None:
    """Refuse a sheet with more rows than its limit before any row is parsed, where the file
    allows it: a sheet whose declared dimension (``<dimension ref="A1:C100002"/>``) fits the
    limit, and whose XML is not too large for it, passes at once; any other (a larger
    dimension, none, or one the size of the XML belies) has its rows with a value counted by a
    plain scan of the XML (no cell is parsed, no string looked up), and is refused when they
    exceed the limit (the header row aside). A stray cell far down (``ZZ100000``) declares a
    large dimension but adds one row: such a sheet is read as usual.

    Raises:
        ImportProblems: the sheet has more rows with a value than its limit allows.
    """
    limit, unit = _ROW_LIMITS[spec.key]
    declared = getattr(ws, "_max_row", None)
    size = ws.parent._archive.getinfo(ws._worksheet_path).file_size
    if (
        isinstance(declared, int)
        and declared <= limit + 1
        and size <= (declared + 1) * _PLAUSIBLE_ROW_BYTES
    ):
        return
    counted, tail = 0, b""
    with ws._get_source() as source:
        while chunk := source.read(1 << 20):
            data = tail + chunk
            end = 0
            for row in _ROW_ELEMENT.finditer(data):
                end = row.end()
                if _CELL_VALUE.search(data, row.start(), end):
                    counted += 1
                    if counted > limit + 1:  # the header and one row more than allowed
                        raise ImportProblems(
                            [],
                            messages.text(
                                "import_too_many_rows",
                                sheet=spec.name,
                                limit=f"{limit:,}",
                                unit=messages.text(unit),
                            ),
                        )
            tail = data[end:]


def _read_sheet(parsed: _Parsed, spec: Sheet, ws: Any) -> None:
    rows, parser = _sheet_rows(ws)
    limit, unit = _ROW_LIMITS[spec.key]
    header_row: int | None = None
    index: dict[str, int] = {}
    out: list[_Row] = []
    for number, cells in rows:
        if header_row is None:
            present = {
                c["column"]: c["value"]
                for c in cells
                if c["column"] <= MAX_HEADER_COLUMNS
                and c["value"] is not None
                and str(c["value"]).strip()
            }
            if not present:
                continue
            header_row = number
            for col_spec in spec.columns:
                names = {_header_key(col_spec.header), *(_header_key(a) for a in col_spec.aliases)}
                found = next(
                    (col for col, v in sorted(present.items()) if _header_key(str(v)) in names),
                    None,
                )
                if found is not None:
                    index[col_spec.key] = found
                elif col_spec.required:
                    parsed.add(
                        spec, number, col_spec.header, messages.text("import_missing_column")
                    )
            wanted = {col: key for key, col in index.items()}
            continue
        values: dict[str, Any] = dict.fromkeys(index)
        blank = True
        for cell in cells:
            key = wanted.get(cell["column"])
            if key is None:
                continue
            value = cell["value"]
            if cell["data_type"] == "f":
                parsed.add(spec, number, spec.column(key).header, messages.text("import_formula"))
                value = None
            if isinstance(value, str) and not value.strip():
                value = None
            if value is not None:
                blank = False
            values[key] = value
        if blank:
            continue
        out.append(_Row(number, values))
        if len(out) > limit:
            raise ImportProblems(
                [],
                messages.text(
                    "import_too_many_rows",
                    sheet=spec.name,
                    limit=f"{limit:,}",
                    unit=messages.text(unit),
                ),
            )
    if header_row is None:
        parsed.add(spec, None, None, messages.text("import_no_header"))
        return
    from openpyxl.worksheet.cell_range import CellRange

    merged = parser.merged_cells.mergeCell if parser.merged_cells is not None else []
    for merge in merged:
        rng = CellRange(merge.ref)
        if rng.max_row > header_row:
            parsed.add(spec, rng.min_row, None, messages.text("import_merged", cells=rng.coord))
    parsed.rows[spec.key] = out


def _text(parsed: _Parsed, spec: Sheet, row: _Row, key: str) -> str:
    """A free-text cell, checked against its column's length and for control characters."""
    column = spec.column(key)
    try:
        return check_text(
            column.header, clean_text(row.values.get(key)), column.max_len, required=column.required
        )
    except TextError as e:
        parsed.add(spec, row.number, column.header, str(e).removeprefix(column.header))
        return ""


def _code(parsed: _Parsed, spec: Sheet, row: _Row, key: str) -> str:
    """A code cell, normalised (:func:`~carrier_tracker.text_fields.normalize_code`) and checked."""
    column = spec.column(key)
    try:
        return check_code(
            column.header, clean_text(row.values.get(key)), column.max_len, required=column.required
        )
    except TextError as e:
        parsed.add(spec, row.number, column.header, str(e).removeprefix(column.header))
        return ""


def _level(parsed: _Parsed, spec: Sheet, row: _Row, key: str) -> Level | None:
    raw = clean_code(row.values.get(key))
    header = spec.column(key).header
    if not raw:
        parsed.add(spec, row.number, header, messages.text("import_required"))
        return None
    try:
        return Level.parse(raw)
    except ValueError:
        parsed.add(
            spec,
            row.number,
            header,
            messages.text("import_bad_level", value=printable(raw, 40)),
        )
        return None


def _bool(parsed: _Parsed, spec: Sheet, row: _Row, key: str, default: bool) -> bool:
    value = row.values.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    raw = clean_code(value).lower()
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    parsed.add(
        spec,
        row.number,
        spec.column(key).header,
        messages.text("import_bad_bool", value=_shown(value)),
    )
    return default


MAX_PLAN_CHARS = 4000
"""A 分发范围 cell longer than this is refused (about 500 codes)."""


def _plan(parsed: _Parsed, row: _Row, people: list[tuple[str, str]]) -> str:
    """The 分发范围 cell as a stored plan (empty: everyone); each bad entry is a problem."""
    header = DOCUMENTS.column("plan").header
    raw = row.values.get("plan")
    if raw is None:
        return ""
    text = str(raw)
    if len(text) > MAX_PLAN_CHARS:
        parsed.add(
            DOCUMENTS,
            row.number,
            header,
            messages.text("text_too_long", label="", length=len(text), limit=MAX_PLAN_CHARS),
        )
        return ""
    try:
        return parse_plan(text, people).stored()
    except PlanError as e:
        for problem in e.problems:
            parsed.add(DOCUMENTS, row.number, header, problem)
        return ""


def _positive_int(parsed: _Parsed, spec: Sheet, row: _Row, key: str, maximum: int) -> int | None:
    value = row.values.get(key)
    header = spec.column(key).header
    if value is None:
        parsed.add(spec, row.number, header, messages.text("import_required"))
        return None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        raw = clean_code(value)
        number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None
    if number is None or not 1 <= number <= maximum:
        parsed.add(
            spec,
            row.number,
            header,
            messages.text("import_bad_int", value=_shown(value), limit=maximum),
        )
        return None
    return number


def _datetime(
    parsed: _Parsed, spec: Sheet, row: _Row, key: str, tz: ZoneInfo | None
) -> datetime | None:
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
            result = datetime.fromisoformat(raw[:64])
        except ValueError:
            parsed.add(
                spec,
                row.number,
                spec.column(key).header,
                messages.text("import_bad_datetime", value=printable(raw, 40)),
            )
            return None
    if result.tzinfo is None:
        result = result.replace(tzinfo=tz) if tz else result.astimezone()
    return result.astimezone(UTC)  # stored in UTC (SQLite keeps no offset), shown in local time


def _day(
    parsed: _Parsed, spec: Sheet, row: _Row, key: str, today: date, floor: date
) -> date | None:
    """A day (a date cell, or text such as 2026-12-01); blank is None; never after today, never
    before ``floor`` (:func:`~carrier_tracker.meeting.pledges.earliest_day`)."""
    value = row.values.get(key)
    if value is None:
        return None
    header = spec.column(key).header
    if isinstance(value, datetime):
        day: date | None = value.date() if value.time() == time() else None
    elif isinstance(value, date):
        day = value
    else:
        raw = unicodedata.normalize("NFKC", clean_text(value)).replace("/", "-").replace(".", "-")
        try:
            day = date.fromisoformat(raw) if len(raw) <= 10 else None
        except ValueError:
            day = None
    if day is None:
        parsed.add(
            spec, row.number, header, messages.text("import_pledge_bad", value=_shown(value))
        )
        return None
    if day > today:
        parsed.add(spec, row.number, header, messages.text("import_pledge_future", value=day))
        return None
    if day < floor:
        parsed.add(
            spec, row.number, header, messages.text("import_pledge_early", value=day, floor=floor)
        )
        return None
    return day


def _kind_and_due(
    parsed: _Parsed, row: _Row, tz: ZoneInfo | None
) -> tuple[MeetingKind, date | None]:
    """The 会议 sheet's 类型 (blank: 涉密会议) and 应交回日期 (a date cell or YYYY-MM-DD text, not
    before today; required for 外出携带)."""
    kind_header, due_header = MEETING.column("kind").header, MEETING.column("due_on").header
    raw_kind = clean_text(row.values.get("kind"))
    kind = MeetingKind.MEETING
    if raw_kind:
        try:
            kind = MeetingKind(raw_kind)
        except ValueError:
            parsed.add(
                MEETING,
                row.number,
                kind_header,
                messages.text("import_kind_bad", value=_shown(raw_kind)),
            )
    value = row.values.get("due_on")
    due: date | None = None
    if value is not None and clean_text(value) != "":
        if isinstance(value, datetime):
            due = value.date() if value.time() == time() else None
        elif isinstance(value, date):
            due = value
        else:
            raw = unicodedata.normalize("NFKC", clean_text(value))
            try:
                due = date.fromisoformat(raw) if len(raw) == 10 and raw[4] == "-" else None
            except ValueError:
                due = None
        if due is None:
            parsed.add(
                MEETING,
                row.number,
                due_header,
                messages.text("import_due_bad", value=_shown(value)),
            )
        elif due < datetime.now(tz).date():
            parsed.add(MEETING, row.number, due_header, messages.text("import_due_past", value=due))
            due = None
    elif kind is MeetingKind.TRIP:
        parsed.add(MEETING, row.number, due_header, messages.text("import_trip_needs_due"))
    return kind, due


def _first_of(
    parsed: _Parsed, spec: Sheet, row: _Row, key: str, value: str, seen: dict[str, tuple[int, str]]
) -> bool:
    """Record a code of column ``key`` and return True; or, when an earlier row has the same code
    in any letter case (:func:`~carrier_tracker.text_fields.code_key`), add the problem naming
    that row and return False."""
    if not value:
        return False
    folded = code_key(value)
    if folded not in seen:
        seen[folded] = (row.number, value)
        return True
    first_row, first = seen[folded]
    header = spec.column(key).header
    message = (
        messages.text("import_duplicate", label=header, value=value, row=first_row)
        if first == value
        else messages.text(
            "import_duplicate_variant", label=header, value=value, row=first_row, other=first
        )
    )
    parsed.add(spec, row.number, header, message)
    return False


def _uid(
    parsed: _Parsed, spec: Sheet, row: _Row, key: str, seen: dict[str, str], where: str
) -> str | None:
    value = row.values.get(key)
    if value is None:
        return None
    header = spec.column(key).header
    try:
        if len(str(value)) > 64:  # no UID is this long: do not echo the whole cell
            raise BadUid(messages.text("bad_uid", uid=_shown(value)))
        uid = normalize_uid(value)
    except BadUid as e:
        parsed.add(spec, row.number, header, str(e))
        return None
    if uid in seen:
        parsed.add(
            spec,
            row.number,
            header,
            messages.text("import_duplicate_uid", uid=uid, where=seen[uid]),
        )
        return None
    seen[uid] = where
    return uid


def read_workbook(path: Path, *, tz: ZoneInfo | None = None) -> tuple[_Parsed, dict[str, Any]]:
    """Read and validate a workbook on its own, without the database (and so without any
    lock): bounded in size, rows and memory, every problem of the file collected.

    Returns:
        The parse (with every problem) and the cleaned data ready to write.

    Raises:
        ImportProblems: the file cannot be read at all, or exceeds a limit (reading stops).
    """
    wb, raw = _read_workbook(path)
    try:
        parsed = _Parsed(name=printable(path.name), digest=hashlib.sha256(raw).hexdigest())
        names = list(wb.sheetnames)
        found = {spec.key: _match_sheet(spec, names) for spec in SHEETS}
        try:
            for spec in SHEETS:  # every sheet's size first: a refusal reads no row of any
                if (name := found[spec.key]) is not None:
                    _refuse_declared_rows(spec, wb[name])
            for spec in SHEETS:
                name = found[spec.key]
                if name is None:
                    if not spec.optional:
                        parsed.add(spec, None, None, messages.text("import_missing_sheet"))
                    parsed.rows[spec.key] = []
                    continue
                _read_sheet(parsed, spec, wb[name])
        except ImportProblems:
            raise
        except Exception as e:  # the worksheet XML of a hostile file
            raise _refuse("import_corrupt", name=parsed.name, error=type(e).__name__) from e
        has_meeting_sheet = _match_sheet(MEETING, names) is not None
    finally:
        wb.close()
    return parsed, _validate_rows(parsed, has_meeting_sheet, tz)


def _validate_rows(parsed: _Parsed, has_meeting_sheet: bool, tz: ZoneInfo | None) -> dict[str, Any]:
    data: dict[str, Any] = {"meeting": None, "attendees": [], "documents": [], "tags": []}
    seen_uids: dict[str, str] = {}

    # 会议
    meeting_rows = parsed.rows.get("meeting", [])
    if has_meeting_sheet and len(meeting_rows) != 1:
        parsed.add(
            MEETING, None, None, messages.text("import_meeting_rows", count=len(meeting_rows))
        )
    meeting_level: Level | None = None
    if meeting_rows:
        row = meeting_rows[0]
        code = _code(parsed, MEETING, row, "code")
        title = _text(parsed, MEETING, row, "title")
        meeting_level = _level(parsed, MEETING, row, "level")
        starts = _datetime(parsed, MEETING, row, "starts_at", tz)
        ends = _datetime(parsed, MEETING, row, "ends_at", tz)
        if starts and ends and ends < starts:
            ends_header = MEETING.column("ends_at").header
            parsed.add(
                MEETING,
                row.number,
                ends_header,
                messages.text(
                    "import_ends_before_starts",
                    ends=ends_header,
                    starts=MEETING.column("starts_at").header,
                ),
            )
        kind, due_on = _kind_and_due(parsed, row, tz)
        passes_default = bool(meeting_level and meeting_level.rank >= Level.JIMI.rank)
        if kind is MeetingKind.TRIP:
            passes_default = False
            if _bool(parsed, MEETING, row, "requires_passes", default=False):
                header = MEETING.column("requires_passes").header
                parsed.add(MEETING, row.number, header, messages.text("import_trip_passes"))
        data["meeting"] = {
            "code": code,
            "title": title,
            "level": meeting_level.value if meeting_level else "",
            "venue": _text(parsed, MEETING, row, "venue"),
            "starts_at": starts,
            "ends_at": ends,
            "organizer": _text(parsed, MEETING, row, "organizer"),
            "officer": _text(parsed, MEETING, row, "officer"),
            "requires_passes": _bool(
                parsed, MEETING, row, "requires_passes", default=passes_default
            ),
            "kind": kind.value,
            "due_on": due_on,
        }
        data["meeting_row"] = row.number

    # 参会人员 (codes and pass numbers are unique in any letter case: lookups ignore it)
    codes: dict[str, tuple[int, str]] = {}
    pass_numbers: dict[str, tuple[int, str]] = {}
    today = datetime.now(tz).date()
    starts = (data["meeting"] or {}).get("starts_at")
    # the same floor as ``pledge --date`` (the meeting is imported today)
    floor = earliest_day(today, starts.astimezone(tz).date() if starts else None)
    for row in parsed.rows.get("attendees", []):
        code = _code(parsed, ATTENDEES, row, "code")
        name = _text(parsed, ATTENDEES, row, "name")
        clearance = _level(parsed, ATTENDEES, row, "clearance")
        _first_of(parsed, ATTENDEES, row, "code", code, codes)
        pass_number = _code(parsed, ATTENDEES, row, "pass_number")
        _first_of(parsed, ATTENDEES, row, "pass_number", pass_number, pass_numbers)
        where = messages.text("import_sheet_row", sheet=ATTENDEES.name, row=row.number)
        uid = _uid(parsed, ATTENDEES, row, "pass_uid", seen_uids, where)
        data["attendees"].append(
            {
                "code": code,
                "name": name,
                "unit": _text(parsed, ATTENDEES, row, "unit"),
                "title": _text(parsed, ATTENDEES, row, "title"),
                "out_of_town": _bool(parsed, ATTENDEES, row, "out_of_town", default=False),
                "clearance": clearance.value if clearance else "",
                "pass_number": pass_number,
                "pass_uid": uid,
                "pledge_on": _day(parsed, ATTENDEES, row, "pledge_on", today, floor),
            }
        )

    # 文件
    people = [(a["code"], a["unit"]) for a in data["attendees"] if a["code"]]
    numbers: dict[str, tuple[int, str]] = {}
    documents: dict[str, tuple[str, int]] = {}  # code_key(number) → (number as written, copies)
    total_copies = 0
    for row in parsed.rows.get("documents", []):
        number = _code(parsed, DOCUMENTS, row, "number")
        title = _text(parsed, DOCUMENTS, row, "title")
        level = _level(parsed, DOCUMENTS, row, "level")
        copies = _positive_int(parsed, DOCUMENTS, row, "copies", MAX_COPIES)
        total_copies += copies or 0
        if level and meeting_level and level.rank > meeting_level.rank:
            parsed.add(
                DOCUMENTS,
                row.number,
                DOCUMENTS.column("level").header,
                messages.text(
                    "import_level_above_meeting", level=level.value, meeting=meeting_level.value
                ),
            )
        if _first_of(parsed, DOCUMENTS, row, "number", number, numbers):
            documents[code_key(number)] = (number, copies or 0)
        data["documents"].append(
            {
                "number": number,
                "title": title,
                "level": level.value if level else "",
                "copies": copies or 0,
                "collect_at_breaks": _bool(
                    parsed, DOCUMENTS, row, "collect_at_breaks", default=False
                ),
                "may_take_away": _bool(parsed, DOCUMENTS, row, "may_take_away", default=False),
                "plan": _plan(parsed, row, people),
            }
        )
    if total_copies > MAX_MEETING_COPIES:
        raise ImportProblems(
            [],
            messages.text(
                "import_too_many_copies", count=f"{total_copies:,}", limit=f"{MAX_MEETING_COPIES:,}"
            ),
        )

    # 标签绑定
    bound: dict[tuple[str, int], int] = {}
    for row in parsed.rows.get("tags", []):
        doc_no = _code(parsed, TAGS, row, "document")
        copy_no = _positive_int(parsed, TAGS, row, "copy", MAX_COPIES)
        document = documents.get(code_key(doc_no))
        if document is not None:
            doc_no = document[0]  # named in any letter case, bound as the 文件 sheet writes it
        if doc_no and document is None:
            header = TAGS.column("document").header
            parsed.add(
                TAGS,
                row.number,
                header,
                messages.text(
                    "import_not_in_sheet", label=header, value=doc_no, sheet=DOCUMENTS.name
                ),
            )
        elif document is not None and copy_no and document[1] and copy_no > document[1]:
            header = TAGS.column("copy").header
            parsed.add(
                TAGS,
                row.number,
                header,
                messages.text(
                    "import_copy_beyond",
                    label=header,
                    copy=copy_no,
                    copies_label=DOCUMENTS.column("copies").header,
                    copies=document[1],
                ),
            )
        elif doc_no and copy_no and (doc_no, copy_no) in bound:
            parsed.add(
                TAGS,
                row.number,
                TAGS.column("copy").header,
                messages.text(
                    "import_bound_twice",
                    doc=doc_no,
                    copy=copy_no,
                    row=bound[(doc_no, copy_no)],
                ),
            )
        elif doc_no and copy_no:
            bound[(doc_no, copy_no)] = row.number
        if row.values.get("uid") is None:
            parsed.add(
                TAGS, row.number, TAGS.column("uid").header, messages.text("import_required")
            )
        where = messages.text("import_sheet_row", sheet=TAGS.name, row=row.number)
        uid = _uid(parsed, TAGS, row, "uid", seen_uids, where)
        if uid and doc_no and copy_no:
            data["tags"].append((doc_no, copy_no, uid))
    data["uids"] = seen_uids
    return data


def check_database(session: Session, parsed: _Parsed, data: dict[str, Any]) -> None:
    """Add the problems only the database can show: the meeting code taken (also by a code
    that differs only in case, width or invisible characters), tags already bound anywhere,
    retired by a retag, or an operator's card."""
    meeting = data.get("meeting")
    if meeting and meeting["code"]:
        code = meeting["code"]
        header = MEETING.column("code").header
        for existing in session.exec(select(Meeting.code)).all():
            if existing == code:
                parsed.add(
                    MEETING, data["meeting_row"], header, messages.text("meeting_exists", code=code)
                )
            elif code_key(existing) == code_key(code):  # lookups would find one for the other
                parsed.add(
                    MEETING,
                    data["meeting_row"],
                    header,
                    messages.text(
                        "code_collides", label=header, code=code, other=printable(existing, 40)
                    ),
                )
    seen_uids: dict[str, str] = data["uids"]
    if seen_uids:
        taken: dict[str, Carrier] = {}
        uids = list(seen_uids)
        for i in range(0, len(uids), 500):  # tags released by a closed meeting are free again
            for bound in session.exec(
                select(Carrier).where(
                    col(Carrier.tag_uid).in_(uids[i : i + 500]),
                    col(Carrier.tag_released).is_(False),
                )
            ).all():
                taken[bound.tag_uid or ""] = bound
        retired: dict[str, str] = {}
        cards: dict[str, str] = {}  # operators' cards are never a carrier's tag
        for i in range(0, len(uids), 500):
            retired.update(
                session.exec(
                    select(RetiredTag.uid, RetiredTag.replaced_by).where(
                        col(RetiredTag.uid).in_(uids[i : i + 500])
                    )
                ).all()
            )
            cards.update(
                (str(card), name)
                for card, name in session.exec(
                    select(Operator.card_uid, Operator.name).where(
                        col(Operator.card_uid).in_(uids[i : i + 500])
                    )
                ).all()
            )
        for problem_uid in sorted(taken.keys() | retired.keys() | cards.keys()):
            if problem_uid in cards:
                problem = messages.text("uid_is_card", uid=problem_uid, name=cards[problem_uid])
            elif problem_uid in retired:
                problem = messages.text("tag_retired", new=retired[problem_uid])
            else:
                where, item = where_bound(session, taken[problem_uid])
                problem = messages.text(
                    "uid_bound_import", uid=problem_uid, meeting=where, item=printable(item, 60)
                )
            is_tag = seen_uids[problem_uid].startswith(TAGS.name)
            parsed.problems.append(
                Problem(
                    TAGS.name if is_tag else ATTENDEES.name,
                    int(re.findall(r"\d+", seen_uids[problem_uid])[0]),
                    TAGS.column("uid").header if is_tag else ATTENDEES.column("pass_uid").header,
                    problem,
                )
            )


def validate(
    path: Path, session: Session, *, tz: ZoneInfo | None = None
) -> tuple[_Parsed, dict[str, Any]]:
    """Read and validate a workbook, the database included, without writing anything.

    Returns:
        The parse (with every problem) and the cleaned data ready to write.
    """
    parsed, data = read_workbook(path, tz=tz)
    check_database(session, parsed, data)
    return parsed, data


_SHEET_ORDER = {spec.name: i for i, spec in enumerate(SHEETS)}


def _in_row_order(problems: list[Problem]) -> list[Problem]:
    """The problems as the workbook reads: by sheet (会议, 参会人员, 文件, 标签绑定), then by
    row (a sheet's own problems first), each row's in the order they were found — those only
    the database shows (tags bound elsewhere) among the others, not after them."""
    return sorted(problems, key=lambda p: (_SHEET_ORDER.get(p.sheet, 0), p.row or 0))


def _raise_problems(parsed: _Parsed) -> None:
    """Refuse with every problem counted, the first :data:`PROBLEMS_SHOWN` listed, in row
    order."""
    if not parsed.problems:
        return
    parsed.problems = _in_row_order(parsed.problems)
    total = len(parsed.problems)
    lines = [messages.text("import_problems", name=parsed.name, total=total)]
    lines += [f"  {p}" for p in parsed.problems[:PROBLEMS_SHOWN]]
    if total > PROBLEMS_SHOWN:
        lines.append(
            messages.text("import_more_problems", rest=total - PROBLEMS_SHOWN, total=total)
        )
    raise ImportProblems(list(parsed.problems), "\n".join(lines))


def import_workbook(
    *,
    session: Session,
    key: bytes,
    path: Path,
    operator: str = "",
    tz: ZoneInfo | None = None,
    progress: Callable[[str], None] | None = None,
    now: datetime | None = None,
    approver: str = "",
) -> ImportResult:
    """Validate a workbook and, if it has no problem, write the whole meeting in ``session``.

    The CLI uses :func:`check_import` and :func:`import_checked` instead, which validate
    before anyone signs in and before the write lock is taken.

    Raises:
        ImportProblems: the file cannot be read or has problems (all counted, the first 50
            listed); nothing written.
    """
    say = progress or (lambda _msg: None)
    say(messages.text("import_checking"))
    parsed, data = validate(path, session, tz=tz)
    _raise_problems(parsed)
    say(messages.text("import_writing"))
    return _write(
        session=session,
        key=key,
        parsed=parsed,
        data=data,
        operator=operator,
        say=say,
        now=now,
        approver=approver,
    )


@dataclass(frozen=True)
class CheckedWorkbook:
    """A workbook read, validated and checked against the database (:func:`check_import`)."""

    parsed: _Parsed
    data: dict[str, Any]


def check_import(
    *,
    engine: Engine,
    path: Path,
    tz: ZoneInfo | None = None,
    progress: Callable[[str], None] | None = None,
) -> CheckedWorkbook:
    """Read and validate a workbook with no transaction open, then check it against the
    database in a read transaction: everything that can refuse a file, before anyone signs in
    for it (the command line asks this before any PIN).

    Raises:
        ImportProblems: the file cannot be read, exceeds a limit or has problems.
    """
    from carrier_tracker.storage import db

    (progress or (lambda _msg: None))(messages.text("import_checking"))
    parsed, data = read_workbook(path, tz=tz)
    with db.read_scope(engine) as session:
        check_database(session, parsed, data)
    _raise_problems(parsed)
    return CheckedWorkbook(parsed, data)


def import_checked(
    *,
    engine: Engine,
    key: bytes,
    checked: CheckedWorkbook,
    operator: str = "",
    progress: Callable[[str], None] | None = None,
    now: datetime | None = None,
    approver: str = "",
) -> ImportResult:
    """Write a checked workbook in one write transaction, which repeats the cheap database
    checks (another desk may have imported meanwhile).

    Raises:
        ImportProblems: the database has changed so that the file is refused; nothing written.
    """
    from carrier_tracker.storage import db

    say = progress or (lambda _msg: None)
    say(messages.text("import_writing"))
    parsed, data = checked.parsed, checked.data
    with db.session_scope(engine) as session:
        check_database(session, parsed, data)
        _raise_problems(parsed)
        return _write(
            session=session,
            key=key,
            parsed=parsed,
            data=data,
            operator=operator,
            say=say,
            now=now,
            approver=approver,
        )


def _carrier_rows(
    meeting_id: int,
    attendees: list[Attendee],
    people: list[dict[str, Any]],
    documents: list[Document],
    tags: dict[tuple[str, int], str],
) -> Iterator[dict[str, Any]]:
    for person, row in zip(attendees, people, strict=True):
        yield {
            "meeting_id": meeting_id,
            "kind": CarrierKind.PASS.value,
            "document_id": None,
            "copy_number": None,
            "owner_id": person.id,
            "tag_uid": row["pass_uid"],
            "state": "registered",
            "version": 0,
        }
    for doc in documents:
        for n in range(1, doc.copies + 1):
            yield {
                "meeting_id": meeting_id,
                "kind": CarrierKind.COPY.value,
                "document_id": doc.id,
                "copy_number": n,
                "owner_id": None,
                "tag_uid": tags.get((doc.number, n)),
                "state": "registered",
                "version": 0,
            }


def _write(
    *,
    session: Session,
    key: bytes,
    parsed: _Parsed,
    data: dict[str, Any],
    operator: str,
    say: Callable[[str], None],
    now: datetime | None,
    approver: str = "",
) -> ImportResult:
    recorded = ""
    if data["meeting"]["kind"] == MeetingKind.TRIP:  # 涉密载体外出审批: refused before any write
        recorded = trip_approver(session, operator, approver)
    meeting = Meeting(**data["meeting"])
    session.add(meeting)
    session.flush()
    assert meeting.id is not None
    attendees = [
        Attendee(meeting_id=meeting.id, **{k: v for k, v in a.items() if k != "pass_uid"})
        for a in data["attendees"]
    ]
    session.add_all(attendees)
    documents = [Document(meeting_id=meeting.id, **d) for d in data["documents"]]
    session.add_all(documents)
    session.flush()
    tags = {(doc, copy): uid for doc, copy, uid in data["tags"]}
    total = len(attendees) + sum(d.copies for d in documents)
    rows = _carrier_rows(meeting.id, attendees, data["attendees"], documents, tags)
    written = 0
    while chunk := list(islice(rows, 5000)):  # chunks keep 100,000 copies out of memory at once
        session.execute(insert(Carrier), chunk)
        written += len(chunk)
        say(messages.text("import_written", written=written, total=total))
    copies = sum(d.copies for d in documents)
    pass_tags = sum(1 for a in data["attendees"] if a["pass_uid"])
    note = messages.text(
        "import_note",
        name=parsed.name,
        attendees=len(attendees),
        documents=len(documents),
        copies=copies,
        tags=len(tags),
        passes=pass_tags,
        digest=parsed.digest,
    )
    append_event(
        session=session,
        key=key,
        meeting_id=meeting.id,
        event=imported_event(
            session, meeting, stamp(operator=operator, approver=recorded, note=note, now=now)
        ),
    )
    register_meeting(session, key, meeting, operator=operator)
    return ImportResult(
        meeting.code, len(attendees), len(documents), copies, len(tags), pass_tags, parsed.digest
    )


def imported_event(session: Session, meeting: Meeting, when: ev.Stamp) -> ev.Imported:
    """The import event of a meeting just written: its reference facts as the rows hold them."""
    m = table_of(Meeting)
    tables = {
        name: table_of(model) for name, model in (("a", Attendee), ("d", Document), ("c", Carrier))
    }
    conn = session.connection()

    def rows(name: str) -> Any:
        t = tables[name]
        return conn.execute(core_select(t).where(t.c.meeting_id == meeting.id).order_by(t.c.id))

    meeting_row = conn.execute(core_select(m).where(m.c.id == meeting.id)).one()
    return ev.Imported(
        when,
        meeting=codec.meeting_record(meeting_row),
        attendees=tuple(codec.attendee_record(a) for a in rows("a")),
        documents=tuple(codec.document_record(d) for d in rows("d")),
        carriers=tuple(codec.carrier_record(c) for c in rows("c")),
    )


def write_template(path: Path) -> None:
    """Write an empty import workbook: instructions plus every sheet with its headers."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    from carrier_tracker.paper.export import save_atomically
    from carrier_tracker.paper.workbook_schema import INSTRUCTIONS, INSTRUCTIONS_SHEET

    wb = openpyxl.Workbook()
    info = wb.active
    info.title = INSTRUCTIONS_SHEET
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
            parts = [
                messages.text(
                    "import_template_required" if column.required else "import_template_optional"
                ),
                column.hint,
                messages.text("import_template_max_len", limit=column.max_len)
                if column.max_len
                else "",
            ]
            stop = messages.text("import_template_stop")
            cell.comment = Comment(stop.join(p for p in parts if p) + stop, "carrier-tracker")
            ws.column_dimensions[cell.column_letter].width = column.width
        ws.freeze_panes = "A2"
    save_atomically(wb, path)
