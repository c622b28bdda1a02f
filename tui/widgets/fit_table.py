"""A table whose last column takes the width that is left and wraps, so no text is cut off."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import DataTable

MIN_LAST = 12


class FitTable(DataTable[str | Text]):
    """Columns as wide as their widest cell; the last one fills the rest and wraps (rows grow)."""

    def __init__(self, **kw: str) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kw)  # type: ignore[arg-type]
        self._headers: list[str] = []
        self._rows_data: list[tuple[str, list[str]]] = []

    def set_data(self, headers: list[str], rows: list[tuple[str, list[str]]]) -> None:
        """Replace the contents: ``rows`` are (key, cells), one cell per header."""
        self._headers, self._rows_data = headers, rows
        self._draw()

    def on_resize(self, _event: events.Resize) -> None:
        if self._headers:
            self._draw()

    def _draw(self) -> None:
        keep = self.cursor_row
        n = len(self._headers)
        widths = [
            max([cell_len(self._headers[i])] + [cell_len(cells[i]) for _, cells in self._rows_data])
            for i in range(n - 1)
        ]
        room = (
            self.size.width - int(self.styles.scrollbar_size_vertical) - 2 * self.cell_padding * n
        )
        last = max(MIN_LAST, room - sum(widths))
        self.clear(columns=True)
        for header, width in zip(self._headers, [*widths, last], strict=True):
            self.add_column(header, width=width)
        for key, cells in self._rows_data:
            self.add_row(*cells[:-1], Text(cells[-1]), key=key, height=None)
        if self._rows_data:
            self.move_cursor(row=min(keep, len(self._rows_data) - 1))
