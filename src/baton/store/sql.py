"""One SQLAlchemy Core implementation of the engine's store, for both dialects.

Batches are the unit of work: :meth:`SqlStore.ingest_in` and
:meth:`SqlStore.settle_in` write a whole batch inside the one transaction the
group-commit writer opens, so one fsync serves many requests. Dialect differences
(upserts, connection pragmas) come from a :class:`Dialect` object chosen by
the factory; nothing here asks which database it talks to.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Literal, Protocol

from sqlalchemy import bindparam, func, select, union_all, update

from baton.store import schema as t
from baton.store.ports import (
    IngestItem,
    IngestResult,
    NewDelivery,
    QuarantineRow,
    Settlement,
)
from baton.store.reads import SqlReads

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from contextlib import AbstractContextManager

    from sqlalchemy import Connection, Engine, Table
    from sqlalchemy.sql.dml import Insert

__all__ = ["Dialect", "SqlStore"]


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


class SqlStore(SqlReads):
    """Baton's store on SQLAlchemy Core (see the module docstring).

    Args:
        engine: a SQLAlchemy engine, already configured for durability.
        dialect: the dialect helper for upserts.
    """

    def __init__(self, engine: Engine, dialect: Dialect) -> None:
        self.engine = engine
        self.dialect = dialect
        self._ins_inbox = t.inbox.insert()
        self._ins_delivery = dialect.insert_ignore(t.deliveries)
        self._ins_quarantine = t.quarantine.insert()
        self._ins_attempt = t.attempts.insert()
        self._ins_dead = t.dead_letters.insert()
        self._ins_audit = t.audit_log.insert()
        self._upsert_record = dialect.upsert_record()
        d = t.deliveries.c
        self._upd_delivery = (
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
        self._upsert_xref = dialect.upsert(
            t.xref,
            ("entity", "canonical_id", "system"),
            ("external_id", "updated_at"),
        )

    def begin(self) -> AbstractContextManager[Connection]:
        """A transaction (commits on exit, rolls back on error)."""
        return self.engine.begin()

    # -- hot path: batches ------------------------------------------------
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
                delivery_rows.append(_pending_row(it.delivery, now))
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
        if inbox_rows:
            conn.execute(self._ins_inbox, inbox_rows)
        if delivery_rows:
            done = conn.execute(self._ins_delivery, delivery_rows)
            sane = conn.dialect.supports_sane_multi_rowcount
            if not sane or done.rowcount != len(delivery_rows):
                self._adopt_existing(conn, delivery_rows, results)
        for stmt, rows in (
            (self._upsert_record, record_rows),
            (self._ins_quarantine, quarantine_rows),
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

    def settle_in(self, conn: Connection, items: list[Settlement]) -> None:
        """Record delivery outcomes, attempts, cross-references and exceptions."""
        attempts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        quarantines: list[dict[str, Any]] = []
        deads: list[dict[str, Any]] = []
        xrefs: list[dict[str, Any]] = []
        for s in items:
            attempts.append(
                {
                    "delivery_id": s.delivery_id,
                    "number": s.attempt_number,
                    "at": s.at,
                    "duration_ms": s.duration_ms,
                    "outcome": s.attempt_outcome,
                    "status": s.status,
                    "error": s.error,
                }
            )
            updates.append(
                {
                    "_id": s.delivery_id,
                    "state": s.state,
                    "attempts": s.attempt_number,
                    "updated_at": s.at,
                    "last_error": s.error,
                    "maybe_sent": int(s.maybe_sent),
                    "first": s.first_attempt_at,
                    "next": s.next_attempt_at,
                    "ext": s.external_ref,
                }
            )
            if s.xref is not None:
                entity, canonical_id, system, external_id = s.xref
                xrefs.append(
                    {
                        "entity": entity,
                        "canonical_id": canonical_id,
                        "system": system,
                        "external_id": external_id,
                        "updated_at": s.at,
                    }
                )
            if s.quarantine is not None:
                q = asdict(s.quarantine)
                q.update(delivery_id=s.delivery_id, status="open", created_at=s.at)
                quarantines.append(q)
            if s.dead_letter_id is not None:
                deads.append(
                    {
                        "id": s.dead_letter_id,
                        "delivery_id": s.delivery_id,
                        "target": s.target,
                        "reason": s.error or "gave up",
                        "attempts": s.attempt_number,
                        "status": "open",
                        "created_at": s.at,
                    }
                )
        for stmt, rows in (
            (self._upd_delivery, updates),
            (self._ins_attempt, attempts),
            (self._upsert_xref, xrefs),
            (self._ins_quarantine, quarantines),
            (self._ins_dead, deads),
        ):
            if rows:
                conn.execute(stmt, rows)

    # -- operator writes (not on the hot path) --------------------------------
    def put_refdata(self, kind: str, rows: Iterable[tuple[str, str]]) -> int:
        """Insert or replace reference data of one kind; returns the row count."""
        now = time.time()
        params = [
            {"kind": kind, "key": k, "data": d, "updated_at": now} for k, d in rows
        ]
        stmt = self.dialect.upsert(
            t.reference_data, ("kind", "key"), ("data", "updated_at")
        )
        with self.engine.begin() as conn:
            if params:
                conn.execute(stmt, params)
        return len(params)

    def replay_ingress(
        self,
        item: QuarantineRow,
        delivery: NewDelivery,
        record: str | None,
        actor: str,
    ) -> None:
        """Turn an ingress quarantine into a delivery, in one transaction.

        The delivery is inserted (skipped if its idempotency key exists), the
        inbox row is marked accepted, the item closed and the act audited.
        """
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(self._ins_delivery, _pending_row(delivery, now))
            if record is not None:
                conn.execute(
                    self._upsert_record,
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
                conn.execute(
                    update(t.inbox)
                    .where(t.inbox.c.id == item.inbox_id)
                    .values(outcome="accepted", delivery_id=delivery.id)
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
        conn.execute(
            update(table)
            .where(table.c.id == item_id)
            .values(status="replayed", resolved_at=now)
        )
        conn.execute(
            self._ins_audit,
            {
                "at": now,
                "actor": actor,
                "action": f"{kind}.replayed",
                "subject": item_id,
                "detail": "{}",
            },
        )

    def put_xrefs(
        self, entity: str, system: str, pairs: Iterable[tuple[str, str]]
    ) -> int:
        """Record canonical id → external id pairs in one transaction."""
        now = time.time()
        rows = [
            {
                "entity": entity,
                "canonical_id": c,
                "system": system,
                "external_id": e,
                "updated_at": now,
            }
            for c, e in pairs
        ]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(self._upsert_xref, rows)
        return len(rows)

    def get_cursor(self, source: str, stream: str) -> str | None:
        """The stored read position of a source stream (None: read everything)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.cursors.c.cursor).where(
                    t.cursors.c.source == source, t.cursors.c.stream == stream
                )
            ).first()
        return None if row is None else row[0]

    def put_cursor(self, source: str, stream: str, cursor: str | None) -> None:
        """Store a stream's read position (after its events are in the inbox)."""
        stmt = self.dialect.upsert(
            t.cursors, ("source", "stream"), ("cursor", "updated_at")
        )
        with self.engine.begin() as conn:
            conn.execute(
                stmt,
                {
                    "source": source,
                    "stream": stream,
                    "cursor": cursor,
                    "updated_at": time.time(),
                },
            )

    def purge_inbox(self, older_than: float) -> int:
        """Forget inbox rows past the dedupe horizon; returns how many."""
        with self.engine.begin() as conn:
            res = conn.execute(
                t.inbox.delete().where(t.inbox.c.received_at < older_than)
            )
        return int(res.rowcount)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()


def _pending_row(delivery: NewDelivery, now: float) -> dict[str, Any]:
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
