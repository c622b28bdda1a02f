"""Notices (toasts) never cover text and lose none of their own: a long notice is shown over every
screen and dialog at 100×30 and 200×50, and every character of it must be read off the terminal,
with nothing else on the screen cut off.

Found walking the demo: a toast floating over the tray's border lost the wide characters the
border cut through (``保  负责人``, ``台账校验完  ``, ``已  束``), at every size.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.screen import ModalScreen

from tests.tui.conftest import SCREENS, Desk, open_screen, settle, wait_for
from tests.tui.layout import clipping_problems, screen_text

LONG = (
    "会议 HY2026-12 已结束，台账锚点 63:9f2c 已记下；已释放标签：会议证 40 枚，文件 225 枚，"
    "可在其他会议中重新绑定。保密负责人赵保密批准，文管员孙文管办理，另有两件挂失已报保密办。"
)
BORDERS = "▌▎▊▏│┃"


def squeezed(text: str) -> str:
    """The text without spaces, line breaks and the box lines drawn beside it."""
    return "".join(ch for ch in text if not ch.isspace() and ch not in BORDERS)


@pytest.mark.parametrize("size", [(100, 30), (200, 50)], ids=["100x30", "200x50"])
async def test_a_long_notice_is_read_whole_on_every_screen(
    size: tuple[int, int], desk: Callable[..., Desk]
) -> None:
    d = desk()
    app = d.app
    async with app.run_test(size=size, notifications=True) as pilot:
        for name in SCREENS:
            while isinstance(app.screen, ModalScreen):
                app.pop_screen()
            app.action_show("desk")
            await open_screen(pilot, app, name)
            app.notify(LONG, timeout=30)
            await wait_for(pilot, lambda: bool(app.screen.query("Toast")))
            await settle(pilot, app)
            shown = squeezed(screen_text(app))
            assert squeezed(LONG) in shown, f"{name} at {size}:\n{screen_text(app)}"
            assert not clipping_problems(app), (name, size, clipping_problems(app))
            app.clear_notifications()
            await settle(pilot, app)
