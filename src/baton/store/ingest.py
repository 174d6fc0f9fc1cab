"""The ingest batch: events, their deliveries, records and quarantines at once.

:meth:`SqlIngest.ingest_in` is on the hot path: it writes a whole batch inside
the one transaction the group-commit writer opens, with one executemany per
table, so one fsync serves many requests. Like every part of
:class:`~baton.store.sql.SqlStore` it is a mixin over the shared
:class:`~baton.store.statements.Statements` (``self._sql``).
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select, union_all, update

from baton.store import schema as t
from baton.store.ports import IngestItem, IngestResult
from baton.store.statements import pending_row

if TYPE_CHECKING:
    from sqlalchemy import Connection

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
        seen = self._existing(conn, items)
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
            seen[(it.source, it.event_id)] = _as_duplicate(res)
            if it.business_key is not None:
                seen[(it.source, "bk:" + it.business_key)] = _as_duplicate(res)
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
                self._adopt_existing(conn, delivery_rows, results)
        for stmt, rows in (
            (sql.upsert_record, record_rows),
            (sql.ins_quarantine, quarantine_rows),
        ):
            if rows:
                conn.execute(stmt, rows)
        return results

    def _adopt_existing(
        self,
        conn: Connection,
        rows: list[dict[str, Any]],
        results: list[IngestResult],
    ) -> None:
        """Point events at deliveries that already held their idempotency key.

        Happens when an event comes back after the inbox forgot it (past the
        dedupe horizon): the target must still see it once, so the event
        becomes a duplicate of the delivery made the first time.
        """
        keys = [r["idempotency_key"] for r in rows]
        held = dict(
            conn.execute(
                select(t.deliveries.c.idempotency_key, t.deliveries.c.id).where(
                    t.deliveries.c.idempotency_key.in_(keys)
                )
            ).all()
        )
        moved = {r["id"]: held[r["idempotency_key"]] for r in rows}
        moved = {new: old for new, old in moved.items() if new != old}
        for i, res in enumerate(results):
            if res.outcome == "accepted" and res.delivery_id in moved:
                old = moved[res.delivery_id]
                conn.execute(
                    update(t.inbox)
                    .where(t.inbox.c.id == res.inbox_id)
                    .values(delivery_id=old)
                )
                results[i] = IngestResult(
                    "duplicate", res.inbox_id, original="accepted", delivery_id=old
                )

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

    def _existing(
        self, conn: Connection, items: list[IngestItem]
    ) -> dict[tuple[str, str], IngestResult]:
        base = select(
            t.inbox.c.id,
            t.inbox.c.source,
            t.inbox.c.event_id,
            t.inbox.c.business_key,
            t.inbox.c.outcome,
            t.inbox.c.delivery_id,
            t.inbox.c.quarantine_id,
            t.quarantine.c.rule,
            t.quarantine.c.reason,
        ).select_from(
            t.inbox.outerjoin(
                t.quarantine, t.quarantine.c.id == t.inbox.c.quarantine_id
            )
        )
        # one indexed lookup per unique key; an OR across both keys made
        # SQLite scan every inbox row of the source (cost grew with the inbox)
        parts = []
        for source in {it.source for it in items}:
            mine = [it for it in items if it.source == source]
            parts.append(
                base.where(
                    t.inbox.c.source == source,
                    t.inbox.c.event_id.in_([it.event_id for it in mine]),
                )
            )
            bkeys = [it.business_key for it in mine if it.business_key is not None]
            if bkeys:
                parts.append(
                    base.where(
                        t.inbox.c.source == source,
                        t.inbox.c.business_key.in_(bkeys),
                    )
                )
        q = parts[0] if len(parts) == 1 else union_all(*parts)
        found: dict[tuple[str, str], IngestResult] = {}
        for row in conn.execute(q):
            res = IngestResult(
                "duplicate",
                row.id,
                original=row.outcome,
                delivery_id=row.delivery_id,
                quarantine_id=row.quarantine_id,
                rule=row.rule,
                reason=row.reason,
            )
            found[(row.source, row.event_id)] = res
            if row.business_key is not None:
                found[(row.source, "bk:" + row.business_key)] = res
        return found


def _as_duplicate(res: IngestResult) -> IngestResult:
    original: Literal["accepted", "rejected"] = (
        "accepted" if res.outcome == "accepted" else "rejected"
    )
    return IngestResult(
        "duplicate",
        res.inbox_id,
        original=original,
        delivery_id=res.delivery_id,
        quarantine_id=res.quarantine_id,
        rule=res.rule,
        reason=res.reason,
    )
