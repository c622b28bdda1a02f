"""Choose the meeting when ``tui`` is started without one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, OptionList
from textual.widgets.option_list import Option

from carrier_tracker.custody import find_meeting
from carrier_tracker.meetings import list_meetings
from carrier_tracker.messages import MEETING_STATUS_LABEL


class MeetingPicker(Screen[None]):
    """A list of meetings; Enter opens the desk on one."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("选择会议（回车进入）", classes="screen-title")
        yield OptionList(id="meetings")
        yield Footer()

    def on_mount(self) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        with ctx.read() as s:
            rows = list_meetings(s)
        options = self.query_one(OptionList)
        for r in rows:
            options.add_option(Option(f"{r['code']}  {r['level']}  {MEETING_STATUS_LABEL[r['status']]}  未收回 {r['outstanding']}  {r['title']}", id=r["code"]))
        if not rows:
            options.add_option(Option("尚无会议：先用 carrier-tracker import FILE.xlsx 导入", disabled=True))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        with ctx.read() as s:
            ctx.meeting = find_meeting(s, event.option.id or "")
        self.dismiss(None)
