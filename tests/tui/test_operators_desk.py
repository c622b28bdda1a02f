"""Operators at the desk (Textual pilot, real SQLite): the login, the lock, auditors who only look,
and the officer's approval by name + PIN or by card — a cancelled approval records nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select
from textual.widgets import Input

from carrier_tracker import ledger
from carrier_tracker.access.operators import Authenticated, bind_card
from carrier_tracker.cli.demo import CODE, demo_app, prepare_demo_database
from carrier_tracker.enums import Role
from carrier_tracker.readers import TagTap
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Event, Operator, SystemEvent
from carrier_tracker.tui.app import CarrierTrackerApp, make_app
from carrier_tracker.tui.screens.approval import ApprovalDialog
from carrier_tracker.tui.screens.desk import DeskScreen
from carrier_tracker.tui.screens.login import LoginScreen
from tests.tui.conftest import Desk, copy_uid, pass_uid, settle, wait_for
from tests.tui.layout import screen_text

SIZE = (120, 36)
OFFICER_CARD = "04C0FFEE000001"


class Clock:
    """A clock the test moves by hand (idle time, lockout expiry): no sleeping."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _app(tmp_path: Path, **kw: Any) -> tuple[CarrierTrackerApp, str, Path]:
    url, key_path = prepare_demo_database(tmp_path)
    app = make_app(
        url, "sim:", meeting=CODE, station="测试台", key_path=key_path, debounce=0.0, **kw
    )
    return app, url, key_path


def _system(url: str) -> list[tuple[str, str, str]]:
    with db.read_scope(db.make_engine(url)) as s:
        rows = s.exec(select(SystemEvent).order_by(SystemEvent.seq)).all()
        return [(e.action, e.subject, e.note) for e in rows]


def _events(url: str) -> list[Event]:
    with db.read_scope(db.make_engine(url)) as s:
        return list(s.exec(select(Event).order_by(Event.seq)).all())


async def _login(pilot: Any, app: CarrierTrackerApp, name: str, pin: str) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
    app.screen.query_one("#login-name", Input).value = name
    app.screen.query_one("#login-pin", Input).value = pin
    app.screen.query_one("#login-pin", Input).focus()
    await pilot.press("enter")


def _error(app: CarrierTrackerApp) -> str:
    return str(app.screen.query_one("#login-error").render())


async def test_login_opens_the_desk_with_the_operator_top_right(tmp_path: Path) -> None:
    app, url, _ = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert app.ctx.role is None
        await _login(pilot, app, "孙文管", "246810")
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen))
        assert app.ctx.operator == "孙文管" and app.ctx.role is Role.CUSTODIAN
        top = screen_text(app).splitlines()[1:4]
        assert any(
            line.rstrip().endswith("操作员 孙文管（文管员）  Ctrl+X 锁定") for line in top
        ), top
    assert [a for a, _, _ in _system(url)][-1] != "auth_failed"


async def test_wrong_pin_is_recorded_like_the_cli_and_five_lock(tmp_path: Path) -> None:
    now = [datetime(2026, 12, 8, 1, 0, tzinfo=UTC)]
    app, url, _ = _app(tmp_path)
    app.now = lambda: now[0]
    before = len(_system(url))
    async with app.run_test(size=SIZE) as pilot:
        for n in range(1, 6):
            await _login(pilot, app, "孙文管", "000000")
            await wait_for(pilot, lambda: not app.screen.busy)  # type: ignore[attr-defined]
            if n < 5:
                assert f"PIN 不正确（操作员 孙文管，连续第 {n} 次；5 次将锁定 15 分钟）" in _error(
                    app
                )
        assert "PIN 连续错误 5 次：操作员 孙文管 已锁定至" in _error(app)
        # Locked: even the right PIN is refused (and recorded) until the lock expires.
        await _login(pilot, app, "孙文管", "246810")
        await wait_for(pilot, lambda: not app.screen.busy)  # type: ignore[attr-defined]
        assert "操作员 孙文管 已锁定至" in _error(app)
        assert isinstance(app.screen, LoginScreen) and app.ctx.role is None
        added = _system(url)[before:]
        assert [(a, note) for a, _, note in added] == [
            *[("auth_failed", "wrong_pin")] * 5,
            ("locked", (now[0] + timedelta(minutes=15)).isoformat()),
            ("auth_failed", "locked"),
        ]
        now[0] += timedelta(minutes=15, seconds=1)  # the lock has expired
        await _login(pilot, app, "孙文管", "246810")
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen))
    # The success after expiry clears the failures in the system chain (the fold's lockout
    # counter starts again from it) and adds nothing else.
    assert [(a, s) for a, s, _ in _system(url)[before + 7 :]] == [("auth_cleared", "孙文管")]


