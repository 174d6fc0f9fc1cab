"""Storage: the tables, the ports the engine uses, and one SQL implementation.

SQLite (the embedded default) and PostgreSQL share one schema
(:mod:`baton.store.schema`) and one SQLAlchemy Core implementation
(:mod:`baton.store.sql`); the dialect differences live in
:mod:`baton.store.sqlite` and :mod:`baton.store.postgres`, chosen by
:func:`baton.store.factory.open_store` from the store URL.
"""
