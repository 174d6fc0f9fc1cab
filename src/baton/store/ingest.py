"""The ingest batch: events, their deliveries, records and quarantines at once.

:meth:`SqlIngest.ingest_in` is on the hot path: it writes a whole batch inside
the one transaction the group-commit writer opens, with one executemany per
table, so one fsync serves many requests. Repeats are found (and, past the
dedupe horizon, adopted) by :mod:`baton.store.dedupe`, once per batch. Like
every part of :class:`~baton.store.sql.SqlStore` it is a mixin over the
shared :class:`~baton.store.statements.Statements` (``self._sql``).
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from baton.store.dedupe import adopt_existing, as_duplicate, existing
from baton.store.ports import IngestResult
from baton.store.statements import pending_row

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from baton.store.ports import IngestItem
    from baton.store.statements import Statements

__all__ = ["SqlIngest"]


class SqlIngest:
    """Writes ingest batches (mixed into :class:`~baton.store.sql.SqlStore`)."""

    _sql: Statements

    def ingest_in(
        self, conn: Connection, items: list[IngestItem]
    ) -> list[IngestResult]:
        """Store a batch of events with their decisions on ``conn``.

        A repeat (same source and event id, or same source and business key,
        already stored or earlier in this batch) writes nothing and returns
        ``duplicate`` with the original's outcome.
        """
        seen = existing(conn, items)
        results: list[IngestResult] = []
        inbox_rows: list[dict[str, Any]] = []
        delivery_rows: list[dict[str, Any]] = []
        quarantine_rows: list[dict[str, Any]] = []
        record_rows: list[dict[str, Any]] = []
        now = time.time()
        for it in items:
            prior = seen.get((it.source, it.event_id))
            if prior is None and it.business_key is not None:
                prior = seen.get((it.source, "bk:" + it.business_key))
            if prior is not None:
                results.append(prior)
                continue
            res = self._new_result(it)
            seen[(it.source, it.event_id)] = as_duplicate(res)
            if it.business_key is not None:
                seen[(it.source, "bk:" + it.business_key)] = as_duplicate(res)
            results.append(res)
            inbox_rows.append(
                {
                    "id": it.id,
                    "source": it.source,
                    "event_id": it.event_id,
                    "business_key": it.business_key,
                    "entity": it.entity,
                    "received_at": now,
                    "payload": it.payload,
                    "outcome": res.outcome,
                    "delivery_id": res.delivery_id,
                    "quarantine_id": res.quarantine_id,
                }
            )
            if it.delivery is not None:
                delivery_rows.append(pending_row(it.delivery, now))
            if it.record is not None and it.delivery is not None:
                record_rows.append(
                    {
                        "entity": it.entity,
                        "canonical_id": it.delivery.canonical_id,
                        "version": 1,
                        "data": it.record,
                        "field_sources": it.record_sources,
                        "updated_at": now,
                    }
                )
            if it.quarantine is not None:
                q = asdict(it.quarantine)
                q.update(inbox_id=it.id, status="open", created_at=now)
                quarantine_rows.append(q)
        sql = self._sql
        if inbox_rows:
            conn.execute(sql.ins_inbox, inbox_rows)
        if delivery_rows:
            done = conn.execute(sql.ins_delivery, delivery_rows)
            sane = conn.dialect.supports_sane_multi_rowcount
            if not sane or done.rowcount != len(delivery_rows):
                adopt_existing(conn, delivery_rows, results)
        for stmt, rows in (
            (sql.upsert_record, record_rows),
            (sql.ins_quarantine, quarantine_rows),
        ):
            if rows:
                conn.execute(stmt, rows)
        return results

    @staticmethod
    def _new_result(it: IngestItem) -> IngestResult:
        if it.delivery is not None:
            return IngestResult("accepted", it.id, delivery_id=it.delivery.id)
        if it.quarantine is None:  # received only: a workflow takes it from here
            return IngestResult("accepted", it.id)
        q = it.quarantine
        return IngestResult(
            "rejected", it.id, quarantine_id=q.id, rule=q.rule, reason=q.reason
        )
