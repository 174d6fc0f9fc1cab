"""Tryton 8.2 over JSON-RPC (no trytond import): a target and a source."""

from baton.connectors.tryton.client import TrytonClient, classify_error
from baton.connectors.tryton.connector import TrytonTarget
from baton.connectors.tryton.source import TrytonSource

__all__ = ["TrytonClient", "TrytonSource", "TrytonTarget", "classify_error"]
