"""One SQLAlchemy Core implementation of the engine's store, for both dialects.

Batches are the unit of work: :meth:`SqlStore.ingest_in` and
:meth:`SqlStore.settle_in` write a whole batch inside the one transaction the
group-commit writer opens, so one fsync serves many requests. Dialect differences
(upserts, connection pragmas) come from a :class:`Dialect` object chosen by
the factory; nothing here asks which database it talks to.

:class:`SqlStore` is assembled from one mixin per concern, each in its own
module:

- :mod:`baton.store.ingest` and :mod:`baton.store.settle`: the hot-path batches
  (:mod:`baton.store.dedupe` finds an ingest batch's repeats);
- :mod:`baton.store.replays`: operator replays and their audit;
- :mod:`baton.store.bookkeeping`: reference data, cross-references, cursors,
  the inbox purge;
- :mod:`baton.store.reads`: listings and lookups.

Mixins (rather than module functions taking a connection) keep every call
site, and the store's public surface, the plain ``store.method(...)`` it
was, and let each part reach the engine and the prepared statements as
attributes. The statements are built once per store, by
:class:`~baton.store.statements.Statements`; the mixins need nothing of each
other but the attributes set in :meth:`SqlStore.__init__`. The dedupe
lookups need no store at all, so they are plain functions of the batch's
connection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from baton.store.bookkeeping import SqlBookkeeping
from baton.store.ingest import SqlIngest
from baton.store.reads import SqlReads
from baton.store.replays import SqlReplays
from baton.store.settle import SqlSettle
from baton.store.statements import Dialect, Statements

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy import Connection, Engine

__all__ = ["Dialect", "SqlStore"]


class SqlStore(SqlIngest, SqlSettle, SqlReplays, SqlBookkeeping, SqlReads):
    """Baton's store on SQLAlchemy Core (see the module docstring).

    Args:
        engine: a SQLAlchemy engine, already configured for durability.
        dialect: the dialect helper for upserts.
    """

    def __init__(self, engine: Engine, dialect: Dialect) -> None:
        self.engine = engine
        self.dialect = dialect
        self._sql = Statements(dialect)

    def begin(self) -> AbstractContextManager[Connection]:
        """A transaction (commits on exit, rolls back on error)."""
        return self.engine.begin()

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()
