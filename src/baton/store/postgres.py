"""PostgreSQL, the scale-out store: the same schema and SQL, its own upserts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import create_engine
from sqlalchemy.dialects.postgresql import insert

from baton.store.upserts import OnConflictDialect

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["postgres_dialect", "postgres_engine"]


def postgres_engine(url: str) -> Engine:
    """An engine on psycopg 3 (``postgresql://`` URLs are mapped to it)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def postgres_dialect() -> OnConflictDialect:
    """Upserts in PostgreSQL's spelling."""
    return OnConflictDialect("postgresql", insert)
