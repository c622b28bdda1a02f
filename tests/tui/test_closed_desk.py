"""A close at the desk says what the CLI's close prints — the tags released and the ledger's anchor —
and a closed meeting's desk says 会议已结束 and offers only what still works: 找回 (F11), the
views, the audit and the export. Found walking the demo: the desk kept showing 【发放】 and 请刷卡."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select

from carrier_tracker.cli.demo import CODE
from carrier_tracker.enums import Mode
from carrier_tracker.meeting.lifecycle import close_meeting
from carrier_tracker.storage import db
from carrier_tracker.storage.models import LedgerHead, Meeting
from carrier_tracker.storage.readmodel import released_tags
from carrier_tracker.tui.screens.commands import CommandsDialog
from carrier_tracker.tui.screens.confirm_close import ConfirmClose
from carrier_tracker.tui.screens.desk import DeskScreen
from carrier_tracker.tui.texts import MIN_SIZE
from tests.tui.conftest import Desk, copy_uid, pass_uid, settle, wait_for
from tests.tui.layout import clipping_problems, screen_text
from tests.tui.test_key_hints import shown_keys


def _opened_and_back(d: Desk) -> None:
    d.seed([(pass_uid("A001"), Mode.ISSUE, {}), (pass_uid("A001"), Mode.RECALL, {})])


def _flat(text: str) -> str:
    return " ".join(text.split())


async def _closed_desk_offers_only_what_works(pilot: object, d: Desk) -> None:
    app = d.app
    screen = app.screen
    assert isinstance(screen, DeskScreen)
    text = _flat(screen_text(app))
    assert _flat("会议已结束　【找回】  F11") in text and "【发放】" not in text
    assert "请刷卡" not in text and "当前领取人" not in text
    assert "会议已结束：此处只记录挂失载体的找回" in text
    assert str(screen.query_one("#mode-keys").render()) == "F11找回"
    keys = shown_keys(app)
    assert not {"ctrl+e", "ctrl+k", "ctrl+b", "ctrl+f"} & set(keys), keys
    assert {"ctrl+r", "ctrl+t", "ctrl+o"} <= set(keys)
    await pilot.press("f1", "f4")  # type: ignore[attr-defined]
    await settle(pilot, app)
    assert screen.mode is Mode.FOUND
    await pilot.press("ctrl+p")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, CommandsDialog))
    commands = {c.title for c in app.screen.commands}  # type: ignore[attr-defined]
    assert not commands & {"绑定标签", "机要递送", "变更"}, commands
    assert {"审计台账", "导出保密办工作簿", "清点"} <= commands
    await pilot.press("escape")  # type: ignore[attr-defined]
    assert "会议已结束" in await d.tap(pilot, copy_uid("HY-03", 1))  # nothing else records
    assert not clipping_problems(app)


async def test_a_close_at_the_desk_shows_the_anchor_and_the_released_tags(
    desk: Callable[..., Desk],
) -> None:
    d = desk()
    _opened_and_back(d)
    async with d.app.run_test(size=MIN_SIZE) as pilot:
        await settle(pilot, d.app)
        await pilot.press("ctrl+r")
        await settle(pilot, d.app)
        await pilot.press("ctrl+w")
        await wait_for(pilot, lambda: isinstance(d.app.screen, ConfirmClose))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "台账锚点" in screen_text(d.app), timeout=15)
        await settle(pilot, d.app)
        with db.read_scope(d.engine) as s:
            meeting = s.exec(select(Meeting)).one()
            head = s.get(LedgerHead, meeting.id)
            released = released_tags(s, meeting)
        assert meeting.status == "closed" and head is not None and released["pass"] > 0
        text = _flat(screen_text(d.app))
        assert f"台账锚点{head.seq}:{head.hash}" in text.replace(" ", ""), text
        assert f"已释放标签：会议证 {released['pass']} 枚，文件 0 枚" in text
        assert not clipping_problems(d.app)
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(d.app.screen, DeskScreen))
        await wait_for(pilot, lambda: "会议已结束" in screen_text(d.app))
        await _closed_desk_offers_only_what_works(pilot, d)


async def test_a_close_at_another_desk_turns_this_one_closed(desk: Callable[..., Desk]) -> None:
    d = desk()
    _opened_and_back(d)
    async with d.app.run_test(size=MIN_SIZE) as pilot:
        await settle(pilot, d.app)
        assert "【发放】" in screen_text(d.app)
        with db.session_scope(d.engine) as s:
            close_meeting(
                session=s, key=d.key, meeting_code=CODE, operator="赵保密", station="二号台"
            )
        await wait_for(pilot, lambda: "会议已结束" in screen_text(d.app), timeout=10)
        await settle(pilot, d.app)
        await _closed_desk_offers_only_what_works(pilot, d)
