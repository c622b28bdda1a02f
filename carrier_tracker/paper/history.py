"""What the ledger says happened to each carrier, as the paper prints it (issue, breaks,
recovery, carry-out and its approver, courier legs), and the meeting's story (filing, first tap,
close): read through the ledger's one fold (``ledger.fold.Story``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from carrier_tracker.enums import Action, Verdict
from carrier_tracker.ledger import codec
from carrier_tracker.ledger.audit import event_rows
from carrier_tracker.ledger.fold import CarrierHistory, MeetingWorld, Step, Story, Trace
from carrier_tracker.storage.models import Event, Meeting
from carrier_tracker.storage.queries import voided_seqs

History = Story
"""A meeting's history as the paper prints it (the fold's ``Story``)."""

__all__ = [
    "CarrierHistory",
    "History",
    "MeetingWorld",
    "Step",
    "Trace",
    "ever_lost",
    "new_story",
    "read_history",
    "read_trails",
    "story_of",
]


def new_story(session: Session, meeting: Meeting, traced: frozenset[int] = frozenset()) -> Story:
    """An empty story to fold a meeting's events into: a voided tap (and the void itself) will
    leave no trace in a carrier's history, the void restored the custody before it. The
    ``traced`` carriers keep every accepted event (``Story.trails``)."""
    assert meeting.id is not None
    voided = voided_seqs(session, meeting.id)
    return Story(skip=frozenset(voided) | frozenset(voided.values()), traced=traced)


def ever_lost(session: Session, meeting: Meeting) -> list[int]:
    """The carriers ever reported lost in the meeting (a voided report does not count), in the
    order of their first report."""
    assert meeting.id is not None
    rows = session.exec(
        select(Event.seq, Event.carrier_id)
        .where(
            Event.meeting_id == meeting.id,
            Event.action == Action.REPORT_LOST.value,
            Event.verdict == Verdict.ACCEPTED.value,
        )
        .order_by(col(Event.seq))
    ).all()
    if not rows:
        return []
    voided = voided_seqs(session, meeting.id)
    out: dict[int, None] = {}
    for seq, carrier_id in rows:
        if carrier_id is not None and seq not in voided:
            out.setdefault(carrier_id)
    return list(out)


def read_trails(session: Session, meeting: Meeting, carrier_ids: list[int]) -> MeetingWorld:
    """The meeting's world as its ledger says it is, with a story keeping every accepted event
    of these carriers (``world.story.trails``; one pass)."""
    assert meeting.id is not None
    world = MeetingWorld(story=new_story(session, meeting, frozenset(carrier_ids)))
    for row in event_rows(session, meeting.id):
        world.apply(codec.decode(row))
    return world


def story_of(rows: Iterable[Any], story: Story) -> Story:
    """Fold a meeting's event rows (in seq order) into ``story``."""
    world = MeetingWorld(story=story)
    for row in rows:
        world.apply(codec.decode(row))
    return story


def read_history(session: Session, meeting: Meeting) -> Story:
    """A meeting's history, folded from its events (one pass)."""
    assert meeting.id is not None
    return story_of(event_rows(session, meeting.id), new_story(session, meeting))
