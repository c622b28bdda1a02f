"""tags released at close: a UID is unique among bound (unreleased) carriers only

Revision ID: 0008
Revises: 0004
Create Date: 2026-11-27 12:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0004"
branch_labels = None
depends_on = None

# The unnamed UNIQUE(tag_uid) of 0001 as each database named it: SQLite keeps no name (a batch
# rebuild finds it by this convention), PostgreSQL called it <table>_<column>_key.
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _unique_name() -> str:
    return (
        "carrier_tag_uid_key"
        if op.get_bind().dialect.name == "postgresql"
        else "uq_carrier_tag_uid"
    )


def upgrade() -> None:
    with op.batch_alter_table("carrier", schema=None, naming_convention=_SQLITE_NAMES) as batch_op:
        batch_op.add_column(
            sa.Column("tag_released", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.drop_constraint(_unique_name(), type_="unique")
        batch_op.create_index("ix_carrier_tag_uid", ["tag_uid"], unique=False)
        batch_op.create_index(
            "uq_carrier_active_tag",
            ["tag_uid"],
            unique=True,
            sqlite_where=sa.text("NOT tag_released"),
            postgresql_where=sa.text("NOT tag_released"),
        )


def downgrade() -> None:
    with op.batch_alter_table("carrier", schema=None, naming_convention=_SQLITE_NAMES) as batch_op:
        batch_op.drop_index("uq_carrier_active_tag")
        batch_op.drop_index("ix_carrier_tag_uid")
        batch_op.create_unique_constraint(_unique_name(), ["tag_uid"])
        batch_op.drop_column("tag_released")
