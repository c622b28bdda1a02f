"""A trip's desk (外出携带, #23 item 2) offers only the trip's modes: 发放, 会后清退, 挂失 and 找回
— the others would all be refused — in its key line and its footer, and their keys do nothing."""

from __future__ import annotations

from pathlib import Path

from carrier_tracker.cli.demo import prepare_demo_database
from carrier_tracker.enums import Mode
from carrier_tracker.tui.app import make_app
from carrier_tracker.tui.screens.desk import DeskScreen
from tests.tui.conftest import settle, wait_for
from tests.tui.layout import screen_text
from tests.tui.test_picker_overdue import OFFICER, UID, _trip


async def test_a_trips_desk_offers_only_the_trips_modes(tmp_path: Path) -> None:
    url, key_path = prepare_demo_database(tmp_path)
    _trip(url, key_path, "TR-01", due_in=3, taken=True)
    app = make_app(
        url, "sim:", meeting="TR-01", station="一号台", operator="赵保密", key_path=key_path,
        signed_in=OFFICER,
    )  # fmt: skip
    async with app.run_test(size=(140, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen))
        await settle(pilot, app)
        keys = str(app.screen.query_one("#mode-keys").render())
        assert keys == "F1发放  F4会后清退  F10挂失  F11找回"
        assert "F2" not in keys and "F5" not in keys and "F12" not in keys
        footer = screen_text(app).splitlines()[-1]
        assert "休会收回" not in footer
        await pilot.press("f2")  # 休会收回: not a trip's step
        await settle(pilot, app)
        assert app.service.desk.mode is Mode.ISSUE
        await pilot.press("f4")
        await settle(pilot, app)
        assert app.service.desk.mode is Mode.RECALL
        app.simulate_tap(UID)  # the copy taken out comes back
        await wait_for(pilot, lambda: "会后清退" in screen_text(app) and "成功" in screen_text(app))
