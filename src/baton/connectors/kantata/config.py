"""Kantata OX in ``baton.yaml``: settings, limiter account, limit, the source.

Kantata authenticates every call with an OAuth 2 bearer token. Give either
a token (``BATON_CONNECTORS__PSA__TOKEN``: an access token obtained through
Kantata's authorization-code app workflow) or an OAuth client
(``client_id``, ``BATON_CONNECTORS__PSA__CLIENT_SECRET`` and, for the
refresh-token grant, ``BATON_CONNECTORS__PSA__REFRESH_TOKEN``; credentials
sent in the form body, as Kantata's token endpoint expects [kb])::

    connectors:
      psa: {kind: kantata, account_id: "12345"}

There is no canonical command a Kantata *target* would carry yet (the only
command is ``PostTimeEntry``, an ERP's), so this kind builds a source;
project and staffing writes are :class:`~.writes.KantataWrites` on the same
client (:func:`client`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import Field, SecretStr, model_validator

from baton.config import ConnectorSettings
from baton.connectors.http import OAuth2ClientCredentials, StaticToken, TokenSource
from baton.engine.limiter import RateLimit

from .client import KantataClient
from .connector import KantataSource
from .mapping import KantataContext
from .writes import KantataWrites

if TYPE_CHECKING:
    from baton.engine.limiter import AccountLimiter

__all__ = ["Settings", "account", "client", "limit", "source", "writer"]

BASE_URL = "https://api.mavenlink.com"
TOKEN_URL = "https://app.mavenlink.com/oauth/token"  # noqa: S105 - a URL
# Kantata publishes no number (its docs only say some endpoints have their own
# limit): one request a second and four in flight stays well clear of any
# plausible limit, and a 429's Retry-After still pauses the account.
DEFAULT_LIMIT = RateLimit(requests=60, per_seconds=60.0, concurrency=4)


class Settings(ConnectorSettings):
    """One Kantata OX account reached with a token or an OAuth client."""

    kind: Literal["kantata"] = "kantata"
    account_id: str | None = None
    token: SecretStr | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    refresh_token: SecretStr | None = None
    token_url: str = TOKEN_URL
    # what Kantata records do not carry (until master data cross-references
    # them): workspace id → Baton project code, user id → Baton worker id,
    # and the defaults of the mapping context
    project_codes: dict[str, str] = Field(default_factory=dict)
    workers: dict[str, str] = Field(default_factory=dict)
    pay_code: str = "REG"
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    legal_entity_id: str = "unknown-legal-entity"
    cost_center_id: str = "unknown-cost-center"

    @model_validator(mode="after")
    def _one_way_in(self) -> Settings:
        oauth = self.client_id is not None or self.client_secret is not None
        if self.token is not None and oauth:
            raise ValueError("give either token or client_id/client_secret, not both")
        if self.token is None and (
            self.client_id is None or self.client_secret is None
        ):
            raise ValueError("give token, or client_id and client_secret")
        return self


def account(settings: Settings) -> str:
    """One limiter per Kantata account (else per OAuth client, else per host)."""
    host = urlsplit(settings.url or BASE_URL).netloc
    return f"kantata:{settings.account_id or settings.client_id or host}"


def limit(settings: Settings) -> RateLimit:
    """The configured limit, else the conservative default above."""
    return settings.limit_or(DEFAULT_LIMIT)


def client(settings: Settings, *, limiter: AccountLimiter | None) -> KantataClient:
    """The account's client (bearer token or OAuth client, shared limiter)."""
    token_http: httpx.AsyncClient | None = None
    tokens: TokenSource
    if settings.token is not None:
        tokens = StaticToken(settings.token.get_secret_value())
    else:
        assert settings.client_id is not None
        assert settings.client_secret is not None
        token_http = httpx.AsyncClient(timeout=settings.timeout_seconds)
        refresh = settings.refresh_token
        tokens = OAuth2ClientCredentials(
            settings.token_url,
            settings.client_id,
            settings.client_secret.get_secret_value(),
            refresh_token=refresh.get_secret_value() if refresh else None,
            credentials_in_body=True,
            vendor="kantata",
            http=token_http,
        )
    return KantataClient(
        settings.url or BASE_URL,
        tokens=tokens,
        limiter=limiter,
        timeout=settings.timeout_seconds,
        token_http=token_http,
    )


def source(settings: Settings, *, name: str, limiter: AccountLimiter) -> KantataSource:
    """Time entries, users, workspaces, stories, expenses and the change feed."""
    context = KantataContext(
        workers=settings.workers,
        project_codes=settings.project_codes,
        pay_code=settings.pay_code,
        legal_entity_id=settings.legal_entity_id,
        cost_center_id=settings.cost_center_id,
        currency=settings.currency,
    )
    return KantataSource(client(settings, limiter=limiter), context, name=name)


def writer(settings: Settings, *, name: str, limiter: AccountLimiter) -> KantataWrites:
    """Workspaces and staffing (for the project and staffing workflows)."""
    del name  # a writer is not named in the outbox (not a catalogue target)
    return KantataWrites(client(settings, limiter=limiter))
