"""Table rows written straight as XML (paper/row_xml.py) are the bytes XlsxWriter writes for them.

The same rows are written twice — straight, and through XlsxWriter's own writers
(``PrintedSheet.straight`` False) — and every part of the two workbooks must be identical
(but for the creation time), and read back to the same values. The rows hold every kind of
value the paper writes and every text XlsxWriter would escape or mark, so a cell written
differently, a row written twice or lost, a height or a style index off, all show here.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from carrier_tracker.paper.layout import Column, PrintedSheet, printed_book
from carrier_tracker.paper.row_xml import RowXml

COLUMNS = [
    Column("序号", 6, "num"),
    Column("载体", 20),
    Column("时间", 18, "time"),
    Column("日期", 12, "date"),
    Column("说明", 30),
    Column("哈希", 20, "mono"),
    Column("签名", 10, "sign"),
]

ROWS: list[list[object]] = [
    [
        1,
        "HY-01 第001份",
        datetime(2026, 12, 5, 9, 30, 15),
        date(2026, 12, 5),
        "领取",
        "ab" * 32,
        None,
    ],
    [2, "HY-01 第002份", None, None, "", None, None],  # blanks between cells
    [3, "长" * 200, datetime(2026, 1, 1), None, "很长的说明，" * 40, None, None],  # a tall row
    [4, "A & B <c> d", None, None, "x_x0041_y", None, None],  # escaped by XlsxWriter
    [5, " leading", None, None, "trailing ", None, None],  # xml:space="preserve"
    [6, "=SUM(A1)", None, None, "+1", None, None],  # a formula's start: quoted
    [7, "line\nbreak", None, None, "tab\there", None, None],  # control characters
    [8, "\u3000全角空格", None, None, "\ufffe", None, None],  # not printable
    [9.5, "float", None, None, "", None, None],
    [True, "bool", None, None, "", None, None],
    [12345678901234567890, "big int", None, None, "", None, None],
    [Fraction(1, 3), "fraction", None, None, "", None, None],
    [-0.0, "<r>rich-looking</r>", None, None, "", None, None],
    [
        14,
        "平常的一行",
        datetime(2026, 12, 5, 23, 59, 59, 999999),
        date(1900, 3, 1),
        "好",
        "cd" * 32,
        None,
    ],
]


def _book(path: Path, straight: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PrintedSheet, "straight", straight)
    with printed_book(path) as book:
        book.wb.set_properties({"created": datetime(2026, 12, 5, 8, 0)})
        for name in ("甲", "乙"):
            sheet = book.sheet(
                name, title="标题", facts=["事实"], columns=COLUMNS, marking="秘密", code="T"
            )
            for row in ROWS:
                sheet.row(row)
            # a cell of the next row written through XlsxWriter first: that row is not straight
            sheet.ws.write_string(sheet.next_row, 6, "签", book.format("sign"))
            sheet.row(ROWS[-1])
            sheet.line("表后一行")  # XlsxWriter's own write after the last straight row
            sheet.row(ROWS[0])  # and a straight row after it
            sheet.finish()


def test_straight_rows_are_the_bytes_xlsxwriter_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    straight, reference = tmp_path / "straight.xlsx", tmp_path / "reference.xlsx"
    _book(straight, True, monkeypatch)
    _book(reference, False, monkeypatch)
    with zipfile.ZipFile(straight) as a, zipfile.ZipFile(reference) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), name
    got = openpyxl.load_workbook(straight)
    assert got["甲"]["B5"].value == "HY-01 第001份"  # title, fact, blank, header, first row
    assert got["乙"].cell(row=5 + len(ROWS) + 2, column=2).value == "HY-01 第001份"


def test_the_straight_way_is_taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison above means something only if most rows go straight: count them."""
    written: list[int] = []
    real = RowXml.write

    def counting(
        self: RowXml, r: int, cells: Sequence[tuple[int, Any, Any, int]], height: float | None
    ) -> None:
        written.append(r)
        real(self, r, cells, height)

    monkeypatch.setattr(RowXml, "write", counting)
    _book(tmp_path / "b.xlsx", True, monkeypatch)
    # of each sheet's 16 rows, these hold nothing XlsxWriter would escape, mark or refuse
    plain = [1, 2, 3, 6, 9, 10, 11, 14]
    assert len(written) == 2 * (len(plain) + 1)  # + the row after the line


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("平常", True),
        ("a&b", False),
        ("a<b", False),
        ("a>b", False),
        ("_x0041_", False),
        (" a", False),
        ("a ", False),
        ("a\nb", False),
        ("\u3000", False),
        ("a_b", True),
    ],
)
def test_text_ok(text: str, ok: bool) -> None:
    assert RowXml.text_ok(text) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (1, True),
        (True, True),
        (1.5, True),
        (float("inf"), False),
        (float("nan"), False),
        (Fraction(1, 2), False),
    ],
)
def test_number_ok(value: object, ok: bool) -> None:
    assert RowXml.number_ok(value) is ok
