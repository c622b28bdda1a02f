"""The wall's widgets: a big count, the banner, and a table that shows as many rows as fit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.renderables.digits import DIGITS, DIGITS3X3_BOLD
from textual.widget import Widget
from textual.widgets import Digits, Label

from ..texts import t
from .board import DocumentRow, HolderRow

# Which arms of a cell a heavy box-drawing character of Textual's digit font draws.
_ARMS = {
    "━": "lr",
    "┃": "ud",
    "┏": "rd",
    "┓": "ld",
    "┗": "ur",
    "┛": "ul",
    "┣": "udr",
    "┫": "udl",
    "┻": "lru",
    "╸": "l",
    "╹": "u",
    "╺": "r",
    "╻": "d",
}
# Where each arm goes in a cell scaled to 3 rows × 6 columns (a terminal cell is about twice as
# tall as wide, so the strokes come out square): (row, first column).
_ARM_AT = {"l": (1, 0), "r": (1, 4), "u": (0, 2), "d": (2, 2)}
SCALE_ROWS, SCALE_COLUMNS = 3, 6


def scaled_digits(text: str) -> list[str] | None:
    """``text`` drawn with Textual's bold digit font, every cell scaled to 3×6 in full blocks
    (9 rows); None when a character is not a digit of that font."""
    lines = ["" for _ in range(3 * SCALE_ROWS)]
    for character in text:
        if character not in "0123456789":
            return None
        at = DIGITS.index(character) * 3
        for glyph_row, glyph in enumerate(DIGITS3X3_BOLD[at : at + 3]):
            for cell in glyph.ljust(3):
                block = [[" "] * SCALE_COLUMNS for _ in range(SCALE_ROWS)]
                if cell != " ":
                    block[1][2] = block[1][3] = "█"
                for arm in _ARMS.get(cell, ""):
                    row, column = _ARM_AT[arm]
                    block[row][column] = block[row][column + 1] = "█"
                for i, cells in enumerate(block):
                    lines[glyph_row * SCALE_ROWS + i] += "".join(cells)
    return lines


class BigDigits(Widget):
    """Textual's digit font three times as large, for a wall seen from across a room."""

    def __init__(self, *, classes: str) -> None:
        super().__init__(classes=classes)
        self.value = "0"

    def update(self, value: str) -> None:
        """Show ``value`` (digits only)."""
        self.value = value
        self.refresh(layout=True)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        lines = scaled_digits(self.value)
        return len(lines[0]) if lines else len(self.value)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 3 * SCALE_ROWS

    def render(self) -> RenderableType:
        return Text("\n".join(scaled_digits(self.value) or [self.value]))


class Count(Vertical):
    """A label, the number in Textual's big ``Digits`` (three times as large where there is
    room: a 200×50 wall), and a caption under it."""

    def __init__(self, label: str, *, id: str) -> None:
        super().__init__(id=id, classes="count")
        self.label = label
        self.value = "0"

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="count-label", markup=False)
        yield Digits("0", classes="count-digits")
        yield BigDigits(classes="count-big")
        yield Label("", classes="count-caption", markup=False)

    def show(self, value: int, caption: str = "", *, tone: str = "plain") -> None:
        """Show ``value`` and a caption; ``tone`` is ``alert`` (still needs action), ``calm``
        (nothing to do) or ``plain``."""
        self.value = str(value)
        self.query_one(Digits).update(self.value)
        self.query_one(BigDigits).update(self.value)
        self.query_one(".count-caption", Label).update(caption)
        for name in ("alert", "calm", "plain"):
            self.set_class(name == tone, name)
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """The large digits where they fit whole (height and width), Textual's otherwise."""
        lines = scaled_digits(self.value)
        room = self.content_size
        big = lines is not None and room.height >= len(lines) + 2 and room.width >= len(lines[0])
        self.query_one(Digits).display = not big
        self.query_one(BigDigits).display = big

    @property
    def big(self) -> bool:
        """The large digits are shown."""
        return bool(self.query_one(BigDigits).display)


class Banner(Vertical):
    """A tall band with one short phrase, spaced out to be read from across the room."""

    def compose(self) -> ComposeResult:
        yield Label("", id="banner-text", markup=False)
        yield Label("", id="banner-note", markup=False)

    def show(self, text: str, note: str, kind: str) -> None:
        """Show the phrase (spaced), a note under it, in the colours of ``kind``."""
        self.query_one("#banner-text", Label).update("  ".join(text))
        self.query_one("#banner-note", Label).update(note)
        for name in ("all-back", "closed", "closed-lost", "not-open"):
            self.set_class(name == kind, name)


def when(at: datetime | None, now: datetime) -> str:
    """``09:31`` today, ``12-07 16:05`` another day, local time; ``-`` when unknown."""
    if at is None:
        return "-"
    local, today = at.astimezone(), now.astimezone()
    return local.strftime("%H:%M" if local.date() == today.date() else "%m-%d %H:%M")


