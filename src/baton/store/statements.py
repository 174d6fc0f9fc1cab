"""The store's prepared statements, built once per store from its dialect.

:class:`SqlStore` is assembled from small mixins, one per concern (batches,
replays, bookkeeping, reads). Several statements serve more than one of them
(the delivery insert is written both by ingest and by a replay), so they are
built here, once, and every mixin reaches them as ``self._sql``: one place
knows the SQL, and no mixin depends on another.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import bindparam, func, update

from baton.store import schema as t

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Table
    from sqlalchemy.sql.dml import Insert, Update

    from baton.store.ports import NewDelivery

__all__ = ["Dialect", "Statements", "pending_row"]


class Dialect(Protocol):
    """The few statements whose spelling differs between databases."""

    name: str

    def insert_ignore(self, table: Table) -> Insert:
        """INSERT that skips rows violating a unique constraint."""
        ...

    def upsert_record(self) -> Insert:
        """INSERT into ``records`` that bumps the version on conflict."""
        ...

    def upsert(self, table: Table, keys: Sequence[str], cols: Sequence[str]) -> Insert:
        """INSERT that overwrites ``cols`` when ``keys`` already exist."""
        ...


class Statements:
    """The inserts, upserts and the delivery update the writes reuse.

    Args:
        dialect: spells the upserts and the insert that skips duplicates.
    """

    __slots__ = (
        "ins_attempt",
        "ins_audit",
        "ins_dead",
        "ins_delivery",
        "ins_inbox",
        "ins_quarantine",
        "upd_delivery",
        "upsert_record",
        "upsert_xref",
    )

    def __init__(self, dialect: Dialect) -> None:
        self.ins_inbox: Insert = t.inbox.insert()
        self.ins_delivery = dialect.insert_ignore(t.deliveries)
        self.ins_quarantine: Insert = t.quarantine.insert()
        self.ins_attempt: Insert = t.attempts.insert()
        self.ins_dead: Insert = t.dead_letters.insert()
        self.ins_audit: Insert = t.audit_log.insert()
        self.upsert_record = dialect.upsert_record()
        d = t.deliveries.c
        self.upd_delivery: Update = (
            update(t.deliveries)
            .where(d.id == bindparam("_id"))
            .values(
                state=bindparam("state"),
                attempts=bindparam("attempts"),
                updated_at=bindparam("updated_at"),
                last_error=bindparam("last_error"),
                maybe_sent=bindparam("maybe_sent"),
                first_attempt_at=func.coalesce(bindparam("first"), d.first_attempt_at),
                next_attempt_at=func.coalesce(bindparam("next"), d.next_attempt_at),
                external_ref=func.coalesce(bindparam("ext"), d.external_ref),
            )
        )
        self.upsert_xref = dialect.upsert(
            t.xref,
            ("entity", "canonical_id", "system"),
            ("external_id", "updated_at"),
        )


def pending_row(delivery: NewDelivery, now: float) -> dict[str, Any]:
    """The ``deliveries`` row of a new delivery, due at once (for ``ins_delivery``)."""
    row = asdict(delivery)
    row.update(
        state="pending",
        maybe_sent=0,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    return row
