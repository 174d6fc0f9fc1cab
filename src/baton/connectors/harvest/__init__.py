"""Harvest API v2 (PSA): a source of time entries, users, projects and assignments."""
