"""Everything on the desk is in Chinese: every screen and dialog — the login, the lock, the command
palette, the approval dialog, Ctrl+C's notice, a closed meeting's desk — is read off the terminal
and no ASCII word of three letters or more may be there, but codes and UIDs (they hold a digit),
file names (they hold a dot or a slash: data), key names (Ctrl, Esc …) and the two terms printed on
the hardware itself, UID and PIN.

Found walking the demo: Textual's command palette (``Search for commands…``, Keys, Maximize,
Screenshot, Theme), its Keys panel, ``Do you want to quit?`` on Ctrl+C.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from carrier_tracker.cli.demo import demo_app, prepare_demo_database
from carrier_tracker.tui.app import CarrierTrackerApp, make_app
from carrier_tracker.tui.screens.approval import ApprovalDialog
from carrier_tracker.tui.screens.commands import CommandsDialog
from carrier_tracker.tui.screens.desk import DeskScreen
from carrier_tracker.tui.screens.login import LoginScreen
from carrier_tracker.tui.texts import MIN_SIZE
from tests.tui.conftest import SCREENS, Desk, copy_uid, open_screen, pass_uid, settle, wait_for
from tests.tui.layout import screen_text

KEY_NAMES = {"ctrl", "esc", "escape", "tab", "enter", "shift", "home", "end", "delete", "space"}
TERMS = {"UID", "PIN"}


def english(text: str) -> set[str]:
    """ASCII words of three letters or more that are not a code, UID, file name or key name."""
    words: set[str] = set()
    for token in re.findall(r"[A-Za-z0-9_.:/+\-]+", text):
        if any(ch.isdigit() for ch in token) or "." in token or "/" in token:
            continue
        for word in re.findall(r"[A-Za-z]{3,}", token):
            if word.lower() not in KEY_NAMES and word not in TERMS:
                words.add(word)
    return words


def test_the_check_finds_english() -> None:
    assert english("Search for commands… 工作台 Ctrl+P") == {"Search", "for", "commands"}
    assert not english("HY-01 第001份 04A1B2C3D4E5F6 a3f0:9e 标签 UID，PIN 导入 meeting.xlsx")


async def _no_english(pilot: Any, app: CarrierTrackerApp, where: str) -> None:
    await settle(pilot, app)
    found = english(screen_text(app))
    assert not found, f"{where}: {sorted(found)}\n{screen_text(app)}"


@pytest.mark.parametrize("name", list(SCREENS))
async def test_no_english_on_any_screen(name: str, desk: Callable[..., Desk]) -> None:
    d = desk()
    async with d.app.run_test(size=MIN_SIZE, notifications=True) as pilot:
        await open_screen(pilot, d.app, name)
        await _no_english(pilot, d.app, name)


async def test_the_command_palette_offers_the_desks_commands_in_chinese(
    desk: Callable[..., Desk],
) -> None:
    d = desk()
    async with d.app.run_test(size=MIN_SIZE, notifications=True) as pilot:
        await settle(pilot, d.app)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(d.app.screen, CommandsDialog))
        await _no_english(pilot, d.app, "palette")
        text = screen_text(d.app)
        assert "清点" in text and "导出保密办工作簿" in text and "退出" in text
        await pilot.press(*"审计")  # the filter: only matching commands; Enter runs the first
        await wait_for(pilot, lambda: "每一份文件的状态" not in screen_text(d.app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: getattr(d.app.screen, "NAME", "") == "audit")
        await pilot.press("ctrl+p", *"没有这个")
        await wait_for(pilot, lambda: "没有符合的命令" in screen_text(d.app))
        await _no_english(pilot, d.app, "palette without a match")


async def test_no_english_at_login_notice_quit_approval_and_lock(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=MIN_SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        await _no_english(pilot, app, "login")
        await pilot.press(*"246810", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen), timeout=10)
        await wait_for(pilot, lambda: "演示已代为完成会前手续" in screen_text(app))
        await _no_english(pilot, app, "desk with the demo's notice")
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: "要退出工作台，请按 Ctrl+Q" in screen_text(app))
        await _no_english(pilot, app, "Ctrl+C")
        app.service.tap(app.service.desk_request(_tap(pass_uid("A003"))))
        await settle(pilot, app)
        app.service.tap(app.service.desk_request(_tap(copy_uid("HY-02", 1))))
        await settle(pilot, app)
        await pilot.press("f5")
        app.service.tap(app.service.desk_request(_tap(copy_uid("HY-02", 1))))
        await wait_for(pilot, lambda: isinstance(app.screen, ApprovalDialog), timeout=10)
        await _no_english(pilot, app, "approval")
        await pilot.press("escape", "ctrl+x")
        await wait_for(pilot, lambda: "工作台已锁定" in screen_text(app))
        await _no_english(pilot, app, "lock")


async def test_no_english_on_the_meeting_picker(tmp_path: Path) -> None:
    from carrier_tracker.access.operators import Authenticated
    from carrier_tracker.enums import Role

    url, key_path = prepare_demo_database(tmp_path)
    app = make_app(url, "sim:", key_path=key_path, signed_in=Authenticated("赵保密", Role.OFFICER))
    async with app.run_test(size=MIN_SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: "选择会议" in screen_text(app))
        await _no_english(pilot, app, "picker")


def _tap(uid: str) -> Any:
    from datetime import UTC, datetime

    from carrier_tracker.readers import TagTap

    return TagTap(uid=uid, reader_id="测试", monotonic=0.0, at=datetime.now(UTC))
