"""accountable operators and an insider-proof ledger

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 10:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('operator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disabled', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('failed_attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('card_uid', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint('uq_operator_card_uid', ['card_uid'])
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approver', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table('ledgerhead', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mac', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=''))
    op.create_table('systemevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('verdict', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('operator', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('station', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('seq')
    )
    op.create_table('systemhead',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('mac', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('setting',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('setting')
    op.drop_table('systemhead')
    op.drop_table('systemevent')
    with op.batch_alter_table('ledgerhead', schema=None) as batch_op:
        batch_op.drop_column('mac')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('payload')
        batch_op.drop_column('approver')
    with op.batch_alter_table('operator', schema=None) as batch_op:
        batch_op.drop_constraint('uq_operator_card_uid', type_='unique')
        batch_op.drop_column('created_at')
        batch_op.drop_column('card_uid')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_attempts')
        batch_op.drop_column('disabled')
