"""event: drop two indexes every tap paid for and no query used; index attendee.substitute_for_id

``ix_event_meeting_id`` repeats the leading column of ``UNIQUE(meeting_id, seq)``, which serves
every by-meeting read; ``ix_event_attendee_id`` served no query (events are never looked up by
person alone: people are joined *from* events). Each index is one more page written per tap.
A hand-over looks up who stands in for its recipient (代会) by ``attendee.substitute_for_id``,
which scanned the attendee table without an index.

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-27 15:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_event_meeting_id", table_name="event")
    op.drop_index("ix_event_attendee_id", table_name="event")
    op.create_index("ix_attendee_substitute_for_id", "attendee", ["substitute_for_id"])


def downgrade() -> None:
    op.drop_index("ix_attendee_substitute_for_id", table_name="attendee")
    op.create_index("ix_event_attendee_id", "event", ["attendee_id"], unique=False)
    op.create_index("ix_event_meeting_id", "event", ["meeting_id"], unique=False)
