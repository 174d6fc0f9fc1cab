"""Alembic environment: runs on the connection Baton hands over."""

from __future__ import annotations

from alembic import context

from baton.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Baton runs its migrations itself: use `baton migrate`")
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
