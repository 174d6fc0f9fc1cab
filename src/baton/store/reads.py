"""The store's read side: listings and lookups for the API, CLI and recovery.

Each read takes its own pooled connection (SQLite WAL lets readers run
beside the group-commit writer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select

from baton.store import schema as t
from baton.store.ports import DeadLetterRow, DeliveryRow, QuarantineRow

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["SqlReads"]


def _row_dict(row: Any) -> dict[str, Any]:
    return dict(row._mapping)


def _delivery(row: Any) -> DeliveryRow:
    d = _row_dict(row)
    d["maybe_sent"] = bool(d["maybe_sent"])
    return DeliveryRow(**d)


class SqlReads:
    """Read queries over Baton's tables (mixed into :class:`SqlStore`)."""

    engine: Engine

    def due_deliveries(
        self,
        now: float,
        limit: int,
        exclude: frozenset[str] = frozenset(),
        created_before: float | None = None,
    ) -> list[DeliveryRow]:
        """Pending deliveries whose next attempt is due, oldest first.

        ``created_before`` leaves out rows newer than that time (their
        writer is about to hand them to its dispatcher itself).
        """
        q = (
            select(t.deliveries)
            .where(
                t.deliveries.c.state == "pending",
                t.deliveries.c.next_attempt_at <= now,
                t.deliveries.c.created_at
                <= (now if created_before is None else created_before),
            )
            .order_by(t.deliveries.c.created_at, t.deliveries.c.id)
            .limit(limit + len(exclude))
        )
        with self.engine.connect() as conn:
            rows = [_delivery(r) for r in conn.execute(q)]
        return [r for r in rows if r.id not in exclude][:limit]

    def get_delivery(self, delivery_id: str) -> DeliveryRow | None:
        """One delivery by id, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.deliveries).where(t.deliveries.c.id == delivery_id)
            ).first()
        return None if row is None else _delivery(row)

    def list_deliveries(
        self, state: str | None = None, limit: int = 100
    ) -> list[DeliveryRow]:
        """Newest deliveries first, optionally in one state."""
        q = select(t.deliveries).order_by(t.deliveries.c.created_at.desc())
        if state is not None:
            q = q.where(t.deliveries.c.state == state)
        with self.engine.connect() as conn:
            return [_delivery(r) for r in conn.execute(q.limit(limit))]

    def list_quarantine(
        self,
        status: str | None = "open",
        owner_team: str | None = None,
        rule: str | None = None,
        limit: int = 1000,
    ) -> list[QuarantineRow]:
        """Quarantined records, oldest first, filtered by status/owner/rule."""
        conds = []
        if status is not None:
            conds.append(t.quarantine.c.status == status)
        if owner_team is not None:
            conds.append(t.quarantine.c.owner_team == owner_team)
        if rule is not None:
            conds.append(t.quarantine.c.rule == rule)
        q = (
            select(t.quarantine)
            .where(and_(True, *conds))
            .order_by(t.quarantine.c.created_at, t.quarantine.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [QuarantineRow(**_row_dict(r)) for r in conn.execute(q)]

    def get_quarantine(self, item_id: str) -> QuarantineRow | None:
        """One quarantined record by id, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.quarantine).where(t.quarantine.c.id == item_id)
            ).first()
        return None if row is None else QuarantineRow(**_row_dict(row))

    def list_dead_letters(
        self, status: str | None = "open", limit: int = 1000
    ) -> list[DeadLetterRow]:
        """Dead letters, oldest first."""
        q = select(t.dead_letters).order_by(t.dead_letters.c.created_at)
        if status is not None:
            q = q.where(t.dead_letters.c.status == status)
        with self.engine.connect() as conn:
            return [DeadLetterRow(**_row_dict(r)) for r in conn.execute(q.limit(limit))]

    def get_dead_letter(self, item_id: str) -> DeadLetterRow | None:
        """One dead letter by id, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.dead_letters).where(t.dead_letters.c.id == item_id)
            ).first()
        return None if row is None else DeadLetterRow(**_row_dict(row))

    def counts(self) -> dict[str, dict[str, int]]:
        """Row counts by state: deliveries, quarantine, dead letters, inbox."""
        out: dict[str, dict[str, int]] = {}
        with self.engine.connect() as conn:
            for name, table, col in (
                ("deliveries", t.deliveries, t.deliveries.c.state),
                ("quarantine", t.quarantine, t.quarantine.c.status),
                ("dead_letters", t.dead_letters, t.dead_letters.c.status),
                ("inbox", t.inbox, t.inbox.c.outcome),
            ):
                q = select(col, func.count()).select_from(table).group_by(col)
                out[name] = {str(k): int(n) for k, n in conn.execute(q)}
        return out

    def load_refdata(self) -> dict[str, dict[str, str]]:
        """All reference data as ``{kind: {key: json}}``."""
        out: dict[str, dict[str, str]] = {}
        with self.engine.connect() as conn:
            for kind, key, data in conn.execute(
                select(
                    t.reference_data.c.kind,
                    t.reference_data.c.key,
                    t.reference_data.c.data,
                )
            ):
                out.setdefault(kind, {})[key] = data
        return out

    def canonical_records(self, entity: str) -> list[tuple[str, str]]:
        """``(canonical id, data JSON)`` of every stored record of ``entity``."""
        q = select(t.records.c.canonical_id, t.records.c.data).where(
            t.records.c.entity == entity
        )
        with self.engine.connect() as conn:
            return [(str(i), str(d)) for i, d in conn.execute(q)]

    def xrefs(self, entity: str, system: str) -> dict[str, str]:
        """Canonical id → external id of ``entity`` in ``system``."""
        q = select(t.xref.c.canonical_id, t.xref.c.external_id).where(
            t.xref.c.entity == entity, t.xref.c.system == system
        )
        with self.engine.connect() as conn:
            return {str(c): str(e) for c, e in conn.execute(q)}
