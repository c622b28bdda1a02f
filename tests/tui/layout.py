"""What a person sees: the screen as plain text, and every place where text is cut off."""

from __future__ import annotations

import io
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from textual.containers import ScrollableContainer
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widget import Widget
from textual.widgets import Button, DataTable, Footer, Input, OptionList, Static
from textual.widgets._footer import FooterKey

from carrier_tracker.tui.widgets.row_table import RowTable


def screen_text(app: Any) -> str:
    """The whole screen (dialogs over what is under them) as plain text, as a terminal shows it."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        record=True,
        legacy_windows=False,
        safe_box=False,
        color_system="truecolor",
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text(styles=False)


def _scrolled(widget: Widget) -> bool:
    """Inside a container that scrolls on purpose (a log, a list): partly hidden is expected there."""
    for ancestor in widget.ancestors:
        if isinstance(
            ancestor, ScrollableContainer | ScrollView | OptionList | DataTable
        ) and not isinstance(ancestor, Footer):
            return True
    return False


def _name(widget: Widget) -> str:
    return f"{type(widget).__name__}#{widget.id}" if widget.id else type(widget).__name__


def _footer_overlaps(footer: Footer) -> list[str]:
    """Keys drawn under the command palette's key (docked right, it covers the last ones)."""
    keys = [k for k in footer.query(FooterKey) if k.display]
    palette = [k for k in keys if k.has_class("-command-palette")]
    edge = palette[0].region.x if palette else footer.region.right
    return [
        f"Footer: key {k.key_display!r} {k.description!r} ends at {k.region.right}, "
        f"the room ends at {edge}"
        for k in keys
        if k not in palette and k.region.right > edge
    ]


def clipping_problems(app: Any) -> list[str]:
    """Every visible widget whose text does not fit where it is drawn.

    Checked: a widget drawn partly outside its parent or the screen; a label/static whose wrapped
    text needs more lines than it has (or, for one-line text, more columns); an input's
    placeholder, a button's label, a footer key; a table that would need a horizontal scroll; a
    screen that needs a scrollbar.
    """
    screen = app.screen
    problems: list[str] = []
    if screen.virtual_size.height > screen.size.height:
        problems.append(
            f"{_name(screen)}: needs {screen.virtual_size.height} rows, has {screen.size.height}"
        )
    viewport = Size(*app.size)
    for widget in screen.walk_children(with_self=False):
        if not isinstance(widget, Widget) or not widget.display or not widget.visible:
            continue
        try:
            geometry = screen.find_widget(widget)
        except Exception:  # not on screen at all (e.g. under a scroll container's fold)
            continue
        region, clip = geometry.region, geometry.clip
        if region.width == 0 or region.height == 0:
            continue
        name = _name(widget)
        if not _scrolled(widget) and region.intersection(clip) != region:
            problems.append(
                f"{name}: drawn at {region} but only {region.intersection(clip)} is visible"
            )
            continue
        content = widget.content_region
        if isinstance(widget, Footer):
            if widget.virtual_size.width > widget.size.width:
                problems.append(
                    f"{name}: keys need {widget.virtual_size.width} columns, has {widget.size.width}"
                )
            problems += _footer_overlaps(widget)
            continue
        if isinstance(widget, FooterKey):
            continue
        if isinstance(widget, Input):
            text = widget.placeholder if not widget.value else ""
            if cell_len(text) > content.width:
                problems.append(
                    f"{name}: placeholder {text!r} needs {cell_len(text)} columns, has {content.width}"
                )
            continue
        if isinstance(widget, Button):
            label = str(widget.label)
            if cell_len(label) > content.width:
                problems.append(
                    f"{name}: label {label!r} needs {cell_len(label)} columns, has {content.width}"
                )
            continue
        if isinstance(widget, DataTable | RowTable):
            if widget.virtual_size.width > widget.scrollable_content_region.width:
                problems.append(
                    f"{name}: needs {widget.virtual_size.width} columns, has "
                    f"{widget.scrollable_content_region.width}"
                )
            continue
        if isinstance(widget, Static):
            container = widget.parent.size if isinstance(widget.parent, Widget) else viewport
            if widget.styles.text_wrap == "nowrap":
                needed = widget.get_content_width(container, viewport)
                if needed > content.width:
                    problems.append(f"{name}: one line of {needed} columns in {content.width}")
                continue
            lines = widget.get_content_height(container, viewport, content.width)
            if lines > content.height:
                problems.append(
                    f"{name}: text needs {lines} lines at width {content.width}, has {content.height}: "
                    f"{str(widget.render())[:60]!r}"
                )
    return problems
