"""Every screen and dialog fits the documented minimum terminal (tui.texts.MIN_SIZE, 100×30) and the
common larger ones: no text is cut off anywhere (see tests/tui/layout.py for what is checked)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from textual.widgets import Static

from carrier_tracker.access.operators import Authenticated
from carrier_tracker.cli.demo import prepare_demo_database
from carrier_tracker.enums import Mode, Role
from carrier_tracker.storage.queries import tray_items
from carrier_tracker.tui.app import make_app
from carrier_tracker.tui.texts import MIN_SIZE, t
from carrier_tracker.tui.widgets.header_title import fit_title
from tests.tui.conftest import SCREENS, Desk, copy_uid, open_screen, pass_uid, settle
from tests.tui.layout import clipping_problems
from tests.tui.test_key_hints import back_to_desk

OFFICER = Authenticated("赵保密", Role.OFFICER)  # signed in already: the login has its own tests

SIZES = [MIN_SIZE, (120, 36), (160, 45)]


def seeded(desk: Callable[..., Desk], *, tray: bool) -> Desk:
    d = desk()
    d.seed(
        [
            (pass_uid("A001"), Mode.ISSUE, {}),
            (pass_uid("A003"), Mode.ISSUE, {}),
            (copy_uid("HY-01", 1), Mode.ISSUE, {"attendee_code": "A001"}),
            (copy_uid("HY-03", 7), Mode.ISSUE, {"attendee_code": "A001"}),
            (copy_uid("HY-02", 1), Mode.ISSUE, {"attendee_code": "A003"}),
            (copy_uid("HY-02", 1), Mode.CARRY_OUT, {"operator": "赵保密"}),
            (copy_uid("HY-05", 2), Mode.DISPATCH, {"consignment_no": "JY-2026-001"}),
            (
                copy_uid("HY-04", 1),
                Mode.ISSUE,
                {"attendee_code": "A010", "refused": True},
            ),  # a long reason in the logs
        ]
    )
    if tray:
        with d.app.ctx.read() as s:
            d.app.tray_items = tray_items(s, d.app.ctx.meeting)
    return d


def test_min_size_is_at_least_100_by_30() -> None:
    assert MIN_SIZE[0] <= 100 and MIN_SIZE[1] <= 30


@pytest.mark.parametrize("tray", [True, False], ids=["demo-tray", "desk"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_no_screen_cuts_text_off(
    size: tuple[int, int], tray: bool, desk: Callable[..., Desk]
) -> None:
    d = seeded(desk, tray=tray)
    problems: list[str] = []
    async with d.app.run_test(size=size) as pilot:
        await settle(pilot, d.app)
        await d.tap(pilot, "04FFEEDDCCBBAA")  # an unknown tag: the longest outcome line
        for name in SCREENS:
            await back_to_desk(pilot, d.app)
            await open_screen(pilot, d.app, name)
            problems += [f"{name}: {p}" for p in clipping_problems(d.app)]
    assert not problems, "\n".join(problems)


LONG_TITLE = "关于" + "全省保密工作专项检查整改落实情况" * 12 + "的会议"  # 200 characters


def test_fit_title_shortens_only_the_title() -> None:
    sub = "HY-2026-014  机密  工作台 一号台  操作员 赵保密"
    assert fit_title("短标题", sub, 82) == "短标题"
    fitted = fit_title(LONG_TITLE, sub, 82)
    assert fitted.endswith("…") and LONG_TITLE.startswith(fitted[:-1])
    assert cell_len(f"{fitted} — {sub}") <= 82
    # a wide character that would straddle the last column is dropped, not half-drawn
    assert cell_len(f"{fit_title('甲乙丙丁', 'x' * 70, 79)} — {'x' * 70}") <= 79
    assert fit_title(LONG_TITLE, "x" * 90, 82) == "…"  # the header's own ellipsis cuts the rest
    assert fit_title(LONG_TITLE, "", 10) == LONG_TITLE[:4] + "…"  # 4 wide characters, 9 columns


def header_line(app: Any) -> str:
    """The header line of the top screen that has one (a dialog has none; its screen's shows)."""
    for screen in reversed(app.screen_stack):
        for title in screen.query("HeaderTitle").results(Static):
            return str(title.render())
    raise AssertionError("no screen has a header")


async def test_a_long_title_leaves_the_operator_and_db_waiting_in_the_header(
    desk: Callable[..., Desk], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The header at the minimum size with a 200-character meeting title while the database is
    slow: the title gives way on every screen, the operator and 等待数据库… stay; a resize refits."""
    monkeypatch.setattr(
        "carrier_tracker.tui.app.WAITING_AFTER", -1.0
    )  # every lane counts as waiting
    d = seeded(desk, tray=False)
    problems: list[str] = []
    async with d.app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, d.app)
        d.app.title = LONG_TITLE
        await pilot.resize_terminal(*MIN_SIZE)
        await pilot.pause(0.3)
        for name in SCREENS:
            await back_to_desk(pilot, d.app)
            await open_screen(pilot, d.app, name)
            line = header_line(d.app)
            if "操作员 赵保密" not in line or t("db_waiting") not in line:
                problems.append(f"{name}: header {line!r}")
            problems += [f"{name}: {p}" for p in clipping_problems(d.app)]
        await back_to_desk(pilot, d.app)
        await pilot.resize_terminal(160, 45)
        await pilot.pause(0.3)
        wider = header_line(d.app)
    assert not problems, "\n".join(problems)
    assert cell_len(wider) >= 160 - 18 - 1 and LONG_TITLE[:30] in wider  # grew back with the room


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_meeting_picker_fits(size: tuple[int, int], tmp_path: Path) -> None:
    url, key_path = prepare_demo_database(tmp_path)
    app = make_app(
        url, "sim:", station="一号台", operator="赵保密", key_path=key_path, signed_in=OFFICER
    )
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        assert not clipping_problems(app)
