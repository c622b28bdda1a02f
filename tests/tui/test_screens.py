"""What the custodian found raw or wrong, screen by screen: every text from the catalogue and the
read model, the close dialog agreeing with the reconciliation, the desk naming the right person."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import select
from textual.widgets import DataTable, Input

from carrier_tracker.enums import Mode
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Attendee, Event, Meeting
from carrier_tracker.tui import service as service_module
from carrier_tracker.tui.screens.confirm_close import ConfirmClose
from carrier_tracker.tui.screens.desk import DeskScreen
from carrier_tracker.tui.screens.reconcile import ReconcileScreen
from tests.tui.conftest import Desk, copy_uid, open_screen, pass_uid, settle, wait_for
from tests.tui.layout import clipping_problems, screen_text
from tests.tui.test_key_hints import shown_keys

TIME = re.compile(r"\b\d\d-\d\d \d\d:\d\d:\d\d\b")


def three_out(d: Desk) -> None:
    d.seed(
        [
            (pass_uid("A001"), Mode.ISSUE, {}),
            (copy_uid("HY-01", 1), Mode.ISSUE, {"attendee_code": "A001"}),
            (copy_uid("HY-05", 2), Mode.DISPATCH, {"consignment_no": "JY-2026-001"}),
        ]
    )


async def test_audit_names_passes_and_copies_never_raw_uids(desk: Callable[..., Desk]) -> None:
    d = desk()
    three_out(d)
    async with d.app.run_test(size=(120, 36)) as pilot:
        await open_screen(pilot, d.app, "audit")
        text = screen_text(d.app)
        assert "会议证 P001（赵娟）" in text and "HY-01 第001份" in text
        assert pass_uid("A001") not in text and copy_uid("HY-01", 1) not in text
        assert TIME.search(text)
        field = d.app.screen.query_one("#search", Input)
        field.value = "P001"  # a pass can be looked up by its number
        await settle(pilot, d.app)
        rows = [
            d.app.screen.query_one(DataTable).get_row_at(i)
            for i in range(d.app.screen.query_one(DataTable).row_count)
        ]
        heads = [str(c.label) for c in d.app.screen.query_one(DataTable).columns.values()]
        assert rows and all(r[heads.index("载体")] == "会议证 P001（赵娟）" for r in rows)


async def test_audit_screen_shows_the_verify_result_with_table_differences(
    desk: Callable[..., Desk],
) -> None:
    """The audit screen runs verify's check: the chain, and the tables replayed against it."""
    from sqlalchemy import text

    d = desk()
    three_out(d)
    async with d.app.run_test(size=(120, 36)) as pilot:
        await open_screen(pilot, d.app, "audit")
        await wait_for(pilot, lambda: "台账校验：完整" in screen_text(d.app))
        await pilot.press("ctrl+d")
        await settle(pilot, d.app)
        with d.engine.begin() as conn:  # an insider returns a copy behind the ledger's back
            conn.execute(
                text("UPDATE carrier SET state = 'recovered', holder_id = NULL WHERE tag_uid = :u"),
                {"u": copy_uid("HY-01", 1)},
            )
        await open_screen(pilot, d.app, "audit")
        await wait_for(pilot, lambda: "台账校验：未通过" in screen_text(d.app))
        assert "HY-01 第001份：台账为 已发放（赵娟），数据库为 已收回" in screen_text(d.app)


async def test_audit_screen_names_a_forbidden_step_and_the_approver(
    desk: Callable[..., Desk],
) -> None:
    """A row changed for one minute (HY-01 made 允许带离 for one carry-out, then set back) leaves
    the tables as the ledger says, and the screen still names the step the rules forbade; the
    officer who approved the carry-out has a column of their own and stands in the detail."""
    from sqlalchemy import text

    d = desk()
    d.seed(
        [
            (pass_uid("A001"), Mode.ISSUE, {}),
            (copy_uid("HY-01", 1), Mode.ISSUE, {"attendee_code": "A001"}),
        ]
    )
    with d.engine.begin() as conn:
        conn.execute(
            text("UPDATE document SET may_take_away = :y WHERE number = 'HY-01'"), {"y": True}
        )
    d.seed([(copy_uid("HY-01", 1), Mode.CARRY_OUT, {"approver": "赵保密"})])
    with d.engine.begin() as conn:
        conn.execute(
            text("UPDATE document SET may_take_away = :n WHERE number = 'HY-01'"), {"n": False}
        )
    async with d.app.run_test(size=(120, 36)) as pilot:
        await open_screen(pilot, d.app, "audit")
        table = d.app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: "台账校验：未通过" in screen_text(d.app) and table.row_count)
        shown = screen_text(d.app)
        carried = table.get_row_at(0)[0]  # the newest event: the carry-out
        assert f"第 {carried} 条：按台账当时的记录，HY-01 第001份 不允许带离会场" in shown
        heads = [str(c.label) for c in table.columns.values()]
        newest = table.get_row_at(0)
        assert newest[heads.index("批准人")] == "赵保密"
        assert newest[heads.index("操作员")] == "孙文管"
        assert "操作员 孙文管  批准人 赵保密" in shown  # the detail line of the newest event