async def test_idle_and_the_lock_key_go_back_to_the_login_and_lose_nothing(
    tmp_path: Path,
) -> None:
    clock = Clock()
    url, key_path = prepare_demo_database(tmp_path)
    app = make_app(url, "sim:", meeting=CODE, station="测试台", key_path=key_path, debounce=0.0)
    app.clock = clock
    assert app.lock_after == 600  # ten minutes by default
    async with app.run_test(size=SIZE) as pilot:
        await _login(pilot, app, "孙文管", "246810")
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen))
        clock.t += 599
        app.lock_if_idle()
        assert isinstance(app.screen, DeskScreen)
        await pilot.press("f1")  # a key is activity: the ten minutes start again
        clock.t += 599
        app.lock_if_idle()
        assert isinstance(app.screen, DeskScreen)
        # A tap queued behind the lock still lands on the desk under it.
        desk = app.desk
        before = len(_events(url))
        desk.take_tap(TagTap(pass_uid("A003"), "测试", 0.0, datetime.now(UTC)))  # on the lane
        clock.t += 600
        app.lock_if_idle()
        await wait_for(pilot, lambda: "工作台已锁定（上一位：孙文管）" in screen_text(app))
        await wait_for(pilot, lambda: len(_events(url)) == before + 1)
        await settle(pilot, app)
        assert "会议证 P003（梁洋）" in str(desk.query_one("#outcome").render())
        # Nothing leads past the login: no palette, no screen keys, no export.
        for key in ("ctrl+p", "ctrl+d", "ctrl+r", "ctrl+o", "escape"):
            await pilot.press(key)
        app.action_show("desk")
        app.action_export()
        await pilot.pause(0.1)
        assert isinstance(app.screen, LoginScreen)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert not titles & {"工作台", "清点", "导出保密办工作簿"}, titles
        # While locked a tap records nothing.
        events = len(_events(url))
        app.simulate_tap(pass_uid("A001"))
        await wait_for(pilot, lambda: "不是在用操作员的卡，刷卡不会记录" in _error(app))
        assert len(_events(url)) == events
        # Another operator signs in; Ctrl+X locks again at once.
        await _login(pilot, app, "赵保密", "135790")
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen))
        assert app.ctx.operator == "赵保密"
        assert "操作员 赵保密（保密负责人）" in screen_text(app)
        await pilot.press("ctrl+x")
        await wait_for(pilot, lambda: "工作台已锁定（上一位：赵保密）" in screen_text(app))


async def test_sign_in_with_the_officers_card_and_pin_while_wrong_pins_lock_the_name(
    tmp_path: Path,
) -> None:
    """Five wrong PINs typed under the officer's name lock the name; the officer taps their own
    card at the login (the name is filled from it) and the right PIN lets them in, recorded in
    the system chain as a clearance. Another tag is named and ignored, and no tap is custody."""
    now = [datetime(2026, 12, 8, 1, 0, tzinfo=UTC)]
    app, url, _ = _app(tmp_path)
    app.now = lambda: now[0]
    engine = db.make_engine(url)
    with db.session_scope(engine) as s:
        key = app.ctx.key
        bind_card(session=s, key=key, name="赵保密", uid=OFFICER_CARD, by="赵保密")
    events = len(_events(url))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(5):
            await _login(pilot, app, "赵保密", "000000")
            await wait_for(pilot, lambda: not app.screen.busy)  # type: ignore[attr-defined]
        assert "操作员 赵保密 已锁定至" in _error(app)
        app.simulate_tap(pass_uid("A001"))  # a pass is not an operator's card
        await wait_for(pilot, lambda: "不是在用操作员的卡，刷卡不会记录" in _error(app))
        assert app.screen.query_one("#login-name", Input).value == "赵保密"  # left as typed
        app.simulate_tap(OFFICER_CARD)
        await wait_for(pilot, lambda: "已识别 赵保密 的卡：请输入 PIN" in _error(app))
        # The card read, then the PIN alone typed: in.
        assert app.screen.query_one("#login-name", Input).value == "赵保密"
        assert app.screen.focused is app.screen.query_one("#login-pin", Input)
        await pilot.press(*"135790", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen))
        assert app.ctx.operator == "赵保密" and app.ctx.role is Role.OFFICER
    assert len(_events(url)) == events  # no tap at the login is a custody event
    assert _system(url)[-1][:2] == ("auth_cleared", "赵保密")


