"""Open a store from its URL and bring its schema up to date.

``sqlite:///PATH`` selects the embedded default, ``postgresql://…`` the
scale-out store. This is the one place that maps a URL to a backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

from baton.store.migrations import HEAD
from baton.store.postgres import postgres_dialect, postgres_engine
from baton.store.sql import SqlStore
from baton.store.sqlite import sqlite_dialect, sqlite_engine

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine

__all__ = ["StoreError", "alembic_config", "current_revision", "migrate", "open_store"]

MIGRATIONS = Path(__file__).parent / "migrations"


class StoreError(Exception):
    """The store URL is wrong or the database cannot be reached."""


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic's configuration for Baton's migrations."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(False))
    return cfg


def open_store(url: str, *, migrate_schema: bool = True) -> SqlStore:
    """Open the store at ``url``, creating and migrating it unless told not to.

    Raises:
        StoreError: unknown scheme, unreachable server, or a failed migration.
    """
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if str(path) not in ("", ":memory:"):
            path.parent.mkdir(parents=True, exist_ok=True)
        store = SqlStore(sqlite_engine(url), sqlite_dialect())
    elif url.startswith(("postgresql://", "postgresql+psycopg://")):
        store = SqlStore(postgres_engine(url), postgres_dialect())
    else:
        raise StoreError(
            f"unknown store URL {url!r}: use sqlite:///PATH or postgresql://HOST/DB"
        )
    if migrate_schema:
        migrate(store.engine)
    return store


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None: not created yet)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return None if row is None else str(row[0])


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest revision (a no-op when already there).

    Alembic is imported only when there is work to do: it costs a third of a
    second of start-up.

    Raises:
        StoreError: the database cannot be reached or the upgrade failed.
    """
    try:
        if current_revision(engine) == HEAD:
            return
    except SQLAlchemyError as exc:
        first = str(exc).splitlines()[0]
        raise StoreError(f"cannot reach {engine.url!r}: {first}") from exc
    from alembic import command

    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except SQLAlchemyError as exc:
        first = str(exc).splitlines()[0]
        raise StoreError(f"cannot migrate {engine.url!r}: {first}") from exc
