"""The 处置 screen (Textual pilot, real SQLite): the custodian chooses 归档, 销毁 or 退回, fills in
its fields and taps copies one by one; each tap is one disposition recorded by the core, shown
big and listed, and 待处置 counts down. Mostly on a closed meeting, the usual case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import col, select
from textual.widgets import Input, RadioSet, Select

from carrier_tracker.access.operators import reset_pin
from carrier_tracker.cli.demo import CODE
from carrier_tracker.enums import Action, DestroyMethod, Mode, PlaceKind, State, Verdict
from carrier_tracker.ledger import codec
from carrier_tracker.ledger import events as ev
from carrier_tracker.meeting.lifecycle import close_meeting
from carrier_tracker.meeting.places import place_names
from carrier_tracker.readers import TagTap
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Disposition, Event, Operator
from carrier_tracker.tui.app import CarrierTrackerApp
from carrier_tracker.tui.screens.commands import CommandsDialog
from carrier_tracker.tui.screens.desk import DeskScreen
from carrier_tracker.tui.screens.dispose import KINDS, DisposeScreen
from carrier_tracker.tui.texts import MIN_SIZE
from carrier_tracker.tui.widgets.banners import OutcomePanel
from tests.tui.conftest import T0, Desk, copy_uid, pass_uid, settle, wait_for
from tests.tui.layout import clipping_problems, screen_text
from tests.tui.test_key_hints import shown_keys

ARCHIVE = "机要档案室"
BACK = [copy_uid(doc, 1) for doc in ("HY-01", "HY-02", "HY-03")]
"""Copies A001 got and handed back: recovered, waiting for a disposition."""
OUT = copy_uid("HY-04", 1)
"""A001's copy still out while the meeting is open (handed back before the close)."""
NEVER = copy_uid("HY-05", 1)
"""A copy never handed out (未发放): it cannot be disposed of."""


def _flat(text: str) -> str:
    return " ".join(text.split())


def _prepare(d: Desk, *, close: bool = True) -> None:
    """A001 gets their pass and copy 1 of HY-01…HY-04 and hands back all but HY-04's; an archive
    is registered (by the demo); with ``close``, HY-04's comes back too and the meeting closes."""
    taps: list[tuple[str, Mode, dict[str, Any]]] = [(pass_uid("A001"), Mode.ISSUE, {})]
    taps += [(uid, Mode.ISSUE, {"attendee_code": "A001"}) for uid in [*BACK, OUT]]
    taps += [(uid, Mode.RECALL, {}) for uid in BACK]
    d.seed(taps)
    with db.read_scope(d.engine) as s:  # the demo registers its archive with its operators
        assert ARCHIVE in place_names(s, PlaceKind.ARCHIVE)
    if close:
        d.seed([(OUT, Mode.RECALL, {}), (pass_uid("A001"), Mode.RECALL, {})])
        with db.session_scope(d.engine) as s:
            close_meeting(session=s, key=d.key, meeting_code=CODE, operator="赵保密")


def _dispositions(d: Desk) -> list[Disposition]:
    with db.read_scope(d.engine) as s:
        return list(s.exec(select(Disposition)).all())


def _events(d: Desk) -> list[Event]:
    with db.read_scope(d.engine) as s:
        return list(s.exec(select(Event).order_by(col(Event.id))).all())


def _panel(app: CarrierTrackerApp) -> str:
    return str(app.screen.query_one("#dispose-outcome").render())


def _counts(app: CarrierTrackerApp) -> str:
    return str(app.screen.query_one("#dispose-counts").render())


async def _open(pilot: Any, app: CarrierTrackerApp) -> DisposeScreen:
    """Ctrl+Z from the desk; the screen with its counts read."""
    await settle(pilot, app)
    await pilot.press("ctrl+z")
    await wait_for(pilot, lambda: isinstance(app.screen, DisposeScreen))
    await settle(pilot, app)
    screen = app.screen
    assert isinstance(screen, DisposeScreen)
    for field in screen.query(Input):
        field.cursor_blink = False
    return screen


async def _type(pilot: Any, screen: DisposeScreen, field: str, text: str) -> None:
    """Type into a field as a person does (click it, type, Enter)."""
    screen.query_one(field, Input).focus()
    await pilot.pause()
    await pilot.press(*text, "enter")
    await settle(pilot, screen.app)


async def _kind(pilot: Any, screen: DisposeScreen, index: int) -> None:
    """Choose 归档 (0), 销毁 (1) or 退回 (2) with the arrows and Enter on the kinds."""
    kinds = screen.query_one(RadioSet)
    kinds.focus()
    await pilot.pause()
    steps = (index - KINDS.index(screen.kind)) % len(KINDS)  # from the one chosen
    await pilot.press(*["right"] * steps, "enter")
    await settle(pilot, screen.app)