async def test_lock_after_is_configurable(tmp_path: Path, monkeypatch: Any) -> None:
    url, key_path = prepare_demo_database(tmp_path)
    monkeypatch.setenv("CARRIER_TRACKER_LOCK_AFTER", "2.5")
    assert make_app(url, "sim:", key_path=key_path).lock_after == 150
    assert make_app(url, "sim:", key_path=key_path, lock_after=0).lock_after == 0
    monkeypatch.setenv("CARRIER_TRACKER_LOCK_AFTER", "soon")
    try:
        make_app(url, "sim:", key_path=key_path)
    except Exception as e:
        assert str(e) == "自动锁定时间须为不小于 0 的分钟数（CARRIER_TRACKER_LOCK_AFTER：soon）"
    else:
        raise AssertionError("a bad lock time was accepted")


async def test_an_auditor_cannot_tap(tmp_path: Path) -> None:
    url, key_path = prepare_demo_database(tmp_path)
    engine = db.make_engine(url)
    key = ledger.load_key(key_path)
    with db.session_scope(engine) as s:
        s.add(Operator(name="审计员", role="auditor"))
    from carrier_tracker.access.operators import reset_pin

    with db.session_scope(engine) as s:
        reset_pin(session=s, key=key, name="审计员", pin="777777", by="赵保密")
    app = make_app(url, "sim:", meeting=CODE, station="测试台", key_path=key_path, debounce=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await _login(pilot, app, "审计员", "777777")
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen))
        before = len(_events(url))
        app.simulate_tap(pass_uid("A003"))
        await wait_for(pilot, lambda: "审计员 审计员 只能查看：刷卡不会记录" in screen_text(app))
        # Every write (a consignment, a binding, a close) is refused before it reaches the lane.
        ran, failed = [], []
        app.service.write(app, lambda s: ran.append(1), lambda _: None, failed.append)
        await settle(pilot, app)
        assert (ran, failed) == ([], ["审计员 审计员 只能查看、导出与校验，不能记录操作"])
        await pilot.press("ctrl+r")  # 清点 records taps too
        await settle(pilot, app)
        app.simulate_tap(pass_uid("A001"))
        await pilot.pause(0.5)
        await settle(pilot, app)
        assert len(_events(url)) == before
        assert "操作员 审计员（审计员）" not in screen_text(app)  # the badge is on the desk only


async def _custodian_carry_out(pilot: Any, d: Desk) -> None:
    """A003 gets a pass and HY-02/1 as 孙文管; F5 and the tap ask for an officer."""
    await d.tap(pilot, pass_uid("A003"))
    await d.tap(pilot, copy_uid("HY-02", 1))
    await pilot.press("f5")
    d.app.simulate_tap(copy_uid("HY-02", 1))
    await wait_for(pilot, lambda: "需保密负责人批准：带离" in screen_text(d.app))


async def _approve(pilot: Any, app: CarrierTrackerApp, name: str, pin: str) -> None:
    """Type an officer's name and PIN into the approval dialog and press Enter."""
    dialog = app.screen
    assert isinstance(dialog, ApprovalDialog)
    dialog.query_one("#approval-name", Input).value = name
    dialog.query_one("#approval-pin", Input).value = pin
    dialog.query_one("#approval-pin", Input).focus()
    await pilot.press("enter")


