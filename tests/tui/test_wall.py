"""The wall display (``carrier-tracker wall``): what it shows in each state of a meeting, that it
follows taps made by another process on SQLite and PostgreSQL by polling the ledger's head, that
it only reads (read-only engine, no key, no login), that it fits 100×30 and 200×50, and that a
missing database or meeting is one Chinese line and exit 2."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select
from textual.widgets import Digits

from carrier_tracker.cli.demo import CODE
from carrier_tracker.custody.service import find_meeting
from carrier_tracker.enums import Mode
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Carrier
from carrier_tracker.storage.queries import newest_seq
from carrier_tracker.storage.readmodel import reconciliation
from carrier_tracker.tui.wall.app import Polled, WallApp, make_wall_app
from carrier_tracker.tui.wall.board import Headline, read_board
from carrier_tracker.tui.wall.widgets import Count, RowsBoard, scaled_digits
from tests.conftest import SAMPLE, fresh_pg_url
from tests.integration.cli_helpers import Cli
from tests.tui.conftest import Desk, copy_uid, pass_uid, wait_for
from tests.tui.layout import clipping_problems, screen_text
from tests.tui.wall_states import NOW, STATES, seed, shown, wall

SIZES = [(100, 30), (200, 50)]


def digits(app: WallApp, count: str) -> str:
    """The number a big count shows (``outstanding``, ``recovered``, ``collected``)."""
    return str(app.wall.query_one(f"#{count} Digits", Digits).value)


# -- what it shows -------------------------------------------------------------------------------


async def test_counts_and_holders_come_from_the_read_model_longest_held_first(
    desk: Callable[..., Desk],
) -> None:
    d = desk()
    seed(d, "under_way")
    app = wall(d)
    async with app.run_test(size=(100, 30)) as pilot:
        await shown(pilot, app)
        with db.read_scope(d.engine) as s:
            recon = reconciliation(s, find_meeting(s, CODE))
        assert digits(app, "outstanding") == str(recon.outstanding) == "9"
        assert digits(app, "recovered") == str(recon.recovered)
        assert digits(app, "collected") == str(recon.collected) == "1"
        screen = screen_text(app)
        assert recon.summary() in screen
        assert "其中挂失 1，机要递送中 1" in screen
        # A005 got their pass first: they head the list although A001 comes first by code.
        rows = [line.split()[0:2] for line in screen.splitlines() if line.startswith(" A0")]
        assert rows == [["A005", "袁丽"], ["A001", "赵娟"], ["A003", "梁洋"], ["A007", "沈芳"]]
        assert "机要 JY-2026-001" in screen
        assert "全部收回" not in screen and "全  部  收  回" not in screen
        board = app.wall.board
        assert board is not None
        assert board.holders[2].items == ("会议证 P003", "HY-02 第001份（已带离）")
        # Every outstanding item is on a row: the rows' counts add up to 未收回.
        assert sum(len(r.items) for r in board.holders) == recon.outstanding


async def test_by_document_rows_come_from_the_distribution_view(
    desk: Callable[..., Desk],
) -> None:
    d = desk()
    seed(d, "under_way")
    app = wall(d, by_document=True)
    async with app.run_test(size=(200, 50)) as pilot:
        await shown(pilot, app)
        board = app.wall.board
        assert board is not None and board.documents is not None
        by_number = {r.number: r for r in board.documents}
        assert (by_number["HY-01"].out, by_number["HY-01"].issued) == (2, 3)
        assert by_number["HY-01"].holders == ("002 袁丽", "001 赵娟")
        assert by_number["HY-03"].holders == ("007 赵娟（已挂失）",)
        assert by_number["HY-05"].holders == ("002 机要 JY-2026-001",)
        assert by_number["会议证"].out == 4
        # Documents with copies out first, the longest-held first; then the rest by number.
        assert [r.number for r in board.documents] == [
            "会议证",
            "HY-01",
            "HY-02",
            "HY-05",
            "HY-03",
            "HY-04",
            "HY-06",
            "HY-07",
            "HY-08",
        ]
        screen = screen_text(app)
        assert "002 袁丽、001 赵娟" in screen and "3/36" in screen  # 应发: the 36 cleared for 机密


@pytest.mark.parametrize(
    ("state", "requires", "counts"),
    [
        ("not_open", True, (0, 0, 0)),
        ("all_back", True, (0, 1, 1)),
        ("under_way", True, (4, 0, 4)),
        ("all_back", False, (0, 1, 1)),  # no passes required, but one was handed out
        ("not_open", False, None),  # no passes required, none handed out: no row
    ],
)
async def test_the_passes_row_is_there_whenever_the_meeting_uses_passes(
    state: str,
    requires: bool,
    counts: tuple[int, int, int] | None,
    desk: Callable[..., Desk],
) -> None:
    """By document, the 会议证 row is on the wall while no pass is out too (its counts say 0 out),
    so the rows do not jump when the first pass goes out or the last comes back."""
    d = desk()
    seed(d, state)
    with db.session_scope(d.engine) as s:
        meeting = find_meeting(s, CODE)
        meeting.requires_passes = requires
        s.add(meeting)
        tagged = len(
            s.exec(
                select(Carrier.id).where(
                    Carrier.meeting_id == meeting.id,
                    Carrier.kind == "pass",
                    col(Carrier.tag_uid).is_not(None),
                )
            ).all()
        )
    app = wall(d, by_document=True)
    async with app.run_test(size=(200, 50)) as pilot:
        await shown(pilot, app)
        board = app.wall.board
        assert board is not None and board.documents is not None
        rows = {r.number: r for r in board.documents}
        lines = [line.split() for line in screen_text(app).splitlines()]
        if counts is None:
            assert "会议证" not in rows and not any(w[:1] == ["会议证"] for w in lines)
            return
        out, recovered, issued = counts
        passes = rows["会议证"]
        assert (passes.out, passes.recovered, passes.issued, passes.planned) == (
            out,
            recovered,
            issued,
            tagged,
        )
        shown_row = next(w for w in lines if w[:1] == ["会议证"])
        assert shown_row[1:4] == [str(out), str(recovered), f"{issued}/{tagged}"]


@pytest.mark.parametrize(
    ("state", "banner", "note"),
    [
        ("not_open", "会  议  尚  未  开  始", "尚未发放任何载体（会议状态：已备案）"),
        ("all_back", "全  部  收  回", "可以结束会议（另有 263 件未发放）"),
        ("closed", "会  议  已  结  束", "全部收回  12-08 09:30:00 结束"),
        ("closed_lost", "会  议  已  结  束", "12-08 09:30:00 带例外结束：挂失 1 件"),
    ],
)
async def test_the_banner_says_when_the_meeting_can_close_or_is_over(
    state: str,
    banner: str,
    note: str,
    desk: Callable[..., Desk],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    import time

    time.tzset()
    d = desk()
    seed(d, state)
    app = wall(d)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await shown(pilot, app)
            screen = screen_text(app)
            assert banner in screen and note in screen
            rows = app.wall.query_one(RowsBoard)
            # Only the lost copy is left to list (closed with exceptions); otherwise no table.
            assert rows.display is (state == "closed_lost")
            if state == "closed_lost":
                assert "HY-01 第001份（已挂失）" in screen
    finally:
        monkeypatch.undo()
        time.tzset()


async def test_more_holders_than_fit_are_counted_not_cut(desk: Callable[..., Desk]) -> None:
    d = desk()
    seed(d, "crowd")  # 30 attendees hold their pass
    app = wall(d)
    async with app.run_test(size=(100, 30)) as pilot:
        await shown(pilot, app)
        rows = app.wall.query_one(RowsBoard)
        hidden = 30 - rows.shown_rows
        assert 0 < rows.shown_rows < 30
        screen = screen_text(app)
        assert f"……另有 {hidden} 行未列出" in screen
        assert " A001 赵娟" in screen  # the longest-held are the ones shown
        assert " A030 " not in screen
        await pilot.resize_terminal(200, 50)
        await pilot.pause(0.2)
        assert rows.shown_rows == 30
        assert "另有" not in screen_text(app)


@pytest.mark.parametrize("by_document", [False, True], ids=["holders", "by-document"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("state", STATES)
async def test_nothing_is_cut_off_at_100x30_and_200x50(
    state: str, size: tuple[int, int], by_document: bool, desk: Callable[..., Desk]
) -> None:
    d = desk()
    seed(d, state)
    app = wall(d, by_document=by_document)
    async with app.run_test(size=size) as pilot:
        await shown(pilot, app)
        assert clipping_problems(app) == []
        screen = screen_text(app)
        assert app.wall.query_one("#wall-title").region.y == 0
        assert "只读大屏" in screen.splitlines()[-1]  # the status line is the last line


# -- following the desks -------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def venue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Cli, str]]:
    """The sample meeting filed and checked, on SQLite or PostgreSQL, through the real CLI; and
    the same CLI run as a separate process (another desk)."""
    url = (
        f"sqlite:///{tmp_path / 'ct.db'}" if request.param == "sqlite" else fresh_pg_url("ct_wall")
    )
    cli = Cli(tmp_path / "home", url)
    assert cli("init").code == 0
    assert cli("import", str(SAMPLE)).code == 0
    yield Cli(tmp_path / "home", url, subprocess=True), url


async def test_taps_at_another_desk_process_show_up_on_the_next_poll(
    venue: tuple[Cli, str],
) -> None:
    other_desk, url = venue
    app = make_wall_app(url, CODE.lower())  # any letter case, as on the command line
    async with app.run_test(size=(100, 30)) as pilot:
        await shown(pilot, app)
        assert app.wall.board is not None
        assert app.wall.board.headline is Headline.NOT_OPEN
        first = app.reads

        r = other_desk("tap", CODE, "--mode", "issue", pass_uid("A001"))
        assert r.code == 0, r.out + r.err
        r = other_desk("tap", CODE, "--mode", "issue", "--attendee", "A001", copy_uid("HY-01", 1))
        assert r.code == 0, r.out + r.err
        engine = db.make_engine(url)
        with db.read_scope(engine) as s:
            head = newest_seq(s, find_meeting(s, CODE))
        await shown(pilot, app, head)
        assert app.reads > first
        assert digits(app, "outstanding") == "2"
        screen = screen_text(app)
        assert "A001 赵娟" in screen and "HY-01 第001份" in screen
        assert f"台账第 {head} 条" in screen

        r = other_desk("tap", CODE, "--mode", "recall", copy_uid("HY-01", 1), pass_uid("A001"))
        assert r.code == 0, r.out + r.err
        with db.read_scope(engine) as s:
            head = newest_seq(s, find_meeting(s, CODE))
        engine.dispose()
        await shown(pilot, app, head)
        assert digits(app, "outstanding") == "0" and digits(app, "recovered") == "2"
        assert "全  部  收  回" in screen_text(app)


async def test_it_reads_again_only_when_the_ledgers_head_moves(
    desk: Callable[..., Desk],
) -> None:
    """A row changed behind the ledger's back is not news: the wall polls the head, not the
    tables; the next event brings the whole board up to date."""
    d = desk()
    d.seed([(pass_uid("A001"), Mode.ISSUE, {})])
    app = wall(d)
    app.interval = 0.1
    async with app.run_test(size=(100, 30)) as pilot:
        await shown(pilot, app)
        reads, seq = app.reads, app.seen
        with db.session_scope(d.engine) as s:
            carrier = s.exec(select(Carrier).where(Carrier.tag_uid == pass_uid("A001"))).one()
            carrier.state = "recovered"
            s.add(carrier)
        polls = app.polls
        await wait_for(pilot, lambda: app.polls >= polls + 5)
        assert (app.reads, app.seen) == (reads, seq)
        assert digits(app, "outstanding") == "1"

        d.seed([(pass_uid("A003"), Mode.ISSUE, {})])  # an event: the head moves
        await wait_for(pilot, lambda: app.reads > reads)
        assert app.seen is not None and seq is not None and app.seen > seq
        assert digits(app, "outstanding") == "1"  # A003's pass; A001's row now says recovered
        assert "A003 梁洋" in screen_text(app) and "A001 赵娟" not in screen_text(app)


async def test_a_board_is_never_dropped_for_a_later_nothing_new(
    desk: Callable[..., Desk],
) -> None:
    """Polls that find nothing new may coalesce while the screen is busy; a new board may not."""
    d = desk()
    app = wall(d)
    app.interval = 3600.0  # only the first poll: the rest are posted here
    async with app.run_test(size=(100, 30)) as pilot:
        await shown(pilot, app)
        seed(d, "under_way")
        with db.read_scope(d.engine) as s:
            board = read_board(s, find_meeting(s, CODE))
        polls = app.polls
        app.post_message(Polled(board, NOW))
        for minute in range(1, 4):
            app.post_message(Polled(None, NOW + timedelta(minutes=minute)))
        last = NOW + timedelta(minutes=3)
        await wait_for(pilot, lambda: app.wall.read_at == last)
        assert app.seen == board.seq and digits(app, "outstanding") == "9"
        assert app.polls - polls == 2  # the board, and only the newest of the three


async def test_a_database_that_goes_away_is_said_and_the_wall_recovers(
    desk: Callable[..., Desk],
) -> None:
    d = desk()
    d.seed([(pass_uid("A001"), Mode.ISSUE, {})])
    app = wall(d)
    app.interval = 0.1
    path = Path(d.url.removeprefix("sqlite:///"))
    async with app.run_test(size=(100, 30)) as pilot:
        await shown(pilot, app)
        status = app.wall.query_one("#wall-status")
        path.rename(path.with_suffix(".away"))
        app.engine.dispose()  # pooled connections would still read the renamed file
        try:
            await wait_for(pilot, lambda: status.has_class("error"))
            line = "".join(screen_text(app).splitlines()[-4:]).replace(" ", "")
            shown_at = NOW.astimezone().strftime("%H:%M:%S")
            assert f"读取数据库失败，显示的是{shown_at}的数据，每秒重试" in line
            assert digits(app, "outstanding") == "1"  # the last board stays
        finally:
            path.with_suffix(".away").rename(path)
        await wait_for(pilot, lambda: not status.has_class("error"))
        assert "只读大屏" in screen_text(app).splitlines()[-1]


# -- it only reads -------------------------------------------------------------------------------


async def test_its_engine_refuses_writes(venue: tuple[Cli, str]) -> None:
    _, url = venue
    app = make_wall_app(url, CODE)
    try:
        with pytest.raises(DBAPIError), app.engine.begin() as conn:
            conn.execute(text("UPDATE meeting SET title = 'x'"))
    finally:
        app.engine.dispose()


async def test_it_works_on_a_read_only_copy_with_no_key_anywhere(
    desk: Callable[..., Desk], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = desk()
    seed(d, "under_way")
    copy = tmp_path / "auditor" / "copy.db"
    copy.parent.mkdir()
    with (  # as the README says to hand an auditor a copy
        closing(sqlite3.connect(d.url.removeprefix("sqlite:///"))) as source,
        closing(sqlite3.connect(copy)) as target,
    ):
        source.backup(target)
    before = copy.read_bytes()
    copy.chmod(stat.S_IRUSR)
    copy.parent.chmod(stat.S_IRUSR | stat.S_IXUSR)
    home = tmp_path / "nobody"
    monkeypatch.setenv("CARRIER_TRACKER_HOME", str(home))
    monkeypatch.delenv("CARRIER_TRACKER_KEY_FILE", raising=False)
    try:
        app = make_wall_app(f"sqlite:///{copy}", CODE)
        async with app.run_test(size=(100, 30)) as pilot:
            await shown(pilot, app)
            assert digits(app, "outstanding") == "9"
        assert copy.read_bytes() == before  # (SQLite may add an empty -shm: root may write here)
        assert not home.exists()  # no key, no data directory created
    finally:
        copy.parent.chmod(stat.S_IRWXU)


async def test_ctrl_q_and_ctrl_c_quit(desk: Callable[..., Desk]) -> None:
    for key in ("ctrl+q", "ctrl+c"):
        app = wall(desk())
        async with app.run_test(size=(100, 30)) as pilot:
            await shown(pilot, app)
            await pilot.press(key)
            await pilot.pause(0.1)
            assert not app.is_running, key


def test_board_is_read_in_one_snapshot(desk: Callable[..., Desk]) -> None:
    d = desk()
    seed(d, "under_way")
    with db.read_scope(d.engine) as s:
        meeting = find_meeting(s, CODE)
        board = read_board(s, meeting)
        assert board.seq == newest_seq(s, meeting)
        assert board.recon.counts() == reconciliation(s, meeting).counts()


# -- the command line ----------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path / "home", f"sqlite:///{tmp_path / 'ct.db'}")
    assert c("init").code == 0
    assert c("import", str(SAMPLE)).code == 0
    return c


def test_a_meeting_that_does_not_exist_is_one_line_and_exit_2(cli: Cli) -> None:
    r = cli("wall", "HY1999-01")
    assert (r.code, r.out, r.err) == (2, "", "错误：无此会议代号：HY1999-01\n")


def test_a_database_that_does_not_exist_is_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    r = Cli(tmp_path / "home", f"sqlite:///{missing}")("wall", CODE)
    assert r.code == 2 and r.out == "" and len(r.err.splitlines()) == 1
    assert r.err.startswith("错误：数据库文件不存在：") and str(missing) in r.err
    assert not missing.exists()
    r = Cli(tmp_path / "home", f"sqlite:///{tmp_path / 'no' / 'dir.db'}")("wall", CODE)
    assert (
        r.code == 2
        and r.err.startswith("错误：数据库所在目录不存在")
        and len(r.err.splitlines()) == 1
    )


def test_an_empty_database_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    r = Cli(tmp_path / "home", f"sqlite:///{empty}")("wall", CODE)
    assert (r.code, r.err) == (2, "错误：数据库尚未初始化：请先运行 carrier-tracker init\n")


def test_help_is_in_chinese(cli: Cli) -> None:
    r = cli("wall", "--help")
    assert r.code == 0
    assert "打开清点大屏（只读，无需登录）" in r.out and "--by-document" in r.out


# -- the counts, large where there is room -------------------------------------------------------


def test_scaled_digits_are_textuals_font_three_times_as_large() -> None:
    from textual.renderables.digits import DIGITS, DIGITS3X3_BOLD

    for digit in "0123456789":
        lines = scaled_digits(digit)
        assert lines is not None and len(lines) == 9
        at = DIGITS.index(digit) * 3
        glyph = [row.ljust(3) for row in DIGITS3X3_BOLD[at : at + 3]]
        # The centre of each 3×6 block is inked exactly where the font has a stroke.
        centres = [[lines[r * 3 + 1][c * 6 + 2] != " " for c in range(3)] for r in range(3)]
        assert centres == [[cell != " " for cell in row] for row in glyph], digit
    assert scaled_digits("1-2") is None  # not a digit: Textual's own Digits draws it
    # Each stroke of a cell reaches the edge it connects to: ┏━┓ / ┣━┫ / ┗━┛ is an 8.
    bars, stems, blank = "  " + "█" * 14 + "  ", "  ██  " + " " * 6 + "  ██  ", " " * 18
    assert scaled_digits("8") == [blank, bars, stems, stems, bars, stems, stems, bars, blank]


@pytest.mark.parametrize(
    ("size", "big"), [((100, 30), False), ((120, 36), False), ((200, 50), True)]
)
async def test_counts_are_three_times_as_large_on_a_tall_wall(
    size: tuple[int, int], big: bool, desk: Callable[..., Desk]
) -> None:
    d = desk()
    seed(d, "under_way")
    app = wall(d)
    async with app.run_test(size=size) as pilot:
        await shown(pilot, app)
        await pilot.pause(0.1)
        counts = list(app.wall.query(Count))
        assert [c.big for c in counts] == [big] * 3
        if big:
            assert "██████████████" in screen_text(app)
        assert clipping_problems(app) == []
