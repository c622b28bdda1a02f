"""event: index only entrance events by carrier (the admissions count), not every event

``ix_event_carrier_id`` took one more page on every tap's commit; the one read that needs it on
the hot path is the entrance's count of a pass's admissions, so a partial index of entrance
events serves it. Reads of one carrier's events (a correction's history, the desk's
last-event-per-carrier) go through the meeting's events (``UNIQUE(meeting_id, seq)``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 18:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_event_carrier_id", table_name="event")
    op.create_index(
        "ix_event_entrance",
        "event",
        ["carrier_id"],
        sqlite_where=sa.text("action = 'entrance'"),
        postgresql_where=sa.text("action = 'entrance'"),
    )


def downgrade() -> None:
    op.drop_index("ix_event_entrance", table_name="event")
    op.create_index("ix_event_carrier_id", "event", ["carrier_id"], unique=False)
