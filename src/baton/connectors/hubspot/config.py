"""HubSpot in ``baton.yaml``: settings, limiter account, the source and writer.

A private app's token (``BATON_CONNECTORS__CRM__TOKEN``) or an OAuth app's
client id with its secret and the portal's refresh token
(``…__CLIENT_SECRET``, ``…__REFRESH_TOKEN``)::

    connectors:
      crm: {kind: hubspot, portal_id: "62515", currency: EUR, time_zone: Europe/Berlin}

Limits are per portal: a private app's burst window is 100 requests per
10 s on Free/Starter, 190 on Professional/Enterprise (250 with the API
add-on); a public OAuth app gets 110 per 10 s per installing portal [docs:
HubSpot changelog; tiers kb]. The default is the lowest tier's, the window
stretched 5 %; configure ``rate_limit`` on higher tiers. HubSpot publishes
no concurrency limit; 10 in flight is Baton's choice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import httpx
from pydantic import Field, SecretStr, model_validator

from baton.config import ConnectorSettings
from baton.connectors.http import StaticToken, TokenSource
from baton.connectors.hubspot.client import TOKEN_URL, HubSpotClient, HubSpotOAuth
from baton.connectors.hubspot.connector import HubSpotSource
from baton.connectors.hubspot.mapping import HubSpotPortal
from baton.connectors.hubspot.write_mapping import ID_PROPERTY
from baton.connectors.hubspot.writes import PROJECT_CODE_PROPERTY, HubSpotWriter
from baton.engine.limiter import RateLimit

if TYPE_CHECKING:
    from baton.engine.limiter import AccountLimiter

__all__ = ["Settings", "account", "limit", "source", "writer"]

BASE_URL = "https://api.hubapi.com"
PRIVATE_APP_LIMIT = RateLimit(requests=100, per_seconds=10.5, concurrency=10)
OAUTH_APP_LIMIT = RateLimit(requests=110, per_seconds=10.5, concurrency=10)


class Settings(ConnectorSettings):
    """One HubSpot portal, reached with a private-app token or an OAuth app."""

    kind: Literal["hubspot"] = "hubspot"
    portal_id: str = Field(pattern=r"^\d+$")
    token: SecretStr | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    refresh_token: SecretStr | None = None
    token_url: str | None = None
    id_property: str = Field(ID_PROPERTY, min_length=1)
    project_code_property: str = Field(PROJECT_CODE_PROPERTY, min_length=1)
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    time_zone: str = "UTC"
    page_size: int = Field(100, ge=1, le=100)

    @model_validator(mode="after")
    def _one_way_in(self) -> Settings:
        oauth = (self.client_id, self.client_secret, self.refresh_token)
        if self.token is None and None in oauth:
            raise ValueError(
                "give token (private app) or client_id, client_secret and refresh_token"
            )
        if self.token is not None and any(v is not None for v in oauth):
            raise ValueError("give token or the OAuth fields, not both")
        return self


def account(settings: Settings) -> str:
    """Private apps share the portal's limit; an OAuth app has its own per portal."""
    if settings.token is not None:
        return f"hubspot:{settings.portal_id}"
    return f"hubspot:{settings.portal_id}:app:{settings.client_id}"


def limit(settings: Settings) -> RateLimit:
    """The configured limit, else HubSpot's published one a little under."""
    default = PRIVATE_APP_LIMIT if settings.token is not None else OAUTH_APP_LIMIT
    return settings.limit_or(default)


def client(settings: Settings, limiter: AccountLimiter | None) -> HubSpotClient:
    """The portal's client (it owns its token endpoint's client)."""
    base = (settings.url or BASE_URL).rstrip("/")
    token_http: httpx.AsyncClient | None = None
    tokens: TokenSource
    if settings.token is not None:
        tokens = StaticToken(settings.token.get_secret_value())
    else:
        assert settings.client_id is not None
        assert settings.client_secret is not None
        assert settings.refresh_token is not None
        token_http = httpx.AsyncClient(timeout=settings.timeout_seconds)
        default_url = TOKEN_URL if settings.url is None else f"{base}/oauth/v1/token"
        tokens = HubSpotOAuth(
            settings.token_url or default_url,
            settings.client_id,
            settings.client_secret.get_secret_value(),
            settings.refresh_token.get_secret_value(),
            http=token_http,
        )
    return HubSpotClient(
        base,
        tokens,
        limiter=limiter,
        timeout=settings.timeout_seconds,
        token_http=token_http,
    )


def source(settings: Settings, *, name: str, limiter: AccountLimiter) -> HubSpotSource:
    """Companies, deals and line items as canonical records."""
    portal = HubSpotPortal(currency=settings.currency, time_zone=settings.time_zone)
    return HubSpotSource(
        client(settings, limiter), portal, name=name, page_size=settings.page_size
    )


def writer(settings: Settings, *, name: str, limiter: AccountLimiter) -> HubSpotWriter:
    """Company upserts and project codes on deals (for the CRM workflows)."""
    del name  # a writer is not named in the outbox (not a catalogue target)
    return HubSpotWriter(
        client(settings, limiter),
        id_property=settings.id_property,
        project_code_property=settings.project_code_property,
    )
