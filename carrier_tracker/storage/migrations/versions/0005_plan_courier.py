"""distribution plans and consignments that belong to a delegate

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-27 12:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0005'
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''))
    with op.batch_alter_table('consignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attendee_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_consignment_attendee_id', 'attendee', ['attendee_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('consignment', schema=None) as batch_op:
        batch_op.drop_constraint('fk_consignment_attendee_id', type_='foreignkey')
        batch_op.drop_column('attendee_id')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('plan')