async def _tap_refused_unrecorded(pilot: Any, d: Desk, uid: str) -> str:
    """A tap the screen refuses before recording: the panel says so and no event is written."""
    before = len(_events(d))
    d.app.screen.query_one(OutcomePanel).hint("")  # the last refusal's text is not this one's
    d.app.simulate_tap(uid)
    await wait_for(pilot, lambda: "本次未记录" in _panel(d.app), timeout=10)
    await settle(pilot, d.app)
    assert len(_events(d)) == before
    return _panel(d.app)


async def test_archive_by_tap_on_a_closed_meeting_counts_down(desk: Callable[..., Desk]) -> None:
    d = desk("孙文管")
    _prepare(d)
    async with d.app.run_test(size=MIN_SIZE) as pilot:
        app = d.app
        await settle(pilot, app)
        assert isinstance(app.screen, DeskScreen) and app.meeting_closed
        assert "ctrl+z" in shown_keys(app)  # the closed desk offers it (its footer names it)
        assert "已收回的文件在处置（Ctrl+Z）中逐份刷卡处置" in _flat(screen_text(app))
        screen = await _open(pilot, app)
        assert "待处置 4 份" in _counts(app) and "本次已处置 0 份" in _counts(app)
        # 归档 is chosen; tapped before its location is filled: nothing recorded, the cursor there
        text = await _tap_refused_unrecorded(pilot, d, BACK[0])
        assert "归档须填写存放地点" in text
        assert screen.focused is screen.query_one("#dispose-location")
        await _type(pilot, screen, "#dispose-location", ARCHIVE)
        out = await d.tap(pilot, BACK[0])
        assert out.startswith("成功：归档：1 份（HY-01 第001份），存放于 机要档案室"), out
        await d.tap(pilot, BACK[1])
        await wait_for(pilot, lambda: "待处置 2 份" in _counts(app))
        assert "归档 2" in _counts(app) and "本次已处置 2 份" in _counts(app)
        listed = _flat(screen_text(app))
        assert "HY-01 第001份" in listed and "HY-02 第001份" in listed  # the running list
        done = _dispositions(d)
        assert sorted(r.location for r in done) == [ARCHIVE, ARCHIVE]
        assert d.carrier(BACK[0]).state == State.ARCHIVED and d.carrier(BACK[0]).tag_released
        # the same copy again: the core refuses it (recorded), naming its state
        out = await d.tap(pilot, BACK[0])
        assert out.startswith("拒绝：") and "已归档" in out and "只有已收回的文件才能处置" in out
        assert len(_dispositions(d)) == 2
        assert not clipping_problems(app)


async def test_a_copy_not_recovered_is_refused_with_the_reason(desk: Callable[..., Desk]) -> None:
    d = desk("孙文管")
    _prepare(d, close=False)  # open: HY-04 copy 1 is still out with A001
    async with d.app.run_test(size=MIN_SIZE) as pilot:
        app = d.app
        screen = await _open(pilot, app)
        assert "待处置 3 份" in _counts(app) and "尚未收回 1 份" in _counts(app)
        await _type(pilot, screen, "#dispose-location", ARCHIVE)
        before = d.carrier(OUT)
        out = await d.tap(pilot, OUT)
        assert out == "拒绝：HY-04 第001份 当前已发放：只有已收回的文件才能处置", out
        after = d.carrier(OUT)
        assert (after.state, after.version, after.tag_released) == (
            before.state,
            before.version,
            False,
        )
        assert _dispositions(d) == []
        last = _events(d)[-1]  # the refusal is in the ledger (as the command line records it)
        assert (last.action, last.verdict) == (Action.DISPOSE.value, Verdict.REFUSED.value)
        out = await d.tap(pilot, NEVER)
        assert "当前在库" in out and _dispositions(d) == []
        assert "待处置 3 份" in _counts(app)
        # a pass is not a copy: named before anything is recorded
        text = await _tap_refused_unrecorded(pilot, d, pass_uid("A002"))
        assert "会议证不作处置" in text


