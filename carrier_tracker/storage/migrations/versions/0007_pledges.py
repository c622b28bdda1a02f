"""pledges and briefing per attendee

Revision ID: 0007
Revises: 0008
Create Date: 2026-11-27 12:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attendee", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pledge_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("briefed_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attendee", schema=None) as batch_op:
        batch_op.drop_column("briefed_on")
        batch_op.drop_column("pledge_on")
