"""RowTable (tui/widgets/row_table.py): the cursor, the fixed header, rows replaced under the
cursor, zebra stripes, and that only the lines in view are drawn."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.style import Style
from textual.app import App, ComposeResult
from textual.strip import Strip

from carrier_tracker.tui.widgets.row_table import RowTable, widest
from tests.tui.layout import screen_text

SIZE = (40, 12)  # the table fills it: a header line and 11 rows in view


class Counting(RowTable):
    """A RowTable that counts the lines it is asked to draw."""

    drawn: list[int]

    def render_line(self, y: int) -> Strip:
        self.drawn.append(y)
        return super().render_line(y)


class TableApp(App[None]):
    CSS = "RowTable { width: 1fr; height: 1fr; }"

    def __init__(self, rows: int, *, zebra: bool = True) -> None:
        super().__init__()
        self.rows = rows
        self.zebra = zebra

    def compose(self) -> ComposeResult:
        yield Counting(id="t", zebra_stripes=self.zebra)

    def on_mount(self) -> None:
        table = self.query_one(Counting)
        table.drawn = []
        table.add_column("编号", key="n")
        table.add_column("名称", key="name")
        table.set_rows(numbered(self.rows))
        table.focus()


def numbered(n: int, *, first: int = 0) -> dict[str, tuple[str, str]]:
    return {f"k{i}": (f"{i:05d}", f"第{i}行") for i in range(first, first + n)}


def table(app: TableApp) -> Counting:
    return app.query_one(Counting)


def style_of(t: RowTable, y: int) -> Style | None:
    """The style line ``y`` of the table is drawn in (its first cell's)."""
    return next(iter(t.render_line(y))).style


async def test_the_cursor_moves_with_the_keys_and_stays_within_the_rows() -> None:
    app = TableApp(100)
    async with app.run_test(size=SIZE) as pilot:
        t = table(app)
        assert t.cursor_row == 0 and t.cursor_key == "k0"
        await pilot.press("up")
        assert t.cursor_row == 0  # not above the first row
        await pilot.press("down", "down")
        assert t.cursor_row == 2
        await pilot.press("pagedown")
        assert t.cursor_row == 2 + 11  # a page: the rows in view, the header not counted
        await pilot.press("pageup")
        assert t.cursor_row == 2
        await pilot.press("pageup")
        assert t.cursor_row == 0
        await pilot.press("end")
        assert t.cursor_row == 99 and t.cursor_key == "k99"
        await pilot.press("down", "pagedown")
        assert t.cursor_row == 99  # not below the last row
        await pilot.pause()
        assert "00099" in screen_text(app)  # scrolled into view
        await pilot.press("home")
        await pilot.pause()
        assert t.cursor_row == 0 and "00000" in screen_text(app)


async def test_a_click_puts_the_cursor_on_the_row_clicked_not_on_the_header() -> None:
    app = TableApp(100)
    async with app.run_test(size=SIZE) as pilot:
        t = table(app)
        await pilot.press("pagedown", "pagedown")  # scrolled: row 22 at the bottom
        await pilot.pause()
        top = round(t.scroll_y)
        assert top > 0
        await pilot.click(t, offset=(3, 4))  # the fourth row in view
        assert t.cursor_row == top + 3
        await pilot.click(t, offset=(3, 0))  # the header: the cursor stays
        assert t.cursor_row == top + 3


async def test_the_header_stays_on_top_while_the_rows_scroll() -> None:
    app = TableApp(1000)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end")
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert lines[0].split() == ["编号", "名称"]
        assert lines[-1].split() == ["00999", "第999行"]
        assert "00000" not in screen_text(app)


async def test_new_rows_keep_the_cursor_on_its_row_key() -> None:
    app = TableApp(50)
    async with app.run_test(size=SIZE) as pilot:
        t = table(app)
        await pilot.press("down", "down", "down")
        assert t.cursor_key == "k3"
        t.set_rows({"new": ("新", "插在最前"), **numbered(50)})  # a row above the cursor
        assert (t.cursor_row, t.cursor_key) == (4, "k3")
        rows = numbered(50)
        del rows["k1"]
        rows["k3"] = ("00003", "改了")
        t.set_rows(rows)  # a row above it gone, its own cells changed
        assert (t.cursor_row, t.cursor_key) == (2, "k3")
        assert t.get_cell("k3", "name") == "改了"
        t.set_rows(numbered(2))  # its row gone: the cursor stays within the rows
        assert t.cursor_row == 1 and t.cursor_key == "k1"
        t.set_rows({})
        assert t.cursor_key is None and t.row_count == 0
        await pilot.pause()
        assert screen_text(app).splitlines()[0].split() == ["编号", "名称"]


async def test_columns_are_as_wide_as_their_widest_text() -> None:
    app = TableApp(0)  # no rows yet: each column as wide as its label
    async with app.run_test(size=SIZE) as pilot:
        t = table(app)
        t.set_rows({"a": ("1", "短"), "b": ("2", "一行很长的中文")})
        await pilot.pause()
        assert [c.width for c in t.columns.values()] == [4, 14]  # 编号: the label; CJK: 2 each
        assert "一行很长的中文" in screen_text(app)
        assert t.virtual_size.width == 4 + 2 + 14 + 2
        t.set_rows({"a": ("1", "短"), "b": ("2", "一行很长的中文再长一点")})  # one row changed
        assert [c.width for c in t.columns.values()] == [4, 22]
        t.set_rows({"a": ("1", "短")})  # the widest row gone: the column stays (as DataTable's)
        assert [c.width for c in t.columns.values()] == [4, 22]


async def test_zebra_stripes_alternate_the_rows_background() -> None:
    app = TableApp(10)
    async with app.run_test(size=SIZE) as pilot:
        t = table(app)
        await pilot.press("end")  # the cursor off rows 0-2
        await pilot.pause()
        even, odd, even2 = (style_of(t, y) for y in (1, 2, 3))
        assert even is not None and odd is not None
        assert even.bgcolor != odd.bgcolor and even.bgcolor == even2.bgcolor  # type: ignore[union-attr]
    plain = TableApp(10, zebra=False)
    async with plain.run_test(size=SIZE) as pilot:
        t = table(plain)
        await pilot.press("end")
        await pilot.pause()
        even, odd = (style_of(t, y) for y in (1, 2))
        assert even is not None and odd is not None and even.bgcolor == odd.bgcolor


async def test_the_cursor_row_is_drawn_in_the_cursor_style() -> None:
    app = TableApp(10)
    async with app.run_test(size=SIZE) as pilot:
        t = table(app)
        await pilot.press("down", "down")
        await pilot.pause()
        styles = [style_of(t, y) for y in (1, 3, 5)]
        assert styles[1] is not None
        assert styles[1].bgcolor not in {s.bgcolor for s in (styles[0], styles[2]) if s}


async def test_only_the_lines_in_view_are_drawn() -> None:
    app = TableApp(50_000)
    async with app.run_test(size=SIZE) as pilot:
        t = table(app)
        await pilot.pause()
        height = t.size.height
        assert height == SIZE[1]  # the table is the screen's height, not its rows'
        t.drawn.clear()
        t.refresh()
        await pilot.pause()
        assert 0 < len(t.drawn) <= height and max(t.drawn) < height
        t.drawn.clear()
        t.set_rows(numbered(50_000, first=1))  # all rows new: still only a screenful drawn
        await pilot.pause()
        assert 0 < len(t.drawn) <= height
        assert screen_text(app).splitlines()[1].split() == ["00001", "第1行"]
        t.drawn.clear()
        await pilot.press("end")  # the far end: still only a screenful
        await pilot.pause()
        assert 0 < len(t.drawn) <= height
        assert screen_text(app).splitlines()[-1].split() == ["50000", "第50000行"]


@example(["\x07\x07\x07\x07", "a"])  # the longest text is the narrowest
@given(
    st.lists(
        st.text(alphabet="aZ 09（）第份件赵娟\u0301\x07é—·、\u200d\ufe0f😀", max_size=12),
        max_size=6,
    )
)
def test_widest_is_rich_s_widest_cell_len(texts: list[str]) -> None:
    """The columns' width, measured a faster way, is what Rich measures (wide, zero-width,
    control characters, joiners)."""
    assert widest(texts) == max(map(cell_len, texts), default=0)
