"""The tables of Baton's store, shared by SQLite and PostgreSQL.

Timestamps are UTC epoch seconds (float) so both dialects compare them the
same way; JSON documents are stored as text (the engine writes them with
orjson and never queries inside them).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

inbox = Table(
    "inbox",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("source", String(64), nullable=False),
    Column("event_id", String(255), nullable=False),
    Column("business_key", String(255), nullable=True),
    Column("entity", String(64), nullable=False),
    Column("received_at", Float, nullable=False),
    Column("payload", Text, nullable=False),
    # accepted | rejected
    Column("outcome", String(16), nullable=False),
    Column("delivery_id", String(32), nullable=True),
    Column("quarantine_id", String(32), nullable=True),
    UniqueConstraint("source", "event_id", name="uq_inbox_source_event"),
    UniqueConstraint("source", "business_key", name="uq_inbox_source_business_key"),
)
Index("ix_inbox_received_at", inbox.c.received_at)

records = Table(
    "records",
    metadata,
    Column("entity", String(64), primary_key=True),
    Column("canonical_id", String(255), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("data", Text, nullable=False),
    # {"field": "source system"} — who wrote each field last (survivorship)
    Column("field_sources", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("target", String(64), nullable=False),
    Column("account", String(128), nullable=False),
    Column("entity", String(64), nullable=False),
    Column("canonical_id", String(255), nullable=False),
    Column("version", Integer, nullable=False),
    Column("idempotency_key", String(400), nullable=False, unique=True),
    Column("partition_key", String(255), nullable=False),
    # pending | confirmed | quarantined | dead
    Column("state", String(16), nullable=False),
    # set once a send may have reached the target: look up before resending
    Column("maybe_sent", Integer, nullable=False, default=0),
    Column("attempts", Integer, nullable=False, default=0),
    Column("first_attempt_at", Float, nullable=True),
    Column("next_attempt_at", Float, nullable=False),
    Column("payload", Text, nullable=False),
    Column("amount", String(40), nullable=True),
    Column("currency", String(3), nullable=True),
    Column("external_ref", String(255), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)
Index("ix_deliveries_state_next", deliveries.c.state, deliveries.c.next_attempt_at)

attempts = Table(
    "attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", String(32), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("at", Float, nullable=False),
    Column("duration_ms", Float, nullable=False),
    # confirmed | found | retriable | ambiguous | invalid | fatal
    Column("outcome", String(16), nullable=False),
    Column("status", Integer, nullable=True),
    Column("error", Text, nullable=True),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("inbox_id", String(32), nullable=True),
    Column("delivery_id", String(32), nullable=True),
    Column("entity", String(64), nullable=False),
    Column("canonical_id", String(255), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("owner_team", String(32), nullable=False),
    Column("amount", String(40), nullable=True),
    Column("currency", String(3), nullable=True),
    Column("fix", Text, nullable=False, default=""),
    Column("payload", Text, nullable=False),
    # open | replayed | discarded
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("resolved_at", Float, nullable=True),
)
Index("ix_quarantine_status", quarantine.c.status, quarantine.c.owner_team)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("delivery_id", String(32), nullable=False),
    Column("target", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    # open | replayed
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("resolved_at", Float, nullable=True),
)
Index("ix_dead_letters_status", dead_letters.c.status)

xref = Table(
    "xref",
    metadata,
    Column("entity", String(64), primary_key=True),
    Column("canonical_id", String(255), primary_key=True),
    Column("system", String(64), primary_key=True),
    Column("external_id", String(255), nullable=False),
    Column("updated_at", Float, nullable=False),
)

reference_data = Table(
    "reference_data",
    metadata,
    Column("kind", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("data", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
)

cursors = Table(
    "cursors",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("stream", String(64), primary_key=True),
    Column("cursor", Text, nullable=True),
    Column("updated_at", Float, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("detail", Text, nullable=False),
)
