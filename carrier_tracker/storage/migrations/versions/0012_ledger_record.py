"""the ledger is the record: events say which system seq and PIN hashes stood behind them, the
meeting row says who approved its close

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("system_seq", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("operator_pin", sa.String(length=16), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("approver_pin", sa.String(length=16), nullable=False, server_default="")
        )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("close_approver", sa.String(length=100), nullable=False, server_default="")
        )
    # A meeting closed before this column existed: its approver is the close event's (the chain
    # has always recorded it).
    op.execute(
        "UPDATE meeting SET close_approver = COALESCE((SELECT event.approver FROM event"
        " WHERE event.meeting_id = meeting.id AND event.action = 'close'"
        " AND event.verdict = 'accepted' ORDER BY event.seq DESC LIMIT 1), '')"
    )


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite >= 3.35) rather than a copy of the table, which would
    # lose the expression indexes of 0011 (Alembic cannot reflect them).
    with op.batch_alter_table("meeting", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("close_approver")
    with op.batch_alter_table("event", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("approver_pin")
        batch_op.drop_column("operator_pin")
        batch_op.drop_column("system_seq")
