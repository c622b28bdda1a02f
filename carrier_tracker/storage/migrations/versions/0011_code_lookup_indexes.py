"""meeting, attendee: index the case-insensitive code lookups

Codes match in any letter case (``lower(code) = lower(?)``), which no plain index serves: every
tap scanned the meetings for its meeting's code, and every hand-over scanned the meeting's
attendees for the desk's attendee — on a 2,000-attendee meeting 0.27 ms a tap, more than the
rest of its SQLite work. These expression indexes let both be one index search.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_meeting_code_ci", "meeting", [sa.text("lower(code)")])
    op.create_index("ix_attendee_code_ci", "attendee", ["meeting_id", sa.text("lower(code)")])


def downgrade() -> None:
    op.drop_index("ix_attendee_code_ci", table_name="attendee")
    op.drop_index("ix_meeting_code_ci", table_name="meeting")
