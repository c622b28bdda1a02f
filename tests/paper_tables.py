"""Reading the printed sheets back: the table under the title block, the title block's facts,
汇总's labelled values and counts."""

from __future__ import annotations

from typing import Any

from openpyxl.worksheet.worksheet import Worksheet


def header_row(ws: Worksheet) -> int:
    """The table's header row (1-based): the first row with two or more values (the title
    block's lines are merged, one value each)."""
    for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if sum(v is not None for v in row) >= 2:
            return i
    raise AssertionError(f"{ws.title}: no table")


def table(ws: Worksheet) -> list[tuple[Any, ...]]:
    """The table's rows under its header, up to the first empty row; a line saying the list
    is empty (one value across the table) is no row."""
    start = header_row(ws)
    width = len(next(ws.iter_rows(min_row=start, max_row=start, values_only=True)))
    out = []
    for row in ws.iter_rows(min_row=start + 1, values_only=True):
        values = row[:width]
        if all(v is None for v in values):
            break
        if width > 1 and sum(v is not None for v in values) == 1 and isinstance(values[0], str):
            continue  # "（全部收回，无未收回载体）" merged across the table
        out.append(tuple(values))
    return out


def headers(ws: Worksheet) -> list[Any]:
    """The table's header row's values."""
    start = header_row(ws)
    return [c.value for c in ws[start] if c.value is not None]


def column_widths(ws: Worksheet, n: int) -> list[float]:
    """The widths of the first ``n`` columns (openpyxl keeps equal neighbours as one range)."""
    out = [0.0] * n
    for dim in ws.column_dimensions.values():
        for i in range(dim.min or 1, (dim.max or dim.min or 1) + 1):
            if i <= n:
                out[i - 1] = dim.width or 0.0
    return out


def empty_line(ws: Worksheet) -> str | None:
    """The line saying the table is empty, if it does."""
    start = header_row(ws)
    row = next(ws.iter_rows(min_row=start + 1, max_row=start + 1, values_only=True), ())
    if row and isinstance(row[0], str) and all(v is None for v in row[1:]):
        return row[0]
    return None


def lines(ws: Worksheet) -> list[str]:
    """Every text of the sheet that stands alone on its row (title block, notes, signatures)."""
    return [
        row[0]
        for row in ws.iter_rows(values_only=True)
        if isinstance(row[0], str) and all(v is None for v in row[1:])
    ]


def facts(ws: Worksheet) -> dict[str, str]:
    """The title block's ``label：value`` pairs (``会议代号``, ``密级``, ``导出时间``, …)."""
    out: dict[str, str] = {}
    for row in ws.iter_rows(max_row=header_row(ws) - 1, values_only=True):
        if isinstance(row[0], str):
            for part in row[0].split("　　"):
                label, sep, value = part.partition("：")
                if sep:
                    out[label.strip()] = value.strip()
    return out


def summary(ws: Worksheet) -> dict[str, Any]:
    """汇总's labelled values: each ``label | value`` row, the counts table as ``文件·在库`` and
    ``会议证·在库``, the story's rows as ``备案·经办人`` etc., and the title block's facts."""
    out: dict[str, Any] = dict(facts(ws))
    section = ""
    heads: tuple[Any, ...] = ()
    for row in ws.iter_rows(values_only=True):
        first, rest = row[0], row[1:]
        if isinstance(first, str) and first[:2] in ("一、", "二、", "三、", "四、", "五、"):
            section, heads = first, ()
            continue
        if first is None or all(v is None for v in rest):
            continue
        if first in ("状态", "事项", "文件编号", "时段"):
            heads = row
            continue
        if section.startswith("一、") and heads:
            out[f"文件·{first}"], out[f"会议证·{first}"] = row[1], row[2]
        elif heads and first in ("备案", "开始（首次刷卡）", "结束"):
            for head, value in zip(heads[1:], rest, strict=False):
                out[f"{first}·{head}"] = value
        elif not heads or section.startswith("四、"):
            out[first] = row[1]
    return out
