"""Tryton 8.2 target: JSON-RPC over HTTP (no trytond import)."""

from baton.connectors.tryton.client import TrytonClient, classify_error

__all__ = ["TrytonClient", "classify_error"]
