"""Choose the meeting when ``tui`` is started without one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session
from textual import getters
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, OptionList
from textual.widgets.option_list import Option

from carrier_tracker.custody.service import find_meeting
from carrier_tracker.enums import MeetingStatus
from carrier_tracker.meeting.lifecycle import list_meetings
from carrier_tracker.meeting.trips import overdue
from carrier_tracker.messages import MEETING_STATUS_LABEL
from carrier_tracker.storage.models import Meeting

from ..app import CarrierTrackerApp
from ..texts import t


def _rows(session: Session) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Every meeting, and the due date of each one that is overdue."""
    today = datetime.now().astimezone().date()
    return list_meetings(session), {r["code"]: r["due_on"] for r in overdue(session, today=today)}


class MeetingPicker(Screen[None]):
    """A list of meetings, the first highlighted; Enter opens the desk on the highlighted one."""

    app = getters.app(CarrierTrackerApp)

    AUTO_FOCUS = "#meetings"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(t("picker_title"), classes="screen-title", markup=False)
        yield OptionList(id="meetings")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.app.service.read(self, _rows, self._show)

    def _show(self, found: tuple[list[dict[str, Any]], dict[str, str]]) -> None:
        rows, late = found
        options = self.query_one(OptionList)
        for r in rows:
            text = t(
                "picker_row",
                code=r["code"],
                level=r["level"],
                status=MEETING_STATUS_LABEL[MeetingStatus(r["status"])],
                outstanding=r["outstanding"],
                title=r["title"],
            )
            if r["code"] in late:  # past its 应交回日期 with items out (meetings --overdue)
                text += t("picker_overdue", due=late[r["code"]])
            options.add_option(Option(text, id=r["code"]))
        if not rows:
            options.add_option(Option(t("picker_empty"), disabled=True))
        else:
            options.highlighted = 0  # so Enter works at once, as the title says
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        code = event.option.id or ""

        def run(s: Session) -> Meeting:
            return find_meeting(s, code)

        def chosen(meeting: Meeting) -> None:
            self.app.ctx.meeting = meeting
            self.dismiss(None)

        self.app.service.read(self, run, chosen)
