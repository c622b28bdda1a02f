"""Pilot tests: the real app, a temp database, the sim reader."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from textual.widgets import Input, Label

from carrier_tracker.cli.demo import CODE
from carrier_tracker.enums import Mode
from carrier_tracker.storage.models import Meeting
from carrier_tracker.tui.screens.approval import ApprovalDialog
from carrier_tracker.tui.screens.courier import CourierScreen
from carrier_tracker.tui.screens.reconcile import ReconcileScreen
from carrier_tracker.tui.widgets.banners import ModeBanner
from carrier_tracker.tui.widgets.row_table import RowTable
from tests.paper_tables import summary
from tests.tui.conftest import Desk, copy_uid, pass_uid, wait_for

ROOT = Path(__file__).resolve().parents[2]
SIZE = (120, 36)


async def test_full_meeting(desk: Callable[..., Desk]) -> None:
    d = desk()
    async with d.app.run_test(size=SIZE) as pilot:
        # Issue by pass tap: the pass is issued and its owner becomes the current attendee.
        assert "发放：会议证 P001（赵娟） → 赵娟" in await d.tap(pilot, pass_uid("A001"))
        assert "当前领取人：A001 赵娟" in str(d.app.screen.query_one("#attendee", Label).render())
        assert "发放：HY-01 第001份 → 赵娟" in await d.tap(pilot, copy_uid("HY-01", 1))
        # Break: collect, then re-issue to the remembered holder.
        await pilot.press("f2")
        assert "休会收回" in str(d.app.screen.query_one(ModeBanner).render())
        assert "休会收回：HY-01 第001份" in await d.tap(pilot, copy_uid("HY-01", 1))
        await pilot.press("f3")
        assert "复会发还：HY-01 第001份 → 赵娟" in await d.tap(pilot, copy_uid("HY-01", 1))
        # Take-away by out-of-town delegate A003, approved (the operator is the officer).
        await pilot.press("f1")
        await d.tap(pilot, pass_uid("A003"))
        assert "发放：HY-02 第001份 → 梁洋" in await d.tap(pilot, copy_uid("HY-02", 1))
        await pilot.press("f5")
        assert "带离：HY-02 第001份 → 梁洋" in await d.tap(pilot, copy_uid("HY-02", 1))
        # Courier: dispatch and receipt on the courier screen.
        await pilot.press("ctrl+k")
        await wait_for(pilot, lambda: isinstance(d.app.screen, CourierScreen))
        assert d.app.screen.current == "JY-2026-001"  # preselected  # type: ignore[attr-defined]
        assert "机要发出：HY-05 第002份 → 北京有色金属研究总院" in await d.tap(
            pilot, copy_uid("HY-05", 2)
        )
        await pilot.press("f7")
        assert "签收：HY-05 第002份" in await d.tap(pilot, copy_uid("HY-05", 2))
        await pilot.press("ctrl+d")
        # Return the take-away, recall everything.
        await pilot.press("f8")
        assert "退回：HY-02 第001份" in await d.tap(pilot, copy_uid("HY-02", 1))
        await pilot.press("f4")
        for uid in (copy_uid("HY-01", 1), pass_uid("A001"), pass_uid("A003")):
            assert "会后清退" in await d.tap(pilot, uid)
        # Reconciliation says 全部收回 and closes the meeting.
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(d.app.screen, ReconcileScreen))
        await wait_for(
            pilot, lambda: "全部收回" in str(d.app.screen.query_one("#all-back", Label).render())
        )
        await pilot.press("ctrl+w")
        await pilot.click("#yes")
        await wait_for(
            pilot, lambda: "已结束" in str(d.app.screen.query_one("#all-back", Label).render())
        )
    from sqlmodel import Session, select

    with Session(d.engine) as s:
        assert s.exec(select(Meeting)).one().status == "closed"


async def test_wrong_mode_and_wrong_attendee_change_nothing(desk: Callable[..., Desk]) -> None:
    d = desk(operator="孙文管")
    bells: list[int] = []
    d.seed(
        [
            (pass_uid("A001"), Mode.ISSUE, {}),
            (pass_uid("A003"), Mode.ISSUE, {}),
            (copy_uid("HY-01", 1), Mode.ISSUE, {"attendee_code": "A001"}),
        ]
    )
    async with d.app.run_test(size=SIZE) as pilot:
        d.app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        # Wrong mode: collect a copy that was never issued.
        await pilot.press("f2")
        before = d.carrier(copy_uid("HY-02", 3))
        text = await d.tap(pilot, copy_uid("HY-02", 3))
        assert "拒绝：HY-02 第003份 当前在库，不能休会收回" in text
        after = d.carrier(copy_uid("HY-02", 3))
        assert (after.state, after.holder_id, after.version) == (
            before.state,
            before.holder_id,
            before.version,
        )
        # Wrong attendee: A003 selected, HY-01/1 is with 赵娟.
        await pilot.press("f1")
        await pilot.press("ctrl+f")
        field = d.app.screen.query_one("#attendee-input", Input)
        field.value = "A003"
        await pilot.press("enter")
        assert "A003 梁洋" in str(d.app.screen.query_one("#attendee", Label).render())
        text = await d.tap(pilot, copy_uid("HY-01", 1))
        assert "拒绝：HY-01 第001份 已发给 赵娟" in text
        assert d.carrier(copy_uid("HY-01", 1)).holder_id == 1
        # Carry-out by a custodian who is not the officer: an officer is asked for; cancelled,
        # nothing is recorded (tests/tui/test_operators_desk.py approves it).
        await d.tap(pilot, copy_uid("HY-02", 1))
        await pilot.press("f5")
        events = d.events()
        d.app.simulate_tap(copy_uid("HY-02", 1))
        await wait_for(pilot, lambda: isinstance(d.app.screen, ApprovalDialog))
        await pilot.press("escape")
        await wait_for(pilot, lambda: "已取消批准：带离 HY-02 第001份 未作任何记录" in d.outcome())
        assert "无需操作" not in d.outcome()  # no verdict: nothing was tapped into the ledger
        assert d.events() == events
        assert d.carrier(copy_uid("HY-02", 1)).state == "issued"
        assert len(bells) == 2
        # An unbound tag offers enrollment.
        assert "按 Ctrl+E 去绑定此标签" in await d.tap(pilot, "04FFEEDDCCBBAA")


async def test_tap_from_another_process_shows_on_reconciliation(desk: Callable[..., Desk]) -> None:
    d = desk()
    d.seed([(pass_uid("A005"), Mode.ISSUE, {})])
    async with d.app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(d.app.screen, ReconcileScreen))
        table = d.app.screen.query_one("#recon", RowTable)
        assert "HY-04" not in str([table.get_row_at(i) for i in range(table.row_count)])
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "CARRIER_TRACKER_DB": d.url,
            "CARRIER_TRACKER_KEY_FILE": str(d.key_path),
            "CARRIER_TRACKER_OPERATOR": "孙文管",  # a demo operator (cli/demo.py)
            "CARRIER_TRACKER_PIN": "246810",
        }
        p = subprocess.run(
            [
                sys.executable,
                "-m",
                "carrier_tracker.cli",
                "tap",
                CODE,
                "--mode",
                "issue",
                "--attendee",
                "A005",
                "--station",
                "二号台",
                copy_uid("HY-04", 2),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert p.returncode == 0, p.stdout + p.stderr

        def shows() -> bool:
            # a row naming the holder (key a:CODE), then one row per item (key a:CODE/i)
            return any(
                key.startswith("a:A005/") and table.get_row(key)[0].strip() == "HY-04 第002份"
                for key in table.row_keys
            )

        await wait_for(pilot, shows, timeout=5)


async def test_export_action_writes_the_workbook(desk: Callable[..., Desk], tmp_path: Path) -> None:
    import openpyxl

    d = desk()
    d.seed([(pass_uid("A001"), Mode.ISSUE, {})])
    target = tmp_path / "出口.xlsx"
    async with d.app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: d.app.screen.query("#path").first() is not None)
        field = d.app.screen.query_one("#path", Input)
        field.value = str(tmp_path / "no-such-dir" / "x.xlsx")
        await pilot.press("enter")
        assert "目录不存在" in str(d.app.screen.query_one("#error", Label).render())
        field.value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: d.app.last_export == target, timeout=20)
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames[0] == "汇总" and "操作日志" in wb.sheetnames
    facts = summary(wb["汇总"])
    assert facts["导出时校验结果"] == "完整" and facts["导出人"] == "赵保密"
