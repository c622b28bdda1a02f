"""A table of plain-text rows that draws only the lines on screen (Textual's Line API).

Textual's ``DataTable`` measures every cell of every row it is given (Rich markup, cell widths)
and keeps a renderable per cell: at 55,000 rows that is tens of seconds. This table keeps the
rows as a plain ``dict`` (row key → cells, in the order they are shown), sizes its columns once
per change from the distinct values' cell widths, and renders a line only when Textual asks for
it (``render_line`` of the lines in view). A header line stays on top while the rows scroll; a
row cursor moves with the keys and the mouse and stays on its row key when the rows change.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from rich.cells import cell_len, get_character_cell_size, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

PADDING = 1
"""Blank columns on each side of a cell (as ``DataTable``'s default ``cell_padding``)."""


@lru_cache(maxsize=64)
def _column(index: int) -> Style:
    """A style naming a column: tells a cell's segment from its neighbour's."""
    return Style.from_meta({"column": index})


def widest(texts: Collection[str]) -> int:
    """The largest ``rich.cells.cell_len`` of ``texts``, without measuring every text character
    by character in Python (``cell_len`` does that for any non-ASCII text: about a second at
    100,000 texts on a loaded host).

    A text takes at most two cells a character, so only texts longer than half the longest one
    can be the widest (unless characters of no width make the longest narrower than its length:
    then every text is measured). Those are measured by translating each of their characters
    (each distinct one measured once) to one placeholder per cell, in C."""
    longest = max(map(len, texts), default=0)
    if not longest:
        return 0
    candidates = [text for text in texts if 2 * len(text) > longest]
    best = _widest(candidates)
    return best if best >= longest else _widest(texts)


def _widest(texts: Collection[str]) -> int:
    """The largest ``cell_len`` of ``texts``, exactly, each distinct character measured once."""
    chars = set("".join(texts))
    if chars <= _ONE_CELL:
        return max(map(len, texts))
    if chars & {"\u200d", "\ufe0f"}:  # joiners and emoji presentation: rich's own rules
        return max(map(cell_len, texts))
    sizes = {c: get_character_cell_size(c) for c in chars}
    if 0 in sizes.values():  # characters of no width (controls, combining marks)
        cells = {ord(c): "  " if size == 2 else "" for c, size in sizes.items() if size != 1}
        return max(len(text.translate(cells)) for text in texts)
    wide_chars = "".join(re.escape(c) for c, size in sizes.items() if size == 2)
    if not wide_chars:
        return max(map(len, texts))
    wide = re.compile(f"[{wide_chars}]")
    return max(len(text) + len(wide.findall(text)) for text in texts)


_ONE_CELL = frozenset(map(chr, range(0x20, 0x7F)))
"""Printable ASCII: one cell each."""


@dataclass
class Column:
    """A column: its key, its header label and the width of its widest text (no padding)."""

    key: str
    label: str
    width: int


class RowTable(ScrollView, can_focus=True):
    """Rows of text under a fixed header, one row cursor, zebra stripes; only visible lines drawn."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First row", show=False),
        Binding("end", "last", "Last row", show=False),
    ]

    COMPONENT_CLASSES = {
        "row-table--header",
        "row-table--cursor",
        "row-table--even-row",
        "row-table--odd-row",
    }

    # The look of Textual's DataTable (textual 8.2.8), so the screen looks as it did.
    DEFAULT_CSS = """
    RowTable {
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .row-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .row-table--header {
                background-tint: $foreground 5%;
            }
        }
        &:dark > .row-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .row-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .row-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .row-table--even-row {
            background: $surface-lighten-1 50%;
        }
        & > .row-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    def __init__(
        self,
        *,
        zebra_stripes: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.zebra_stripes = zebra_stripes
        self.columns: dict[str, Column] = {}
        self._rows: dict[str, Sequence[str]] = {}
        self._keys: list[str] = []
        self._index: dict[str, int] = {}
        self.cursor_row = 0

    # -- data --------------------------------------------------------------------------------

    def add_column(self, label: str, *, key: str) -> None:
        """A column at the right, as wide as its label until rows come."""
        self.columns[key] = Column(key, label, cell_len(label))
        self._resize()

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def row_keys(self) -> list[str]:
        """The row keys, in the order the rows are shown."""
        return list(self._keys)

    @property
    def cursor_key(self) -> str | None:
        """The row key under the cursor, ``None`` when there are no rows."""
        return self._keys[self.cursor_row] if self._keys else None

    def get_row_at(self, index: int) -> Sequence[str]:
        return self._rows[self._keys[index]]

    def get_row(self, key: str) -> Sequence[str]:
        return self._rows[key]

    def get_row_index(self, key: str) -> int:
        return self._index[key]

    def get_cell(self, key: str, column: str) -> str:
        return self._rows[key][list(self.columns).index(column)]

    def set_rows(self, rows: Mapping[str, Sequence[str]]) -> None:
        """Show these rows in this order (row key → one text per column). The cursor stays on
        its row key if that row is still here, else at the same place (within the rows).

        Only the rows new or changed since the last call are measured, and a column only ever
        widens (as DataTable's do): a refresh after one tap costs a comparison per row, not a
        measure per cell."""
        at, before = self.cursor_key, self._rows
        self._rows = dict(rows)
        self._keys = list(self._rows)
        self._index = {key: i for i, key in enumerate(self._keys)}
        changed = [cells for key, cells in self._rows.items() if before.get(key) != cells]
        for i, column in enumerate(self.columns.values()):
            column.width = max(column.width, widest({cells[i] for cells in changed}))
        self._resize()
        self.refresh()
        kept = at is not None and at in self._index
        self.move_cursor(self._index[at] if kept and at is not None else self.cursor_row)

    def _resize(self) -> None:
        width = sum(c.width + 2 * PADDING for c in self.columns.values())
        self.virtual_size = Size(width, len(self._keys) + 1)  # + the header line

    # -- cursor ------------------------------------------------------------------------------

    @property
    def _page(self) -> int:
        """Rows in view (the header takes a line)."""
        return max(1, self.scrollable_content_region.height - 1)

    def move_cursor(self, row: int) -> None:
        """Put the cursor on row ``row`` (kept within the rows) and scroll it into view."""
        self.cursor_row = max(0, min(row, len(self._keys) - 1))
        self.refresh()
        top = round(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + self._page:
            self.scroll_to(y=self.cursor_row - self._page + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - self._page)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + self._page)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self._keys) - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:  # the header
            return
        row = round(self.scroll_y) + offset.y - 1
        if row < len(self._keys):
            self.move_cursor(row)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- drawing -----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """Line ``y`` of the view: the header (line 0, never scrolled away) or a row."""
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = self.scroll_offset
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("row-table--header")
            return self._strip([c.label for c in self.columns.values()], style, scroll_x, width)
        row = scroll_y + y - 1
        if row >= len(self._keys):
            return Strip.blank(width, base)
        style = base
        if self.zebra_stripes:
            style += self.get_component_rich_style(
                "row-table--odd-row" if row % 2 else "row-table--even-row"
            )
        if row == self.cursor_row:
            style += self.get_component_rich_style("row-table--cursor")
        return self._strip(self._rows[self._keys[row]], style, scroll_x, width)

    def _strip(self, cells: Sequence[str], style: Style, scroll_x: int, width: int) -> Strip:
        """One line of cells, padded to their columns, cut to the view, the rest in ``style``.

        Each cell is a segment of its own (its style names its column, as DataTable's do), so
        it is never merged with the next one: an SVG export places each cell where it starts
        instead of running wide characters on from the cell before."""
        pad = " " * PADDING
        line = Strip(
            [
                Segment(pad + set_cell_size(cell, column.width) + pad, style + _column(i))
                for i, (cell, column) in enumerate(zip(cells, self.columns.values(), strict=True))
            ],
            self.virtual_size.width,
        )
        return line.crop_extend(scroll_x, scroll_x + width, style)
