"""changes during a meeting: substitutes (代会) and retired tags

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-27 12:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attendee', schema=None) as batch_op:
        batch_op.add_column(sa.Column('substitute_for_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_attendee_substitute_for_id_attendee', 'attendee', ['substitute_for_id'], ['id']
        )
    op.create_table('retiredtag',
    sa.Column('uid', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('carrier_id', sa.Integer(), nullable=False),
    sa.Column('replaced_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['carrier_id'], ['carrier.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.PrimaryKeyConstraint('uid')
    )
    with op.batch_alter_table('retiredtag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retiredtag_meeting_id'), ['meeting_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('retiredtag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retiredtag_meeting_id'))
    op.drop_table('retiredtag')
    with op.batch_alter_table('attendee', schema=None) as batch_op:
        batch_op.drop_constraint('fk_attendee_substitute_for_id_attendee', type_='foreignkey')
        batch_op.drop_column('substitute_for_id')
