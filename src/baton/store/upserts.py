"""``INSERT … ON CONFLICT`` statements, spelled by SQLite's or PostgreSQL's dialect.

Both dialects offer the same ``on_conflict_*`` API on their own ``insert``
construct; :class:`OnConflictDialect` takes that construct and builds the
few statements the store needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baton.store import schema as t

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sqlalchemy import Table
    from sqlalchemy.sql.dml import Insert

__all__ = ["OnConflictDialect"]


class OnConflictDialect:
    """The store's upserts for a dialect with ``INSERT … ON CONFLICT``.

    Args:
        name: the dialect's name, for messages.
        insert: the dialect's ``insert`` function.
    """

    def __init__(self, name: str, insert: Callable[[Table], Any]) -> None:
        self.name = name
        self._insert = insert

    def insert_ignore(self, table: Table) -> Insert:
        """INSERT that skips rows violating a unique constraint."""
        stmt: Insert = self._insert(table).on_conflict_do_nothing()
        return stmt

    def upsert_record(self) -> Insert:
        """INSERT into ``records`` that bumps the version on conflict."""
        stmt = self._insert(t.records)
        out: Insert = stmt.on_conflict_do_update(
            index_elements=["entity", "canonical_id"],
            set_={
                "version": t.records.c.version + 1,
                "data": stmt.excluded.data,
                "field_sources": stmt.excluded.field_sources,
                "updated_at": stmt.excluded.updated_at,
            },
        )
        return out

    def upsert(self, table: Table, keys: Sequence[str], cols: Sequence[str]) -> Insert:
        """INSERT that overwrites ``cols`` when ``keys`` already exist."""
        stmt = self._insert(table)
        out: Insert = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in cols}
        )
        return out
