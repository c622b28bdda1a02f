"""The title block's lines (meeting title, code, marking, organizer, place, dates) and local
times as the paper prints them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from carrier_tracker import messages
from carrier_tracker.enums import Level
from carrier_tracker.storage.models import Meeting

STAMP = "%Y-%m-%d %H:%M"
"""A time in text on paper: the same as the cells' ``yyyy-mm-dd hh:mm``."""


class Local:
    """Converts stored UTC times to naive local datetimes, as Excel wants.

    The UTC offset is looked up once per hour of UTC time (offsets change on the hour), which
    matters for a 200,000-event log.
    """

    def __init__(self, tz: tzinfo | None) -> None:
        self.tz = tz
        self._offsets: dict[tuple[int, int, int, int], timedelta] = {}

    def __call__(self, at: datetime | None) -> datetime | None:
        if at is None:
            return None
        utc = (
            at.replace(tzinfo=None)
            if at.tzinfo is None
            else at.astimezone(UTC).replace(tzinfo=None)
        )
        hour = (utc.year, utc.month, utc.day, utc.hour)
        offset = self._offsets.get(hour)
        if offset is None:
            probe = utc.replace(minute=0, second=0, microsecond=0, tzinfo=UTC).astimezone(self.tz)
            offset = self._offsets[hour] = probe.utcoffset() or timedelta(0)
        return (utc + offset).replace(microsecond=0)

    def stamp(self, at: datetime | None) -> str:
        """A stored time as text in local time (``2026-12-08 08:30``; ``—`` for none)."""
        local = self(at)
        return local.strftime(STAMP) if local is not None else messages.text("paper_none")


def meeting_facts(meeting: Meeting, local: Local) -> list[str]:
    """The title block's lines under the document's title: what meeting this paper is about."""
    none = messages.text("paper_none")
    when = (
        messages.text(
            "paper_fact_when",
            start=local.stamp(meeting.starts_at),
            end=local.stamp(meeting.ends_at),
        )
        if meeting.starts_at or meeting.ends_at
        else none
    )
    return [
        messages.text("paper_fact_title", title=meeting.title),
        messages.text(
            "paper_fact_code",
            code=meeting.code,
            marking=Level(meeting.level).marking,
            organizer=meeting.organizer or none,
        ),
        messages.text("paper_fact_place", venue=meeting.venue or none, when=when),
    ]
