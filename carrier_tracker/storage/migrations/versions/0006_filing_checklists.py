"""filing (备案) of a meeting and checklist answers; planned meetings become draft

Revision ID: 0006
Revises: 0008
Create Date: 2026-11-27 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0006'
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filed_ref', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('filed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('filed_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.add_column(sa.Column('plan_title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
    # The life cycle gains 备案: a meeting not yet opened is a draft until it is filed.
    op.execute("UPDATE meeting SET status = 'draft' WHERE status = 'planned'")
    op.create_table('checklistanswer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('checklist', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('item', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('operator', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('accept_note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'checklist', 'item')
    )
    with op.batch_alter_table('checklistanswer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklistanswer_meeting_id'), ['meeting_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('checklistanswer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklistanswer_meeting_id'))
    op.drop_table('checklistanswer')
    op.execute("UPDATE meeting SET status = 'planned' WHERE status IN ('draft', 'filed')")
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('plan_title')
        batch_op.drop_column('filed_by')
        batch_op.drop_column('filed_on')
        batch_op.drop_column('filed_ref')