async def test_courier_screen_shows_labels_not_codes(desk: Callable[..., Desk]) -> None:
    d = desk()
    three_out(d)
    async with d.app.run_test(size=(100, 30)) as pilot:
        await open_screen(pilot, d.app, "courier")
        text = screen_text(d.app)
        assert "递送中" in text
        for raw in ("open", "in_transit", "delivered", "returned"):
            assert raw not in text
        for choice in (
            "F6机要发出",
            "F7签收",
            "F8退回",
        ):  # every choice is on screen, not just the chosen one
            assert choice in text


async def test_close_dialog_lists_what_is_out_with_the_reconciliations_count(
    desk: Callable[..., Desk],
) -> None:
    d = desk()
    three_out(d)
    async with d.app.run_test(size=(100, 30)) as pilot:
        await open_screen(pilot, d.app, "reconcile")
        assert "未收回 3（其中挂失 0）" in screen_text(d.app)
        await pilot.press("ctrl+w")
        await wait_for(pilot, lambda: isinstance(d.app.screen, ConfirmClose))
        text = screen_text(d.app)
        assert "尚有 3 件未收回，不能结束会议" in text
        assert "全部" not in text.split("尚有")[1]
        for item in ("会议证 P001（赵娟）", "HY-01 第001份", "HY-05 第002份"):
            assert item in text
        assert "不再接受任何刷卡" not in text
        assert not clipping_problems(d.app)
        await pilot.press("enter")  # the focused button is 返回
        await wait_for(pilot, lambda: isinstance(d.app.screen, ReconcileScreen))
    with db.read_scope(d.engine) as s:
        assert s.exec(select(Meeting)).one().status != "closed"


async def test_close_dialog_when_all_back_says_so_in_full(desk: Callable[..., Desk]) -> None:
    d = desk()
    d.seed([(pass_uid("A001"), Mode.ISSUE, {}), (pass_uid("A001"), Mode.RECALL, {})])
    async with d.app.run_test(size=(100, 30)) as pilot:
        await open_screen(pilot, d.app, "close_dialog")
        text = " ".join(screen_text(d.app).split())
        assert "全部收回（另有 264 件未发放）" in text
        assert (
            "结束会议 HY2026-12？结束后不再接受任何刷卡。" in text
        )  # the whole sentence, not cut off
        assert not clipping_problems(d.app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "已结束" in screen_text(d.app))
        await settle(pilot, d.app)
        assert "ctrl+w" not in shown_keys(d.app)  # a closed meeting cannot be closed again
        await pilot.press("ctrl+w")
        await settle(pilot, d.app)
        assert isinstance(d.app.screen, ReconcileScreen)
    with db.read_scope(d.engine) as s:
        assert s.exec(select(Meeting)).one().status == "closed"


async def test_close_with_only_lost_items_needs_the_officers_note(
    desk: Callable[..., Desk],
) -> None:
    d = desk()  # the operator is 赵保密, the meeting's officer
    d.seed(
        [
            (pass_uid("A001"), Mode.ISSUE, {}),
            (copy_uid("HY-01", 1), Mode.ISSUE, {"attendee_code": "A001"}),
            (copy_uid("HY-01", 1), Mode.LOST, {"note": "遗失于会场", "operator": "赵保密"}),
            (pass_uid("A001"), Mode.RECALL, {"operator": "赵保密", "override": True}),
        ]
    )
    async with d.app.run_test(size=(100, 30)) as pilot:
        await open_screen(pilot, d.app, "close_dialog")
        text = screen_text(d.app)
        assert "有 1 件挂失" in text and "HY-01 第001份" in text and "已挂失" in text
        await pilot.press("enter")  # no note yet: refused, nothing closes
        assert isinstance(d.app.screen, ConfirmClose)
        await pilot.press(*"已报保密办", "enter")
        await wait_for(pilot, lambda: "已结束" in screen_text(d.app), timeout=10)
    with db.read_scope(d.engine) as s:
        assert s.exec(select(Meeting)).one().status == "closed"