async def test_destroy_needs_the_witness_pin(desk: Callable[..., Desk]) -> None:
    d = desk("孙文管")
    _prepare(d)
    async with d.app.run_test(size=MIN_SIZE) as pilot:
        app = d.app
        screen = await _open(pilot, app)
        await _kind(pilot, screen, 1)
        assert screen.query_one("#dispose-witness").display
        assert not screen.query_one("#dispose-location").display
        text = await _tap_refused_unrecorded(pilot, d, BACK[0])
        assert "销毁须选择销毁方式" in text
        screen.query_one("#dispose-method", Select).value = DestroyMethod.SHRED.value
        text = await _tap_refused_unrecorded(pilot, d, BACK[0])
        assert "销毁须填写监销人" in text
        await _type(pilot, screen, "#dispose-witness", "赵保密")
        text = await _tap_refused_unrecorded(pilot, d, BACK[0])
        assert "请监销人 赵保密 输入 PIN 确认" in text
        assert screen.focused is screen.query_one("#dispose-pin")
        # a wrong PIN: refused, nothing recorded in the meeting (the failure is the system's)
        screen.query_one("#dispose-pin", Input).value = "000000"
        text = await _tap_refused_unrecorded(pilot, d, BACK[0])
        assert "PIN 不正确" in text and d.carrier(BACK[0]).state == State.RECOVERED
        assert screen.query_one("#dispose-pin", Input).value == ""
        assert _dispositions(d) == []
        # the right PIN, then the tap: recorded with the witness in the event
        screen.query_one("#dispose-pin", Input).value = "135790"
        out = await d.tap(pilot, BACK[0])
        assert out.startswith("成功：销毁：1 份（HY-01 第001份），粉碎，监销人 赵保密"), out
        event = codec.decode(_events(d)[-1])
        assert isinstance(event, ev.Disposed)
        assert [w.name for w in event.witnesses] == ["赵保密"]
        assert (event.method, event.stamp.operator) == ("粉碎", "孙文管")
        # the witness stands for the screen: the next copy needs no PIN again
        assert screen.query_one("#dispose-pin", Input).placeholder == "已凭 PIN 确认"
        out = await d.tap(pilot, BACK[1])
        assert out.startswith("成功：销毁：1 份（HY-02 第001份）"), out
        assert [r.method for r in _dispositions(d)] == ["粉碎", "粉碎"]
        assert "销毁 2" in _counts(app) and "待处置 2 份" in _counts(app)
        # another witness: their PIN again
        screen.query_one("#dispose-witness", Input).value = "门岗"
        await settle(pilot, app)
        assert screen.query_one("#dispose-pin", Input).placeholder == "监销人 PIN"
        text = await _tap_refused_unrecorded(pilot, d, BACK[2])
        assert "请监销人 门岗 输入 PIN 确认" in text
        # Enter in the PIN field checks it at once; then the core's own rule: 孙文管 and 门岗
        # are both custodians, and one of the two must be an officer (refused, recorded)
        await _type(pilot, screen, "#dispose-pin", "112233")
        await wait_for(pilot, lambda: "监销人 门岗 已凭 PIN 确认" in _panel(app))
        out = await d.tap(pilot, BACK[2])
        assert out.startswith("拒绝：销毁须有保密负责人参与"), out
        assert d.carrier(BACK[2]).state == State.RECOVERED and len(_dispositions(d)) == 2
        assert not clipping_problems(app)


async def test_return_to_the_organizer(desk: Callable[..., Desk]) -> None:
    d = desk("孙文管")
    _prepare(d)
    async with d.app.run_test(size=MIN_SIZE) as pilot:
        app = d.app
        screen = await _open(pilot, app)
        await _kind(pilot, screen, 2)
        unit = screen.query_one("#dispose-unit", Input).value
        assert unit  # the organizer, filled in
        out = await d.tap(pilot, BACK[2])
        assert out.startswith(f"成功：退回发文单位：1 份（HY-03 第001份），退回 {unit}"), out
        assert d.carrier(BACK[2]).state == State.SENT_BACK
        screen.query_one("#dispose-unit", Input).value = "无名单位"
        out = await d.tap(pilot, BACK[1])
        assert "未登记的退回单位：无名单位" in out and "place add" not in out
        assert d.carrier(BACK[1]).state == State.RECOVERED


async def test_the_closed_desk_offers_the_screen(desk: Callable[..., Desk]) -> None:
    d = desk("孙文管")
    _prepare(d)
    async with d.app.run_test(size=MIN_SIZE) as pilot:
        app = d.app
        await settle(pilot, app)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandsDialog))
        commands = {c.title for c in app.screen.commands}  # type: ignore[attr-defined]
        assert "处置" in commands, commands
        await pilot.press("escape")
        await _open(pilot, app)
        keys = shown_keys(app)
        assert "escape" in keys and "ctrl+z" not in keys  # not to the screen it is on
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen))


async def test_an_auditor_cannot_dispose(desk: Callable[..., Desk]) -> None:
    first = desk()
    _prepare(first)
    with db.session_scope(first.engine) as s:
        s.add(Operator(name="审计员", role="auditor"))
    with db.session_scope(first.engine) as s:
        reset_pin(session=s, key=first.key, name="审计员", pin="777777", by="赵保密")
    d = desk("审计员")
    async with d.app.run_test(size=MIN_SIZE) as pilot:
        app = d.app
        screen = await _open(pilot, app)  # they may look: 待处置 is there for them too
        assert "待处置 4 份" in _counts(app)
        await _type(pilot, screen, "#dispose-location", ARCHIVE)
        before = len(_events(d))
        app.simulate_tap(BACK[0])
        await wait_for(pilot, lambda: "审计员 审计员 只能查看：刷卡不会记录" in _panel(app))
        # and should a tap get past the app, the desk service refuses the write itself
        screen.take_tap(TagTap(uid=BACK[0], reader_id="t", monotonic=0.0, at=T0))
        await wait_for(pilot, lambda: "不能记录操作" in _panel(app))
        await settle(pilot, app)
        assert len(_events(d)) == before and _dispositions(d) == []
        assert d.carrier(BACK[0]).state == State.RECOVERED
