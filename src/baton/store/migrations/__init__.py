"""Alembic migrations for SQLite and PostgreSQL (one history for both).

``HEAD`` names the newest revision so that start-up can skip importing
Alembic when the schema is current; a test keeps it equal to Alembic's head.
"""

HEAD = "0002"
