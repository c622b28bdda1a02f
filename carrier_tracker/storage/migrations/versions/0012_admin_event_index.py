"""event: index the rare events by meeting and action (late attendees, voids, the close)

The views look up one kind of rare event — ``status`` the late attendees (会中增补), the
by-document view the voids, the export and the 清点 screen the close — and each of those
lookups scanned the meeting's whole ledger: 70 ms at 230,000 events. A partial index of the
events that are not per-carrier (taps, enrollment) makes each an index search; a tap's event
is not in it, so no tap writes a page of it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# As carrier_tracker.storage.models.ADMIN_EVENTS_WHERE at this revision (a migration is frozen).
_WHERE = (
    "action NOT IN ('enroll', 'issue', 'collect', 'reissue', 'recall', 'carry_out', 'dispatch', "
    "'deliver', 'return', 'entrance', 'report_lost', 'found', 'sweep')"
)


def upgrade() -> None:
    op.create_index(
        "ix_event_admin",
        "event",
        ["meeting_id", "action"],
        sqlite_where=sa.text(_WHERE),
        postgresql_where=sa.text(_WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_event_admin", table_name="event")
