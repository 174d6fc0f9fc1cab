"""Xero in ``baton.yaml``: settings, limiter account, the target.

Example (the secret comes from ``BATON_CONNECTORS__ERP__CLIENT_SECRET``)::

    connectors:
      erp: {kind: xero, tenant_id: "…", client_id: "…", tz: Europe/London}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import SecretStr

from baton.config import ConnectorSettings
from baton.connectors.xero.client import TOKEN_URL
from baton.connectors.xero.connector import XeroTarget
from baton.engine.limiter import RateLimit

if TYPE_CHECKING:
    from baton.engine.limiter import AccountLimiter

__all__ = ["Settings", "account", "limit", "target"]

BASE_URL = "https://api.xero.com"
# 60 calls a minute and 5 at once per tenant, the window stretched 5 %
DEFAULT_LIMIT = RateLimit(requests=60, per_seconds=63.0, concurrency=5)


class Settings(ConnectorSettings):
    """One Xero organisation reached through a custom connection."""

    kind: Literal["xero"] = "xero"
    tenant_id: str
    client_id: str
    client_secret: SecretStr
    token_url: str = TOKEN_URL
    tz: str = "UTC"


def account(settings: Settings) -> str:
    """Xero limits each tenant: one limiter per tenant id."""
    return f"xero:{settings.tenant_id}"


def limit(settings: Settings) -> RateLimit:
    """The configured limit, else Xero's published one a little under."""
    return settings.limit_or(DEFAULT_LIMIT)


def target(settings: Settings, *, name: str, limiter: AccountLimiter) -> XeroTarget:
    """The approved-time target posting Projects time entries."""
    return XeroTarget(
        settings.url or BASE_URL,
        settings.tenant_id,
        client_id=settings.client_id,
        client_secret=settings.client_secret.get_secret_value(),
        tz=settings.tz,
        name=name,
        limiter=limiter,
        token_url=settings.token_url,
        timeout=settings.timeout_seconds,
    )
