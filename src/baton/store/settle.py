"""The settle batch: what became of each delivery attempt, written at once.

:meth:`SqlSettle.settle_in` is on the hot path beside
:meth:`~baton.store.ingest.SqlIngest.ingest_in`: the dispatcher's outcomes for
a whole batch go in one transaction of the group-commit writer, one
executemany per table. A mixin of :class:`~baton.store.sql.SqlStore` over the
shared :class:`~baton.store.statements.Statements` (``self._sql``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from baton.store.ports import Settlement
    from baton.store.statements import Statements

__all__ = ["SqlSettle"]


class SqlSettle:
    """Writes settle batches (mixed into :class:`~baton.store.sql.SqlStore`)."""

    _sql: Statements

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
        sql = self._sql
        for stmt, rows in (
            (sql.upd_delivery, updates),
            (sql.ins_attempt, attempts),
            (sql.upsert_xref, xrefs),
            (sql.ins_quarantine, quarantines),
            (sql.ins_dead, deads),
        ):
            if rows:
                conn.execute(stmt, rows)
