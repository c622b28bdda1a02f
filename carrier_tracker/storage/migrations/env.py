"""Alembic environment: runs on the connection handed in by carrier_tracker.storage.db."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from carrier_tracker.storage import models  # noqa: F401  (registers the tables)

target_metadata = SQLModel.metadata
config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `carrier-tracker init`")
context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