@pytest.mark.parametrize("mode", [m for m in Mode if m is not Mode.ISSUE])
async def test_desk_sends_the_attendee_only_when_issuing(
    mode: Mode, desk: Callable[..., Desk], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    real = service_module.record_tap

    def spy(**kw: Any) -> Any:
        calls.append(kw)
        return real(**kw)

    monkeypatch.setattr(service_module, "record_tap", spy)
    d = desk()
    d.seed(
        [
            (pass_uid("A001"), Mode.ISSUE, {}),
            (copy_uid("HY-01", 1), Mode.ISSUE, {"attendee_code": "A001"}),
        ]
    )
    async with d.app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, d.app)
        await pilot.press("ctrl+f", *"A003", "enter")  # someone else is selected at the desk
        await wait_for(pilot, lambda: "A003 梁洋" in screen_text(d.app))
        screen = d.app.screen
        assert isinstance(screen, DeskScreen)
        screen.action_mode(mode.value)
        if mode is Mode.LOST:  # a loss report needs its note before the tap
            screen.query_one("#note-input", Input).value = "会场遗失"
            await settle(pilot, d.app)
        await d.tap(pilot, copy_uid("HY-01", 1))
    assert calls and calls[-1]["mode"] is mode and calls[-1]["attendee_code"] is None


async def test_a_collect_names_the_holder_not_the_selected_attendee(
    desk: Callable[..., Desk],
) -> None:
    d = desk()
    d.seed(
        [
            (pass_uid("A001"), Mode.ISSUE, {}),
            (copy_uid("HY-01", 1), Mode.ISSUE, {"attendee_code": "A001"}),
        ]
    )
    async with d.app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, d.app)
        await pilot.press("ctrl+f", *"A003", "enter")
        await pilot.press("f2")
        assert "休会收回：HY-01 第001份" in await d.tap(pilot, copy_uid("HY-01", 1))
        assert TIME.search(screen_text(d.app))  # the log's time: local, to the second
        assert not re.search(r"\d\d:\d\d:\d\d\.\d", screen_text(d.app))  # never microseconds
    with db.read_scope(d.engine) as s:
        event = s.exec(select(Event).order_by(Event.seq.desc())).first()  # type: ignore[attr-defined]
        assert event is not None and event.action == "collect"
        names = {a.id: a.name for a in s.exec(select(Attendee)).all()}
        assert names.get(event.attendee_id) == "赵娟"


@pytest.mark.parametrize("name", ["copies", "audit"])
async def test_a_tap_on_a_list_screen_looks_the_tag_up_and_records_nothing(
    name: str, desk: Callable[..., Desk]
) -> None:
    d = desk()
    three_out(d)
    async with d.app.run_test(size=(120, 36)) as pilot:
        await open_screen(pilot, d.app, name)
        before = d.events()
        d.app.simulate_tap(copy_uid("HY-01", 1))
        await wait_for(
            pilot, lambda: d.app.screen.query_one("#search", Input).value == copy_uid("HY-01", 1)
        )
        await settle(pilot, d.app)
        table = d.app.screen.query_one(DataTable)
        assert table.row_count >= 1
        assert all("HY-01 第001份" in str(table.get_row_at(i)) for i in range(table.row_count))
        assert d.events() == before


async def test_close_blocked_names_the_lost_items_too(desk: Callable[..., Desk]) -> None:
    """清点 counts a lost copy among 未收回; the dialog that refuses the close names it too."""
    d = desk()
    d.seed(
        [
            (pass_uid("A001"), Mode.ISSUE, {}),
            (copy_uid("HY-01", 1), Mode.ISSUE, {"attendee_code": "A001"}),
            (copy_uid("HY-01", 1), Mode.LOST, {"note": "遗失于会场", "operator": "赵保密"}),
        ]
    )
    async with d.app.run_test(size=(100, 30)) as pilot:
        await open_screen(pilot, d.app, "close_dialog")
        text = screen_text(d.app)
        assert "尚有 1 件未收回" in text and "会议证" in text
        assert "另有 1 件挂失" in text and "HY-01 第001份" in text and "已挂失" in text
        assert isinstance(d.app.screen, ConfirmClose)
