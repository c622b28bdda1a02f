"""Printed sheets: a title block, a ruled table and a signature block on A4, marked in every page's
header and footer, streamed row by row (XlsxWriter in constant-memory mode; see bench/README.md).

A sheet is written top to bottom once: the title block and the header row when it is created,
then the table's rows (each bordered, wrapped, as tall as its longest text needs), then whatever
follows the table (an empty-list line, the signature block, the ledger's anchor). Column widths
follow the content — a column grows to its widest text, up to its ``width``, and longer text
wraps — and are fixed when the sheet is finished, which XlsxWriter allows in this mode because it
writes the ``<cols>`` element when the workbook is closed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from carrier_tracker import messages
from carrier_tracker.paper.output import atomic_output, private_tmpdir
from carrier_tracker.paper.row_xml import DATETIME, NUMBER, STRING, RowXml

TIME_FORMAT = "yyyy-mm-dd hh:mm"
"""Every date-and-time on paper (Excel's number format; the cell holds the full value)."""
DATE_FORMAT = "yyyy-mm-dd"
LINE = 14.0
"""Points per line of 10-point text (CJK glyphs are taller than Latin ones)."""
PAD = 4.0
"""Points above and below the text of a row."""
SIGN_LINES = 2.5
"""A row someone signs in is at least this many lines tall."""
LINE_WIDTH = 110.0
"""The width a line merged across a table is sized for (title block, notes, signatures): the
table is widened to it when its columns add up to less."""
MAX_HEIGHT = 409.0
"""The tallest row Excel allows, in points."""
MAX_BREAKS = 1023
"""Excel keeps at most this many manual page breaks in one sheet."""
EXCEL_CELL_MAX = 32_767

_BODY: dict[str, Any] = {"font_size": 10, "border": 1, "valign": "vcenter", "text_wrap": True}
_FORMATS: dict[str, dict[str, Any]] = {
    "text": _BODY,
    "center": {**_BODY, "align": "center"},
    "num": {**_BODY, "align": "center"},
    "time": {**_BODY, "align": "center", "num_format": TIME_FORMAT},
    "date": {**_BODY, "align": "center", "num_format": DATE_FORMAT},
    "mono": {**_BODY, "font_name": "Courier New", "font_size": 8},
    "hash": {**_BODY, "font_name": "Courier New", "font_size": 10},
    "sign": _BODY,
    "ruled": {"border": 1},
    "head": {**_BODY, "bold": True, "align": "center", "bg_color": "#D9E1F2"},
    "empty": {**_BODY, "align": "center"},
    "title": {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"},
    "fact": {"font_size": 10.5, "valign": "vcenter", "text_wrap": True},
    "section": {"bold": True, "font_size": 12, "valign": "vbottom"},
    "note": {"font_size": 10, "valign": "vcenter", "text_wrap": True},
    "signature": {"font_size": 11, "valign": "vbottom"},
    "anchor": {"font_name": "Courier New", "font_size": 10, "valign": "vcenter"},
}
_UNITS = {"mono": 0.85, "hash": 1.1, "time": 1.0, "date": 1.0}
"""Width of one narrow character in each kind of cell, in column-width units (a CJK
character counts double); other kinds count 1."""
_FIXED = {"time": 16.0, "date": 10.0}
"""Display width of a formatted time or date."""

# Text a spreadsheet could take for a formula or DDE call (OWASP "CSV injection": a leading
# = + - @, tab or CR; full-width ＝＋－＠ too, which some spreadsheet programs accept), and the
# control characters an .xlsx cannot hold.
_TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_XLSX_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_text(value: str) -> tuple[str, bool]:
    """A text as it must go into the 保密办 workbook: never a formula.

    Text that starts like a formula is marked for Excel's quote prefix (the cell shows exactly
    what was typed, and stays text even when someone edits it), as OWASP advises for spreadsheet
    exports. Control characters an .xlsx cannot hold are shown as ``\\x01``; text beyond
    Excel's 32,767 characters is cut with a visible mark (entry limits keep new data far below).

    Returns:
        The text to write, and whether it needs the quote prefix.
    """
    value = _XLSX_ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    if len(value) > EXCEL_CELL_MAX:
        mark = messages.text("text_shortened", head="", length=len(value))
        value = value[: EXCEL_CELL_MAX - len(mark)] + mark
    return value, value[:1] in _TRIGGERS


def text_units(text: str) -> float:
    """Display width of one line of text in column-width units: a CJK (3-byte UTF-8) character
    counts 2, an ASCII one 1."""
    n = len(text)
    return n if text.isascii() else n + (len(text.encode()) - n) / 2


def text_lines(text: str, capacity: float, unit: float = 1.0) -> int:
    """How many lines a wrapped text takes in a cell ``capacity`` units wide (rounded up, with a
    margin for line breaks that fall at word boundaries)."""
    if "\n" in text:
        return sum(text_lines(part, capacity, unit) for part in text.split("\n"))
    units = text_units(text) * unit
    return 1 if units <= capacity else math.ceil(units * 1.08 / capacity)


@dataclass(frozen=True)
class Column:
    """One column of a printed table."""

    header: str
    width: float
    """The widest the column gets (in Excel's units, about one digit); longer text wraps."""
    kind: str = "text"
    """``text``, ``center``, ``num``, ``time``, ``date``, ``mono`` (hashes) or ``sign`` (left
    empty, for a signature)."""
    fit: bool = True
    """Narrow the column to its widest content when that is less than ``width``."""

    @property
    def fits(self) -> bool:
        """Whether the column narrows to its content (a column to sign in keeps its width)."""
        return self.fit and self.kind != "sign"

    @property
    def least(self) -> float:
        """The narrowest the column gets: its header on at most two lines."""
        return max(4.0, math.ceil(text_units(self.header) / 2) + 2.0)


class PrintedBook:
    """A workbook of printed sheets (XlsxWriter in constant-memory mode)."""

    def __init__(self, target: Any, tmpdir: str) -> None:
        import xlsxwriter

        self.wb = xlsxwriter.Workbook(
            target,
            {
                "constant_memory": True,
                "tmpdir": tmpdir,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self._formats: dict[tuple[str, bool], Any] = {}

    def format(self, name: str, quoted: bool = False) -> Any:
        """The cell format ``name`` (see :data:`_FORMATS`), with Excel's quote prefix if asked."""
        key = (name, quoted)
        fmt = self._formats.get(key)
        if fmt is None:
            props = {**_FORMATS[name], **({"quote_prefix": True} if quoted else {})}
            fmt = self._formats[key] = self.wb.add_format(props)
        return fmt

    def sheet(
        self,
        name: str,
        *,
        title: str,
        facts: Sequence[str],
        columns: Sequence[Column],
        marking: str,
        code: str,
        header: bool = True,
        landscape: bool = True,
        min_lines: float = 1.0,
    ) -> PrintedSheet:
        """A new sheet with its title block (and header row) written; see :class:`PrintedSheet`."""
        return PrintedSheet(
            self,
            name,
            title=title,
            facts=facts,
            columns=columns,
            marking=marking,
            code=code,
            header=header,
            landscape=landscape,
            min_lines=min_lines,
        )


def _hf(text: str) -> str:
    return text.replace("&", "&&")  # "&" starts a header/footer code


class PrintedSheet:
    """One printed document on a sheet: title block, table, what follows it; A4, fit to width,
    the header row repeated on every page, the marking in every page's header and footer."""

    straight = True
    """Write table rows as XML straight into the row file (:mod:`~carrier_tracker.paper.row_xml`);
    False sends every row through XlsxWriter's own writers (the tests compare the two)."""

    def __init__(
        self,
        book: PrintedBook,
        name: str,
        *,
        title: str,
        facts: Sequence[str],
        columns: Sequence[Column],
        marking: str,
        code: str,
        header: bool,
        landscape: bool,
        min_lines: float,
    ) -> None:
        self.book, self.name, self.title = book, name, title
        self.marking, self.code = marking, code
        self.columns = list(columns)
        self.ws = ws = book.wb.add_worksheet(name)
        self.rows = 0
        """Table rows written (not counting the header or what follows the table)."""
        self.breaks: list[int] = []
        self._row = 0  # the next row to write (0-based)
        self._widest = [c.least for c in self.columns]
        self._table: tuple[int, int] | None = None  # header row, last table row
        self._min_height = min_lines * LINE + PAD
        self._need = 0.0  # the width the merged lines were sized for
        ws.set_paper(9)  # A4
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.75)
        self._default = max(LINE + PAD, self._min_height)
        ws.set_default_row(self._default)  # rows this tall need no row record of their own
        self.line(title, "title", height=32)
        for fact in facts:
            self.line(fact, "fact")
        self.skip()
        self._hot = [
            (
                i,
                c.kind,
                book.format(c.kind),
                book.format(c.kind, quoted=True),
                c.width - 1.0,
                _UNITS.get(c.kind, 1.0),
            )
            for i, c in enumerate(self.columns)
        ]
        # A table row goes into the sheet's row file as XML (paper/row_xml.py); a row that
        # cannot, to XlsxWriter's writers behind its public ones (which only turn "A1" notation
        # into numbers first). XlsxWriter is pinned; the public ones stand in.
        self._writers = {
            STRING: getattr(ws, "_write_string", ws.write_string),
            NUMBER: getattr(ws, "_write_number", ws.write_number),
            DATETIME: getattr(ws, "_write_datetime", ws.write_datetime),
        }
        self._xml = RowXml(ws)
        if header:
            self.header()

    def header(self, values: Sequence[str] | None = None) -> None:
        """The table's header row, repeated on every printed page and frozen on screen."""
        heads = list(values) if values is not None else [c.header for c in self.columns]
        fmt = self.book.format("head")
        lines = max(text_lines(h, c.least - 1.0) for h, c in zip(heads, self.columns, strict=False))
        r = self._row
        self.ws.set_row(r, max(lines, 1) * LINE + PAD)
        for i, h in enumerate(heads):
            self.ws.write_string(r, i, h, fmt)
        if self._table is None:
            self._table = (r, r)
            self.ws.repeat_rows(r)
            self.ws.freeze_panes(r + 1, 0)
        self._row += 1

    def row(self, values: Sequence[Any]) -> None:
        """One bordered table row; text wraps and the row is as tall as its longest text."""
        r = self._row
        lines = 1
        widest = self._widest
        cells: list[tuple[int, Any, Any, int]] = []
        straight = self.straight and self._xml.ready(r)
        text_ok, number_ok = RowXml.text_ok, RowXml.number_ok
        for (i, kind, fmt, quoted, capacity, unit), v in zip(self._hot, values, strict=False):
            if v is None or v == "":
                continue  # ruled by the table's rule for empty cells (see finish)
            t = type(v)
            if t is str:
                if v[0] in _TRIGGERS or not v.isprintable() or len(v) > EXCEL_CELL_MAX:
                    v, risky = safe_text(v)
                    cells.append((i, v, quoted if risky else fmt, STRING))
                else:
                    cells.append((i, v, fmt, STRING))
                if straight and not text_ok(v):
                    straight = False
                most = 2 * len(v) * unit  # every character wide: no text is wider
                if most <= widest[i] and most <= capacity:
                    continue  # one line, and no wider than the column already is
                if "\n" in v:
                    units = max(text_units(x) for x in v.split("\n")) * unit
                    n = text_lines(v, capacity, unit)
                else:
                    units = text_units(v) * unit
                    n = 1 if units <= capacity else math.ceil(units * 1.08 / capacity)
            elif t is datetime or t is date:
                cells.append((i, v, fmt, DATETIME))
                units, n = _FIXED[kind if kind in _FIXED else "time"], 1
            else:
                cells.append((i, v, fmt, NUMBER))
                if straight and not number_ok(v):
                    straight = False
                units, n = len(str(v)), 1
            if units > widest[i]:
                widest[i] = units
            if n > lines:
                lines = n
        height = lines * LINE + PAD if lines < 28 else MAX_HEIGHT
        taller = height > self._default
        if straight and cells:
            self._xml.write(r, cells, height if taller else None)
        else:
            writers = self._writers
            for i, v, fmt, how in cells:
                writers[how](r, i, v, fmt)
            if taller:
                self.ws.set_row(r, height)
        self._row += 1
        self.rows += 1
        if self._table is not None:
            self._table = (self._table[0], r)

    def empty(self, text: str) -> None:
        """A bordered line across the table saying the list is empty."""
        self.line(text, "empty")
        if self._table is not None:
            self._table = (self._table[0], self._row - 1)

    def line(self, text: str, kind: str = "note", *, height: float | None = None) -> None:
        """A line of text merged across the table's width (title, facts, notes)."""
        r, n = self._row, len(self.columns)
        value, risky = safe_text(text)
        units = max(text_units(x) for x in value.split("\n")) + 2.0
        self._need = max(self._need, min(units, LINE_WIDTH))
        if height is None:
            lines = text_lines(value, LINE_WIDTH - 2.0)
            height = min(max(lines * LINE + PAD, LINE + PAD), MAX_HEIGHT)
        fmt = self.book.format(kind, quoted=risky)
        if height != self._default:
            self.ws.set_row(r, height)
        if n > 1:
            self.ws.merge_range(r, 0, r, n - 1, value, fmt)
        else:
            self.ws.write_string(r, 0, value, fmt)
        self._row += 1

    def cells(self, values: Sequence[Any], kinds: Sequence[str]) -> None:
        """A row of cells with their own formats, outside the table (a summary's small tables)."""
        r = self._row
        lines = 1
        for i, (v, kind) in enumerate(zip(values, kinds, strict=True)):
            fmt = self.book.format(kind)
            if v is None or v == "":
                self.ws.write_blank(r, i, None, fmt)
            elif isinstance(v, str):
                text, risky = safe_text(v)
                self.ws.write_string(r, i, text, self.book.format(kind, quoted=risky))
                lines = max(lines, text_lines(text, self.columns[i].width - 1.0))
            elif isinstance(v, (datetime, date)):
                self.ws.write_datetime(r, i, v, fmt)
            else:
                self.ws.write_number(r, i, v, fmt)
        height = min(lines * LINE + PAD, MAX_HEIGHT)
        if height != self._default:
            self.ws.set_row(r, height)
        self._row += 1

    def pair(self, label: str, value: Any, kind: str = "text") -> None:
        """A label in the first column and its value across the others (bordered)."""
        r, n = self._row, len(self.columns)
        self.ws.write_string(r, 0, label, self.book.format("head"))
        capacity = sum(c.width for c in self.columns[1:]) - 1.0
        if isinstance(value, str) and value:
            text, risky = safe_text(value)
            lines = text_lines(text, capacity, _UNITS.get(kind, 1.0))
            fmt = self.book.format(kind, quoted=risky)
        else:
            text, lines, fmt = value, 1, self.book.format("center" if kind == "text" else kind)
        height = min(lines * LINE + PAD, MAX_HEIGHT)
        if height != self._default:
            self.ws.set_row(r, height)
        if n > 2:
            self.ws.merge_range(r, 1, r, n - 1, None, fmt)
        if isinstance(text, str):
            self.ws.write_string(r, 1, text, fmt) if text else self.ws.write_blank(r, 1, None, fmt)
        elif isinstance(text, (datetime, date)):
            self.ws.write_datetime(r, 1, text, fmt)
        elif text is None:
            self.ws.write_blank(r, 1, None, fmt)
        else:
            self.ws.write_number(r, 1, text, fmt)
        self._row += 1

    def section(self, text: str) -> None:
        """A section heading (汇总's 一、二、…)."""
        self.line(text, "section", height=2 * LINE)

    def skip(self, rows: int = 1) -> None:
        """Leave rows empty (one line tall)."""
        for r in range(self._row, self._row + rows):
            if self._default != LINE + PAD:
                self.ws.set_row(r, LINE + PAD)
        self._row += rows

    @property
    def next_row(self) -> int:
        """The row (0-based) the next write goes to."""
        return self._row

    def page_break(self) -> bool:
        """Start a new printed page at the next row; False when the sheet holds as many manual
        breaks as Excel keeps (the caller continues on a new sheet)."""
        if len(self.breaks) >= MAX_BREAKS:
            return False
        self.breaks.append(self._row)
        return True

    def signatures(self, signers: Sequence[tuple[str, str]]) -> None:
        """The signature block: one tall line per signer with a line to sign on and the date.

        Args:
            signers: (role, a note printed after the line or "") per line, e.g.
                ``[("经办人", "导出人：孙文管"), ("保密负责人", "台账记录的批准人：赵保密")]``.
        """
        self.skip()
        for role, note in signers:
            self.line(
                messages.text(
                    "paper_sign_line_noted" if note else "paper_sign_line", role=role, note=note
                ),
                "signature",
                height=SIGN_LINES * LINE + PAD,
            )

    def anchor(self, count: int, head_hash: str, verdict: str) -> None:
        """The ledger's head as ``台账锚点 COUNT:HASH`` (what ``verify --anchor`` accepts) and
        the verification result at the time of printing."""
        self.skip()
        self.line(messages.text("paper_anchor", count=count, digest=head_hash), "anchor")
        self.line(verdict, "note")

    def finish(self, *, failed: bool = False) -> None:
        """Fix the column widths, the filter, page breaks and the marked header and footer."""
        ws = self.ws
        widths = [
            max(c.least, c.width if not c.fits else min(c.width, self._widest[i] + 1.5))
            for i, c in enumerate(self.columns)
        ]
        short = self._need - sum(widths)
        if short > 0:  # the merged lines were sized for a wider table: widen its text column
            texts = [i for i, c in enumerate(self.columns) if c.kind == "text"]
            grow = max(texts, key=lambda i: widths[i]) if texts else len(widths) - 1
            widths[grow] += short
        for i, width in enumerate(widths):
            ws.set_column(i, i, width)
        if self._table is not None and self._table[1] > self._table[0]:
            first, last, right = self._table[0], self._table[1], len(self.columns) - 1
            ws.autofilter(first, 0, last, right)
            # An empty cell of the table gets its borders from one rule over the table, not a
            # cell of its own: a quarter of a large register's cells are empty.
            ws.conditional_format(
                first, 0, last, right, {"type": "blanks", "format": self.book.format("ruled")}
            )
        if self.breaks:
            ws.set_h_pagebreaks(self.breaks)
        centre = self.name + (messages.text("paper_not_verified") if failed else "")
        mark = f'&"SimSun,Bold"{_hf(self.marking)}'
        code = _hf(messages.text("paper_header_code", code=self.code))
        ws.set_header(f"&L{mark}&C{_hf(centre)}&R{code}")
        ws.set_footer(f"&L{mark}&C{messages.text('paper_footer_pages')}")


@contextmanager
def printed_book(path: Path, *, force: bool = True) -> Iterator[PrintedBook]:
    """A :class:`PrintedBook` saved to ``path`` when the block ends: written to a 0600 temporary
    name beside it, then renamed; the writer's own temporary files live in a private directory
    removed whatever happens. A failure (permission, disk full) leaves no file behind and
    becomes one :class:`~carrier_tracker.errors.OutputError` line, with no traceback after it.

    Raises:
        OutputError: the path is unusable or the file cannot be written.
        ConflictError: the file exists and ``force`` is false.
    """
    with atomic_output(path, force=force) as sink, private_tmpdir() as tmpdir:
        book = PrintedBook(sink, tmpdir)
        try:
            yield book
            book.wb.close()
        except BaseException:
            _close_streams(book)
            raise


def _close_streams(book: PrintedBook) -> None:
    """Close each sheet's row-data file of a failed workbook (an unflushed buffer on a full disk
    would complain when collected); errors are expected here and dropped."""
    for ws in book.wb.worksheets():
        for name in ("row_data_fh", "fh"):
            stream = getattr(ws, name, None)
            if stream is not None:
                with suppress(Exception):  # best effort: the write has failed already
                    stream.close()
