"""What the ledger says happened to each carrier, as the paper prints it (issue, breaks,
recovery, carry-out and its approver, courier legs), and the meeting's story (filing, first tap,
close): read through the ledger's one fold (``ledger.fold.Story``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import Session

from carrier_tracker.ledger import codec
from carrier_tracker.ledger.audit import event_rows
from carrier_tracker.ledger.fold import CarrierHistory, MeetingWorld, Step, Story
from carrier_tracker.storage.models import Meeting
from carrier_tracker.storage.queries import voided_seqs

History = Story
"""A meeting's history as the paper prints it (the fold's ``Story``)."""

__all__ = ["CarrierHistory", "History", "Step", "new_story", "read_history", "story_of"]


def new_story(session: Session, meeting: Meeting) -> Story:
    """An empty story to fold a meeting's events into: a voided tap (and the void itself) will
    leave no trace in a carrier's history, the void restored the custody before it."""
    assert meeting.id is not None
    voided = voided_seqs(session, meeting.id)
    return Story(skip=frozenset(voided) | frozenset(voided.values()))


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
