"""The generic REST target in ``baton.yaml`` (the top-level ``erp:`` is a shortcut).

Example::

    connectors:
      erp: {kind: generic_rest, url: "https://erp.example.com/api/time-entries"}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from baton.config import ConnectorSettings
from baton.connectors.generic_rest.connector import GenericRestTarget

if TYPE_CHECKING:
    from baton.engine.limiter import AccountLimiter, RateLimit

__all__ = ["Settings", "account", "limit", "target"]


class Settings(ConnectorSettings):
    """One collection URL; the ERP's limit, if it has one, is configured."""

    kind: Literal["generic_rest"] = "generic_rest"
    url: str = Field(pattern=r"^https?://[^/]+")
    max_connections: int = Field(100, gt=0)


def account(settings: Settings) -> str:
    """One limiter per host."""
    return settings.url.split("/")[2]


def limit(settings: Settings) -> RateLimit | None:
    """Only a configured limit: a generic endpoint publishes none."""
    return settings.limit_or(None)


def target(
    settings: Settings, *, name: str, limiter: AccountLimiter
) -> GenericRestTarget:
    """The target (the dispatcher takes the limiter's slots for it)."""
    del limiter  # not self-limited: the dispatcher holds the slot per delivery
    return GenericRestTarget(
        settings.url,
        name=name,
        account=account(settings),
        timeout=settings.timeout_seconds,
        max_connections=settings.max_connections,
    )