def held_for(at: datetime | None, now: datetime) -> str:
    """How long something has been out: ``42 分钟``, ``2 小时 05 分``, ``1 天 3 小时``."""
    if at is None:
        return "-"
    minutes = max(0, int((now - at).total_seconds() // 60))
    hours, minute = divmod(minutes, 60)
    days, hour = divmod(hours, 24)
    if days:
        return t("wall_days", d=days, h=hour)
    if hours:
        return t("wall_hours", h=hour, m=minute)
    return t("wall_minutes", m=minute) if minute else t("wall_just_now")


WIDE = 140
"""From this width on, the by-document table also shows 持有自."""

Cells = dict[str, str]
"""One row: column key → text."""


class RowsBoard(Widget):
    """A table of as many rows as fit in the widget, then ``……另有 N 行未列出``.

    A wall is not scrolled: the rows are ordered longest-held first, so the cut-off ones matter
    least, and the line under the table says how many there are.
    """

    def __init__(self, *, now: Callable[[], datetime], id: str) -> None:
        super().__init__(id=id)
        self.now = now
        self.holders: Sequence[HolderRow] = ()
        self.documents: Sequence[DocumentRow] | None = None
        self.shown_rows = 0
        """How many rows the last drawing showed (tests read it)."""

    def show(self, holders: Sequence[HolderRow], documents: Sequence[DocumentRow] | None) -> None:
        """Show these holders (or, when given, these documents) and draw again."""
        self.holders, self.documents = holders, documents
        self.refresh()

    def render(self) -> RenderableType:
        now = self.now()
        rows = self._document_rows(now) if self.documents is not None else self._holder_rows(now)
        room = max(0, self.size.height - 1)  # the header
        if len(rows) > room:
            room -= 1  # the line that says how many are not shown
        self.shown_rows = max(0, min(room, len(rows)))
        columns = self._columns()
        table = self._table(columns)
        for cells, style in rows[: self.shown_rows]:
            table.add_row(*(cells[key] for key, _ in columns), style=style)
        more = len(rows) - self.shown_rows
        if more <= 0:
            return table
        return Group(table, Text(t("wall_more", n=more), style="bold"))

    def _columns(self) -> list[tuple[str, dict[str, Any]]]:
        """(catalogue key, column options) of the table, by mode and width."""
        width = self.size.width
        right = {"justify": "right"}
        if self.documents is not None:
            return [
                ("wall_col_document", {}),
                ("wall_col_title", {"max_width": max(8, width // 8)}),
                ("wall_col_out", right),
                ("wall_col_recovered", right),
                ("wall_col_issued", right),
                *([("wall_col_since", {})] if width >= WIDE else []),
                ("wall_col_held", {}),
                ("wall_col_holders", {"ratio": 1}),
            ]
        return [
            ("wall_col_who", {"max_width": max(12, width // 6)}),
            ("wall_col_unit", {"max_width": max(12, width // 5)}),
            ("wall_col_count", right),
            ("wall_col_since", {}),
            ("wall_col_held", {}),
            ("wall_col_items", {"ratio": 1}),
        ]

    @staticmethod
    def _table(columns: list[tuple[str, dict[str, Any]]]) -> Table:
        table = Table(
            box=None,
            expand=True,
            show_edge=False,
            pad_edge=False,
            padding=(0, 1),
            header_style="bold reverse",
        )
        for key, options in columns:
            table.add_column(t(key), no_wrap=True, overflow="ellipsis", **options)
        return table

    def _holder_rows(self, now: datetime) -> list[tuple[Cells, str]]:
        return [
            (
                {
                    "wall_col_who": r.who,
                    "wall_col_unit": r.unit,
                    "wall_col_count": str(len(r.items)),
                    "wall_col_since": when(r.since, now),
                    "wall_col_held": held_for(r.since, now),
                    "wall_col_items": t("wall_sep").join(r.items),
                },
                "bold red" if r.lost else "",
            )
            for r in self.holders
        ]

    def _document_rows(self, now: datetime) -> list[tuple[Cells, str]]:
        assert self.documents is not None
        return [
            (
                {
                    "wall_col_document": d.number,
                    "wall_col_title": d.title,
                    "wall_col_out": str(d.out),
                    "wall_col_recovered": str(d.recovered),
                    "wall_col_issued": t("wall_issued", issued=d.issued, planned=d.planned),
                    "wall_col_since": when(d.since, now),
                    "wall_col_held": held_for(d.since, now),
                    "wall_col_holders": t("wall_sep").join(d.holders) or t("wall_none_out"),
                },
                "bold red" if d.lost else "" if d.out else "dim",
            )
            for d in self.documents
        ]