def _last(d: Desk) -> Event:
    with db.read_scope(d.engine) as s:
        return s.exec(select(Event).order_by(Event.seq.desc())).first()  # type: ignore[union-attr]


async def test_approval_by_officer_name_and_pin(desk: Any) -> None:
    d: Desk = desk("孙文管")
    async with d.app.run_test(size=SIZE) as pilot:
        await _custodian_carry_out(pilot, d)
        await _approve(pilot, d.app, "门岗", "112233")  # a custodian cannot approve
        await wait_for(
            pilot, lambda: "批准人 门岗 不是保密负责人（为文管员）" in screen_text(d.app)
        )
        await _approve(pilot, d.app, "赵保密", "135790")
        await wait_for(pilot, lambda: d.carrier(copy_uid("HY-02", 1)).state == "carried_out")
        await settle(pilot, d.app)
        assert "带离：HY-02 第001份 → 梁洋（保密负责人 赵保密 批准）" in d.outcome()
    event = _last(d)
    assert (event.action, event.verdict, event.operator, event.approver) == (
        "carry_out",
        "accepted",
        "孙文管",
        "赵保密",
    )


async def test_approval_by_the_officers_card(desk: Any) -> None:
    d: Desk = desk("孙文管")
    with db.session_scope(d.engine) as s:
        bind_card(session=s, key=d.key, name="赵保密", uid=OFFICER_CARD, by="赵保密")
        bind_card(session=s, key=d.key, name="门岗", uid="04C0FFEE000002", by="赵保密")
    async with d.app.run_test(size=SIZE) as pilot:
        await _custodian_carry_out(pilot, d)
        events = d.events()
        d.app.simulate_tap("04C0FFEE000002")  # a custodian's card does not approve
        await wait_for(pilot, lambda: "批准人 门岗 不是保密负责人" in screen_text(d.app))
        assert d.app.screen.busy is False  # type: ignore[attr-defined]
        d.app.simulate_tap(OFFICER_CARD)
        await wait_for(pilot, lambda: d.carrier(copy_uid("HY-02", 1)).state == "carried_out")
        await settle(pilot, d.app)
        assert d.events() == events + 1  # the card taps are not custody events
    event = _last(d)
    assert (event.operator, event.approver, event.action) == ("孙文管", "赵保密", "carry_out")


async def test_cancelled_approval_changes_nothing(desk: Any) -> None:
    d: Desk = desk("孙文管")
    async with d.app.run_test(size=SIZE) as pilot:
        await _custodian_carry_out(pilot, d)
        events = [(e.seq, e.hash) for e in _events(d.url)]
        system = _system(d.url)
        await pilot.click("#cancel")
        await wait_for(pilot, lambda: "已取消批准：带离 HY-02 第001份 未作任何记录" in d.outcome())
        assert [(e.seq, e.hash) for e in _events(d.url)] == events
        assert _system(d.url) == system
        assert d.carrier(copy_uid("HY-02", 1)).state == "issued"


async def test_no_officer_is_asked_for_a_tap_that_would_be_refused_anyway(desk: Any) -> None:
    d: Desk = desk("孙文管")
    async with d.app.run_test(size=SIZE) as pilot:
        await d.tap(pilot, pass_uid("A003"))
        await d.tap(pilot, copy_uid("HY-01", 1))
        await pilot.press("f5")
        text = await d.tap(pilot, copy_uid("HY-01", 1))  # HY-01 may not leave the venue
        assert "HY-01 第001份 不允许带离会场" in text
        assert "未知标签" in await d.tap(pilot, "04FFEEDDCCBBAA")
        assert not isinstance(d.app.screen, ApprovalDialog)
    event = _last(d)
    assert (event.action, event.verdict, event.approver) == ("carry_out", "refused", "")


async def test_an_officer_at_the_desk_needs_no_second_person(desk: Any) -> None:
    d: Desk = desk("赵保密")
    async with d.app.run_test(size=SIZE) as pilot:
        await d.tap(pilot, pass_uid("A003"))
        await d.tap(pilot, copy_uid("HY-02", 1))
        await pilot.press("f5")
        assert "带离：HY-02 第001份 → 梁洋" in await d.tap(pilot, copy_uid("HY-02", 1))
        assert not isinstance(d.app.screen, ApprovalDialog)
    event = _last(d)
    assert (event.operator, event.approver) == ("赵保密", "")


