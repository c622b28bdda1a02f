"""A printed table's row written straight into XlsxWriter's constant-memory row file, as the XML
XlsxWriter itself writes for it — one string per row instead of a stored cell object, a flush
and six small writes per cell (bench/README.md, "Rows written straight").

Only the common row takes this way: text that needs no escaping, integers and finite floats,
dates and times. Anything else — text with ``& < >``, a control character, a space at either
end, Excel's ``_x0000_`` escape; a ``Fraction``, a NaN — goes through XlsxWriter's own writers
(:meth:`RowXml.text_ok` and :meth:`RowXml.number_ok` say which). The ``<row>`` tag is
XlsxWriter's own (its height, custom or default); the cells follow XlsxWriter 3.3's
``_write_cell`` for inline strings and numbers, and ``tests/unit/test_row_xml.py`` holds the
sheets byte for byte to what XlsxWriter writes for the same rows. XlsxWriter is pinned in
pyproject.toml.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from xlsxwriter.utility import xl_col_to_name

STRING, NUMBER, DATETIME = 0, 1, 2
"""How a cell is written: the kinds of :meth:`RowXml.write`'s cells."""


class RowXml:
    """Rows of one constant-memory worksheet written as XML."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self._letters: list[str] = []
        self._xf: dict[int, str] = {}

    def ready(self, r: int) -> bool:
        """Whether row ``r`` can be written straight: nothing of it is waiting in XlsxWriter's
        row table (a cell or a height set through its own writers) and no later row was
        written."""
        ws = self.ws
        if not ws.constant_memory or ws.fh is None:
            return False
        if r > ws.previous_row:
            return True
        return r == ws.previous_row and not ws.table.get(r) and r not in ws.row_info

    @staticmethod
    def text_ok(v: str) -> bool:
        """Whether XlsxWriter writes this text as it is: printable (no control character, no
        non-character), no ``& < >``, no ``_x`` (its escape of ``_xHHHH_``), no space at either
        end (which it marks ``xml:space="preserve"``)."""
        return (
            v.isprintable()
            and "&" not in v
            and "<" not in v
            and ">" not in v
            and "_x" not in v
            and v[0] != " "
            and v[-1] != " "
        )

    @staticmethod
    def number_ok(v: Any) -> bool:
        """Whether XlsxWriter writes this number with ``%.16G`` (an int or a finite float)."""
        t = type(v)
        return t is int or t is bool or (t is float and math.isfinite(v))

    def write(
        self, r: int, cells: Sequence[tuple[int, Any, Any, int]], height: float | None
    ) -> None:
        """Row ``r``: ``cells`` as (column, value, format, kind) in column order, none empty;
        ``height`` in points when the row is taller than the sheet's default. The caller
        checked :meth:`ready` and each value's ``*_ok``."""
        ws = self.ws
        if r > ws.previous_row:
            ws._write_single_row(r)  # whatever XlsxWriter still holds of earlier rows
        if height is not None:
            ws.set_row(r, height)
        ws._check_dimensions(r, cells[0][0])
        ws._check_dimensions(r, cells[-1][0])
        ws._write_row(r, None, ws.row_info.get(r))
        n = str(r + 1)
        letters, xfs = self._letters, self._xf
        parts = []
        for i, v, fmt, kind in cells:
            while len(letters) <= i:
                letters.append(xl_col_to_name(len(letters)))
            xf = xfs.get(id(fmt))
            if xf is None:
                xf = xfs[id(fmt)] = str(fmt._get_xf_index())
            if kind == STRING:
                parts.append(
                    f'<c r="{letters[i]}{n}" s="{xf}" t="inlineStr"><is><t>{v}</t></is></c>'
                )
            else:
                if kind == DATETIME:
                    v = ws._convert_date_time(v)
                parts.append(f'<c r="{letters[i]}{n}" s="{xf}"><v>{v:.16G}</v></c>')
        parts.append("</row>")
        ws.fh.write("".join(parts))
        ws.previous_row = r + 1  # this row is out: XlsxWriter must not write it again
