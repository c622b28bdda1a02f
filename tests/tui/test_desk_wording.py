"""The desk's words and what it shows (issue 22, point 7): no command-line flag and no raw checklist
id on screen, the wording points fixed, the 机要 screen's header like the desk's, taps from every
screen in the desk's log, 机要 audit rows naming the consignment, 清点's bar labelled, log lines
rewrapped on a wider terminal, and the demo tray debouncing like a reader."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Static

from carrier_tracker import messages
from carrier_tracker.cli.demo import demo_app
from carrier_tracker.custody import checklists
from carrier_tracker.tui.screens.courier import CourierScreen
from carrier_tracker.tui.screens.desk import DeskScreen
from carrier_tracker.tui.texts import MIN_SIZE
from carrier_tracker.tui.widgets.tap_log import TapLog
from carrier_tracker.tui.wording import desk_words
from tests.tui.conftest import Desk, copy_uid, open_screen, pass_uid, settle, wait_for
from tests.tui.layout import screen_text
from tests.tui.test_notices import squeezed

REACHING_THE_DESK = {
    # refusals and errors of the services the desk calls, as the catalogue words them
    "not_filed": {"code": "HY2026-12", "level": "机密"},
    "venue_unsettled": {"code": "HY2026-12", "items": "无线设备、录音录像"},
    "sweep_unsettled": {"code": "HY2026-12", "items": "hall（会场）、waste（废纸处理）"},
    "room_required": {},
    "checklist_accept_officer": {"operator": "孙文管"},
    "checklist_accept_note": {},
    "change_officer": {"what": "撤销记录", "operator": "孙文管"},
    "change_note": {"what": "撤销记录"},
    "close_never_opened": {"code": "HY2026-12"},
    "demo_paperwork": {"ref": "保密办〔2026〕12号", "by": "赵保密"},
}
FLAG = re.compile(r"--[a-z]|carrier-tracker")


@pytest.mark.parametrize("key", sorted(REACHING_THE_DESK))
def test_desk_words_name_no_flag_and_no_checklist_id(key: str) -> None:
    raw = messages.text(key, **REACHING_THE_DESK[key])
    shown = desk_words(raw)
    assert not FLAG.search(shown), shown
    ids = [it.id for c in checklists.active() for it in c.items]
    assert not any(re.search(rf"\b{i}\b", shown) for i in ids), shown
    assert shown.strip("（）；，："), shown  # something is left to read


def test_desk_words_keep_what_the_desk_can_use() -> None:
    assert desk_words(messages.text("checklist_accept_officer", operator="孙文管")) == (
        "接受不符合项需保密负责人（当前操作员：孙文管）"
    )
    sweep = messages.text("sweep_unsettled", code="HY2026-12", items="hall（会场）")
    assert desk_words(sweep).endswith("：会场（在工作台 Ctrl+A 会前/会后检查中作答）")
    assert "请用工作台 Ctrl+A" in desk_words(messages.text("demo_paperwork", ref="R", by="B"))


async def test_courier_header_and_taps_reach_the_desk_and_the_audit(
    desk: Callable[..., Desk],
) -> None:
    d = desk()
    async with d.app.run_test(size=MIN_SIZE) as pilot:
        await open_screen(pilot, d.app, "courier")
        assert isinstance(d.app.screen, CourierScreen)
        assert "操作员 赵保密（保密负责人） Ctrl+X 锁定" in " ".join(screen_text(d.app).split())
        assert "机要发出：HY-05 第002份" in await d.tap(pilot, copy_uid("HY-05", 2))
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(d.app.screen, DeskScreen))
        log = [str(s.render()) for s in d.app.screen.query_one(TapLog).query(Static)]
        assert any("机要发出：HY-05 第002份" in line for line in log), log
        await pilot.press("ctrl+t", *"HY-05")
        await wait_for(pilot, lambda: "机要件 JY-2026-001" in screen_text(d.app), timeout=10)


async def test_checklist_items_by_label_and_wording_points(desk: Callable[..., Desk]) -> None:
    d = desk()
    async with d.app.run_test(size=(120, 36)) as pilot:
        await d.tap(pilot, pass_uid("A005"))
        assert "无需操作：会议证 P005（袁丽） 状态已是“已发放”" in await d.tap(
            pilot, pass_uid("A005")
        )
        await pilot.press("f10")
        await pilot.press(*"遗失", "enter")
        lost = await d.tap(pilot, pass_uid("A005"))
        assert "挂失：会议证 P005（袁丽）" in lost and "（袁丽）（袁丽）" not in lost
        await pilot.press("ctrl+a")
        await settle(pilot, d.app)
        text = screen_text(d.app)
        assert "手机管控" in text and "phones" not in text
        await pilot.press("ctrl+t")
        # The 说明 column may wrap the checklist's name onto a line of its own.
        await wait_for(pilot, lambda: "手机管控：符合" in screen_text(d.app))
        assert "会场保密检查" in screen_text(d.app)
        assert not re.search(r"\b(phones|wireless|storage)\b", screen_text(d.app))
        await pilot.press("ctrl+r")
        await settle(pilot, d.app)
        assert "清点进度 0/1" in screen_text(d.app)  # the progress bar's label (P005 is lost)


async def test_log_lines_rewrap_when_the_terminal_widens(desk: Callable[..., Desk]) -> None:
    d = desk()
    async with d.app.run_test(size=MIN_SIZE) as pilot:
        await d.tap(pilot, pass_uid("A003"))  # …（未签保密承诺书）: two lines at 100 columns
        log = d.app.screen.query_one(TapLog)
        entry = log.query(Static).first()
        assert entry.size.height == 2
        await pilot.resize_terminal(200, 50)
        await settle(pilot, d.app)
        await wait_for(pilot, lambda: entry.size.height == 1)


async def test_the_demo_tray_drops_a_re_read_like_a_reader(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(*"246810", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen), timeout=10)
        await settle(pilot, app)
        await pilot.press(*"A003", "enter")
        await wait_for(pilot, lambda: "发放：会议证 P003（梁洋）" in screen_text(app), timeout=10)
        await pilot.press("f4", *"A003", "enter")  # the same tag again at once: a re-read
        await wait_for(pilot, lambda: "不再读取" in squeezed(screen_text(app)))
        await settle(pilot, app)
        assert "会后清退：" not in screen_text(app)  # no result: the reader dropped it
        await asyncio.sleep(1.6)  # lifted long enough: a new tap
        await pilot.press(*"A003", "enter")
        await wait_for(
            pilot, lambda: "会后清退：会议证 P003（梁洋）" in screen_text(app), timeout=10
        )
