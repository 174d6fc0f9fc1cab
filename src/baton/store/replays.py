"""Operator replays: a quarantined or dead-lettered item sent on, and audited.

Each replay is one transaction of its own (not the group-commit writer's):
the delivery is (re)opened, the item closed as ``replayed`` and the act
written to the audit log together. A mixin of
:class:`~baton.store.sql.SqlStore` over the shared
:class:`~baton.store.statements.Statements` (``self._sql``).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from baton.store import schema as t
from baton.store.ports import ItemNotOpenError
from baton.store.statements import pending_row

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine, Table

    from baton.store.ports import NewDelivery, QuarantineRow
    from baton.store.statements import Statements

__all__ = ["SqlReplays"]


class SqlReplays:
    """Replays and their audit (mixed into :class:`~baton.store.sql.SqlStore`)."""

    engine: Engine
    _sql: Statements

    def replay_ingress(
        self,
        item: QuarantineRow,
        delivery: NewDelivery,
        record: str | None,
        actor: str,
    ) -> None:
        """Turn an ingress quarantine into a delivery, in one transaction.

        The delivery is inserted (skipped if its idempotency key exists: the
        inbox then points at the delivery that holds the key), the inbox row is
        marked accepted, the item closed and the act audited.

        Raises:
            ItemNotOpenError: the item is no longer open; nothing was written.
        """
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(self._sql.ins_delivery, pending_row(delivery, now))
            if record is not None:
                conn.execute(
                    self._sql.upsert_record,
                    {
                        "entity": delivery.entity,
                        "canonical_id": delivery.canonical_id,
                        "version": 1,
                        "data": record,
                        "field_sources": "{}",
                        "updated_at": now,
                    },
                )
            if item.inbox_id is not None:
                holder = conn.execute(
                    select(t.deliveries.c.id).where(
                        t.deliveries.c.idempotency_key == delivery.idempotency_key
                    )
                ).scalar_one()
                conn.execute(
                    update(t.inbox)
                    .where(t.inbox.c.id == item.inbox_id)
                    .values(outcome="accepted", delivery_id=holder)
                )
            self._close_item(conn, t.quarantine, item.id, "quarantine", actor, now)

    def replay_delivery(
        self,
        delivery_id: str,
        payload: str | None,
        item: tuple[str, str],
        actor: str,
    ) -> None:
        """Make a delivery pending again and close the item that held it.

        Args:
            delivery_id: the delivery to reopen (looked up before resending).
            payload: an edited body, or None to keep the stored one.
            item: ``("quarantine" | "dead_letter", id)`` to close.
            actor: who asked, for the audit log.

        Raises:
            ItemNotOpenError: the item is no longer open; nothing was written.
        """
        now = time.time()
        values: dict[str, Any] = {
            "state": "pending",
            "attempts": 0,
            "first_attempt_at": None,
            "next_attempt_at": now,
            "updated_at": now,
            "maybe_sent": 1,
        }
        if payload is not None:
            values["payload"] = payload
        kind, item_id = item
        table = t.quarantine if kind == "quarantine" else t.dead_letters
        with self.engine.begin() as conn:
            conn.execute(
                update(t.deliveries)
                .where(t.deliveries.c.id == delivery_id)
                .values(**values)
            )
            self._close_item(conn, table, item_id, kind, actor, now)

    def _close_item(
        self,
        conn: Connection,
        table: Table,
        item_id: str,
        kind: str,
        actor: str,
        now: float,
    ) -> None:
        closed = conn.execute(
            update(table)
            .where(table.c.id == item_id, table.c.status == "open")
            .values(status="replayed", resolved_at=now)
        )
        if closed.rowcount != 1:  # raised inside the transaction: rolled back
            raise ItemNotOpenError(f"{kind} item {item_id} is no longer open")
        conn.execute(
            self._sql.ins_audit,
            {
                "at": now,
                "actor": actor,
                "action": f"{kind}.replayed",
                "subject": item_id,
                "detail": "{}",
            },
        )
