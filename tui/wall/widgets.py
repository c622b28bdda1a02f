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
from textual.widget import Widget
from textual.widgets import Digits, Label

from ..texts import t
from .board import DocumentRow, HolderRow


class Count(Vertical):
    """A label, the number in Textual's big ``Digits``, and a caption under it."""

    def __init__(self, label: str, *, id: str) -> None:
        super().__init__(id=id, classes="count")
        self.label = label

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="count-label", markup=False)
        yield Digits("0", classes="count-digits")
        yield Label("", classes="count-caption", markup=False)

    def show(self, value: int, caption: str = "", *, tone: str = "plain") -> None:
        """Show ``value`` and a caption; ``tone`` is ``alert`` (still needs action), ``calm``
        (nothing to do) or ``plain``."""
        self.query_one(Digits).update(str(value))
        self.query_one(".count-caption", Label).update(caption)
        for name in ("alert", "calm", "plain"):
            self.set_class(name == tone, name)


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
                    "wall_col_recovered": str(d.recovered) if d.issued is not None else "",
                    "wall_col_issued": t("wall_issued", issued=d.issued, planned=d.planned)
                    if d.issued is not None
                    else "",
                    "wall_col_since": when(d.since, now),
                    "wall_col_held": held_for(d.since, now),
                    "wall_col_holders": t("wall_sep").join(d.holders) or t("wall_none_out"),
                },
                "bold red" if d.lost else "" if d.out else "dim",
            )
            for d in self.documents
        ]
