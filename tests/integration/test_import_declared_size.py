"""A sheet with more rows than its limit is refused before any row of any sheet is parsed: its
declared dimension gives it away, its rows with a value are counted by a plain scan of the XML.
A large dimension with few rows (a stray far cell, formatted empty rows) is read as usual.
(How long either takes is measured in bench/, never asserted here.)"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from carrier_tracker.errors import ImportProblems
from carrier_tracker.paper import importer
from tests.data.make_hostile_corpus import MEETING_HEAD, PEOPLE_HEAD, RawSheet, meeting_sheets
from tests.data.make_hostile_corpus import write_xlsx as write


@pytest.fixture
def rows_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sheets whose rows the import parsed (the real reader, watched)."""
    read: list[str] = []
    real = importer._read_sheet

    def watched(parsed: Any, spec: Any, ws: Any) -> None:
        read.append(spec.name)
        real(parsed, spec, ws)

    monkeypatch.setattr(importer, "_read_sheet", watched)
    return read


def _people(count: int) -> Iterator[tuple[int, Sequence[tuple[int, int, object]]]]:
    yield 1, [(1, j, v) for j, v in enumerate(PEOPLE_HEAD, start=1)]
    for i in range(1, count + 1):
        r = i + 1
        yield r, [(r, 1, f"A{i:05d}"), (r, 2, f"人员{i}"), (r, 6, "机密")]


@pytest.mark.parametrize(
    ("sheet", "rows", "says"),
    [
        ("参会人员", 10_001, "参会人员：超过上限 10,000 人，已停止读取；未导入"),
        ("标签绑定", 100_001, "标签绑定：超过上限 100,000 条绑定，已停止读取；未导入"),
        ("会议", 101, "会议：超过上限 100 行，已停止读取；未导入"),
    ],
    ids=["attendees", "tags", "meeting"],
)
def test_a_sheet_declaring_too_many_rows_is_refused_before_any_row_is_read(
    tmp_path: Path, rows_read: list[str], sheet: str, rows: int, says: str
) -> None:
    sheets = meeting_sheets(tags=rows if sheet == "标签绑定" else None)
    at = {s.name: i for i, s in enumerate(sheets)}[sheet]
    if sheet == "参会人员":
        sheets[at] = RawSheet(sheet, lambda: _people(rows), f"A1:F{rows + 1}")
    elif sheet == "会议":
        meeting = ["HX1", "测试会议", "机密", None, None, None, None, None, "是"]
        sheets[at] = RawSheet(
            sheet,
            lambda: (
                (r, [(r, j, v) for j, v in enumerate(values, 1) if v is not None])
                for r, values in enumerate([MEETING_HEAD, *[meeting] * rows], start=1)
            ),
            f"A1:I{rows + 1}",
        )
    else:
        sheets[at] = RawSheet(sheet, sheets[at].rows, f"A1:C{rows + 1}")
    path = tmp_path / "big.xlsx"
    write(path, sheets)
    with pytest.raises(ImportProblems) as err:
        importer.read_workbook(path)
    assert str(err.value) == says
    assert rows_read == []  # not one row of any sheet parsed


def test_a_dimension_the_xml_belies_is_not_believed(tmp_path: Path, rows_read: list[str]) -> None:
    """标签绑定 declares one cell (``A1``) but holds 100,001 rows: far more XML than one row
    can take, so its rows are counted, and it is refused before any row is read."""
    sheets = meeting_sheets(tags=100_001)
    sheets[3] = RawSheet("标签绑定", sheets[3].rows, "A1")
    path = tmp_path / "lying.xlsx"
    write(path, sheets)
    with pytest.raises(ImportProblems) as err:
        importer.read_workbook(path)
    assert str(err.value) == "标签绑定：超过上限 100,000 条绑定，已停止读取；未导入"
    assert rows_read == []


def test_a_large_dimension_with_few_rows_is_read_as_usual(
    tmp_path: Path, rows_read: list[str]
) -> None:
    """参会人员 declares 20,000 rows: 3 people, then empty (formatted) row elements and a stray
    value far down — 5 rows with a value, well within the limit."""

    def rows() -> Iterator[tuple[int, Sequence[tuple[int, int, object]]]]:
        yield from _people(3)
        for r in range(5, 20_000):
            yield r, []
        yield 20_000, [(20_000, 40, "stray")]

    sheets = meeting_sheets()
    sheets[1] = RawSheet("参会人员", rows, "A1:AN20000")
    path = tmp_path / "sparse.xlsx"
    write(path, sheets)
    parsed, data = importer.read_workbook(path)
    assert parsed.problems == []
    assert [a["code"] for a in data["attendees"]] == ["A00001", "A00002", "A00003"]
    assert rows_read == ["会议", "参会人员", "文件", "标签绑定"]