async def test_an_exception_is_retried_with_ctrl_y_after_approval(desk: Any) -> None:
    d: Desk = desk("孙文管")
    async with d.app.run_test(size=SIZE) as pilot:
        await d.tap(pilot, pass_uid("A003"))
        await d.tap(pilot, copy_uid("HY-01", 1))  # HY-01/1 → 梁洋
        text = await d.tap(pilot, copy_uid("HY-01", 2))  # a second copy: refused
        assert "按 Ctrl+Y 请保密负责人批准例外" in text
        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: "需保密负责人批准：例外（发放）" in screen_text(d.app))
        await _approve(pilot, d.app, "赵保密", "135790")
        await wait_for(pilot, lambda: d.carrier(copy_uid("HY-01", 2)).state == "issued")
        await settle(pilot, d.app)
        assert "Ctrl+Y" not in d.outcome()
    event = _last(d)
    assert (event.action, event.verdict, event.approver) == ("issue", "accepted", "赵保密")
    assert d.carrier(copy_uid("HY-01", 2)).holder_id == d.carrier(copy_uid("HY-01", 1)).holder_id


async def test_no_exception_is_offered_for_a_refusal_none_would_lift(desk: Any) -> None:
    """A copy tapped with no recipient chosen: no officer's exception makes that right, so the
    desk offers none, and Ctrl+Y does nothing."""
    d: Desk = desk("孙文管")
    async with d.app.run_test(size=SIZE) as pilot:
        text = await d.tap(pilot, copy_uid("HY-01", 1))  # nobody chosen
        assert "请先选择领取人" in text and "Ctrl+Y" not in text
        await pilot.press("ctrl+y")
        await settle(pilot, d.app)
        assert not isinstance(d.app.screen, ApprovalDialog)
        assert d.carrier(copy_uid("HY-01", 1)).state == "registered"
    event = _last(d)
    assert (event.action, event.verdict) == ("issue", "refused")


async def test_demo_login_shows_its_operators_and_prefills_the_custodian(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        shown = screen_text(app)
        for line in ("赵保密　保密负责人　PIN 135790", "孙文管　文管员　PIN 246810"):
            assert line in shown
        assert app.screen.query_one("#login-name", Input).value == "孙文管"
        for key in "246810":
            await pilot.press(key)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen))


async def test_export_proposes_the_user_data_directory(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("CARRIER_TRACKER_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    url, key_path = prepare_demo_database(tmp_path / "db")
    who = Authenticated("孙文管", Role.CUSTODIAN)
    app = make_app(url, "sim:", meeting=CODE, key_path=key_path, signed_in=who)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen))
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: app.screen.query("#path"))
        path = Path(app.screen.query_one("#path", Input).value)
        assert path.parent == tmp_path / "home" / "data"
        assert (path.parent.stat().st_mode & 0o777) == 0o700
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.last_export is not None, timeout=30)
        assert (path.stat().st_mode & 0o777) == 0o600
    assert not list(tmp_path.glob("*.xlsx"))


async def test_the_demo_desk_exports_into_the_demos_own_directory(tmp_path: Path) -> None:
    """The demo says on exit that its workbooks are gone with its temporary directory: the
    export dialog proposes that directory (not the user data directory, which the demo never
    cleans), and the desk's log goes there too."""
    work = tmp_path / "demo"
    work.mkdir(mode=0o700)
    app = demo_app(work)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        for key in "246810":
            await pilot.press(key)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen))
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: app.screen.query("#path"))
        path = Path(app.screen.query_one("#path", Input).value)
        assert path.parent == work
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.last_export is not None, timeout=30)
    assert app.last_export == path and path.is_file()
    assert (work / "desk.log").is_file()  # the job's line: in the demo's directory as well
    home = tmp_path / "home"  # the user data directory of these tests (conftest)
    assert [p.name for p in home.rglob("*") if p.is_file()] == []
