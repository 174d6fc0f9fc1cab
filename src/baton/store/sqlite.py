"""SQLite, the embedded default: WAL, ``synchronous=FULL``, a busy timeout.

``synchronous=FULL`` makes every commit durable before it returns: an
acknowledged event is on disk. Throughput comes from group commit (many
requests per transaction), not from weakening this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event
from sqlalchemy.dialects.sqlite import insert

from baton.store.upserts import OnConflictDialect

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["BUSY_TIMEOUT_MS", "sqlite_dialect", "sqlite_engine"]

BUSY_TIMEOUT_MS = 10_000


def sqlite_engine(url: str) -> Engine:
    """An engine whose every connection uses WAL, FULL sync and a busy timeout."""
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()

    return engine


def sqlite_dialect() -> OnConflictDialect:
    """Upserts in SQLite's spelling."""
    return OnConflictDialect("sqlite", insert)
