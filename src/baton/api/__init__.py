"""The hub's HTTP API (``/api/v1``), health and readiness."""
