"""Small operator writes: reference data, cross-references, cursors, purges.

None of these is on the hot path; each takes its own transaction from the
engine. A mixin of :class:`~baton.store.sql.SqlStore`: the cross-reference
upsert is shared with the settle batch through
:class:`~baton.store.statements.Statements` (``self._sql``); the others are
spelled by the store's :class:`~baton.store.statements.Dialect` when called.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy import select

from baton.store import schema as t

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy import Engine

    from baton.store.statements import Dialect, Statements

__all__ = ["SqlBookkeeping"]


class SqlBookkeeping:
    """Bookkeeping writes (mixed into :class:`~baton.store.sql.SqlStore`)."""

    engine: Engine
    dialect: Dialect
    _sql: Statements

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
                conn.execute(self._sql.upsert_xref, rows)
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
