"""Alembic migrations for SQLite and PostgreSQL (one history for both)."""
