"""Tryton 8.2 target: JSON-RPC over HTTP (no trytond import)."""

from baton.connectors.tryton.client import TrytonClient, classify_error
from baton.connectors.tryton.connector import TrytonTarget

__all__ = ["TrytonClient", "TrytonTarget", "classify_error"]
