"""meeting.kind, meeting.due_on: documents carried to an outside meeting (外出携带) and the day
every copy is due back (应交回日期)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch): a batch copy of the table on SQLite would drop the
    # expression index ix_meeting_code_ci (0011), which it cannot reflect.
    op.add_column(
        "meeting",
        sa.Column(
            "kind",
            sqlmodel.sql.sqltypes.AutoString(length=16),
            nullable=False,
            server_default="涉密会议",
        ),
    )
    op.add_column("meeting", sa.Column("due_on", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_index("ix_meeting_code_ci", table_name="meeting")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("due_on")
        batch_op.drop_column("kind")
    op.create_index("ix_meeting_code_ci", "meeting", [sa.text("lower(code)")])
