"""Every screen and dialog fits the documented minimum terminal (tui.texts.MIN_SIZE, 100×30) and the
common larger ones: no text is cut off anywhere (see tests/tui/layout.py for what is checked)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from carrier_tracker.cli.demo import prepare_demo_database
from carrier_tracker.enums import Mode, Role
from carrier_tracker.operators import Authenticated
from carrier_tracker.queries import tray_items
from tests.tui.conftest import SCREENS, Desk, copy_uid, open_screen, pass_uid, settle
from tests.tui.layout import clipping_problems
from tests.tui.test_key_hints import back_to_desk
from tui.app import make_app
from tui.texts import MIN_SIZE

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


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_meeting_picker_fits(size: tuple[int, int], tmp_path: Path) -> None:
    url, key_path = prepare_demo_database(tmp_path)
    app = make_app(
        url, "sim:", station="一号台", operator="赵保密", key_path=key_path, signed_in=OFFICER
    )
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        assert not clipping_problems(app)
