"""event, carrier: index the rare events by meeting and action; carriers by holder and document

The views look up one kind of rare event — ``status`` the late attendees (会中增补), the
by-document view the voids, the export and the 清点 screen the close — and each of those
lookups scanned the meeting's whole ledger: 70 ms at 230,000 events. A partial index of the
events that are not per-carrier (taps, enrollment) makes each an index search; a tap's event
is not in it, so no tap writes a page of it.

A copy's hand-over asks whether the recipient already holds a copy of that document (one copy
each); it read every copy the recipient held, so a copy tap grew with the recipient's holdings
(3.3 ms CPU at 1,000 against 0.4 ms for a pass). An index on (holder_id, document_id) makes it
one search, and replaces the index on holder_id alone (every other read by holder uses its
first column): a carrier's change of holder still writes one index entry.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# As carrier_tracker.storage.models.ADMIN_EVENTS_WHERE at this revision (a migration is frozen).
_WHERE = (
    "action NOT IN ('enroll', 'issue', 'collect', 'reissue', 'recall', 'carry_out', 'dispatch', "
    "'deliver', 'return', 'entrance', 'report_lost', 'found', 'sweep')"
)


def upgrade() -> None:
    op.drop_index("ix_carrier_holder_id", table_name="carrier")
    op.create_index("ix_carrier_holder_document", "carrier", ["holder_id", "document_id"])
    op.create_index(
        "ix_event_admin",
        "event",
        ["meeting_id", "action"],
        sqlite_where=sa.text(_WHERE),
        postgresql_where=sa.text(_WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_event_admin", table_name="event")
    op.drop_index("ix_carrier_holder_document", table_name="carrier")
    op.create_index("ix_carrier_holder_id", "carrier", ["holder_id"])
