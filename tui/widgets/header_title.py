"""The header line fitted to the terminal: a long meeting title gives way, so the part after it
(meeting code, marking, station, operator, 等待数据库…) stays whole on every screen."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size

HEADER_SIDES = 18
"""Columns of Textual's Header not given to the title: its icon (8) and the clock's space (10)."""
SEPARATOR = " — "  # what App.format_title puts between the title and the sub-title


def fit_title(title: str, sub_title: str, width: int) -> str:
    """``title`` shortened with "…" so that ``title — sub_title`` fits in ``width`` columns.

    The sub-title is never shortened here: if it alone is too wide, the title becomes "…" and the
    header's own ellipsis cuts the end.
    """
    room = width - cell_len(sub_title) - (cell_len(SEPARATOR) if sub_title else 0)
    if cell_len(title) <= room:
        return title
    # one column for the "…"; set_cell_size turns a wide character cut in half into a space
    return set_cell_size(title, max(room - 1, 0)).rstrip() + "…"
