"""Repeats: events the inbox already holds, deliveries whose key already exists.

Plain functions taking the ingest batch's connection, called by
:meth:`~baton.store.ingest.SqlIngest.ingest_in` once per batch (never per
row): one lookup finds the batch's repeats, and a second, only when the
delivery insert skipped rows, points events at the deliveries that already
held their idempotency key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select, union_all, update

from baton.store import schema as t
from baton.store.ports import IngestItem, IngestResult

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = ["adopt_existing", "as_duplicate", "existing"]


def existing(
    conn: Connection, items: list[IngestItem]
) -> dict[tuple[str, str], IngestResult]:
    """The stored events that ``items`` repeat, as ``duplicate`` results.

    Keyed by ``(source, event_id)`` and, for events with a business key, by
    ``(source, "bk:" + business_key)``. ``items`` is a non-empty batch.
    """
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
        t.inbox.outerjoin(t.quarantine, t.quarantine.c.id == t.inbox.c.quarantine_id)
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


def adopt_existing(
    conn: Connection,
    rows: list[dict[str, Any]],
    results: list[IngestResult],
) -> None:
    """Point events at deliveries that already held their idempotency key.

    Happens when an event comes back after the inbox forgot it (past the
    dedupe horizon): the target must still see it once, so the event
    becomes a duplicate of the delivery made the first time. ``rows`` are
    the batch's delivery rows; ``results`` is rewritten in place.
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


def as_duplicate(res: IngestResult) -> IngestResult:
    """How a later copy of the event behind ``res`` (new in this batch) ends."""
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
