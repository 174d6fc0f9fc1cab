"""Integration tests: the engine end to end, on SQLite and PostgreSQL."""
