"""Harvest in ``baton.yaml``: settings, limiter account, the source.

Either a personal access token (``BATON_CONNECTORS__PSA__TOKEN``)::

    connectors:
      psa: {kind: harvest, account_id: "123456", user_agent: "Baton (ops@example.com)"}

or an OAuth2 application and a user's refresh token
(``BATON_CONNECTORS__PSA__CLIENT_ID``, ``…__CLIENT_SECRET``,
``…__REFRESH_TOKEN``), never both.

``url`` is the API root including ``/v2`` (tests: the sandbox's);
``token_url`` is Harvest ID's token endpoint. Harvest records no legal
entity or cost centre; they default to the provisional
``harvest:account:<account_id>`` until master data maps them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, model_validator

from baton.config import ConnectorSettings
from baton.connectors.harvest.client import (
    DEFAULT_LIMIT,
    TOKEN_URL,
    HarvestClient,
    HarvestOAuth,
)
from baton.connectors.harvest.connector import HarvestSource
from baton.connectors.harvest.mapping import HarvestAccount
from baton.connectors.harvest.writes import HarvestWriter

if TYPE_CHECKING:
    from baton.engine.limiter import AccountLimiter, RateLimit

__all__ = ["Settings", "account", "client", "limit", "source", "writer"]

BASE_URL = "https://api.harvestapp.com/v2"
_OAUTH = ("client_id", "client_secret", "refresh_token")


class Settings(ConnectorSettings):
    """One Harvest account, reached with a personal access token or OAuth2."""

    kind: Literal["harvest"] = "harvest"
    account_id: str = Field(min_length=1)
    token: SecretStr | None = None
    client_id: SecretStr | None = None
    client_secret: SecretStr | None = None
    refresh_token: SecretStr | None = None
    token_url: str = TOKEN_URL
    user_agent: str = "Baton integration hub"
    currency: str = "USD"
    legal_entity_id: str | None = None
    cost_center_id: str | None = None
    pay_code: str = "REG"
    per_page: int = Field(2000, ge=1, le=2000)

    @model_validator(mode="after")
    def _one_way_in(self) -> Settings:
        oauth = [getattr(self, f) is not None for f in _OAUTH]
        if self.token is not None and any(oauth):
            raise ValueError(
                "give either token (a personal access token) or client_id, "
                "client_secret and refresh_token (OAuth2), not both"
            )
        if self.token is None and not all(oauth):
            missing = ", ".join(
                f for f, given in zip(_OAUTH, oauth, strict=True) if not given
            )
            raise ValueError(
                "give token (a personal access token) or all of client_id, "
                f"client_secret and refresh_token (OAuth2); missing: {missing}"
            )
        return self


def account(settings: Settings) -> str:
    """Harvest limits each token on an account: one limiter per account id."""
    return f"harvest:{settings.account_id}"


def limit(settings: Settings) -> RateLimit:
    """The configured limit, else Harvest's published one a little under."""
    return settings.limit_or(DEFAULT_LIMIT)


def client(settings: Settings, *, limiter: AccountLimiter | None) -> HarvestClient:
    """The account's client, authenticated the way the settings say."""
    oauth = None
    if settings.token is None:
        assert settings.client_id is not None
        assert settings.client_secret is not None
        assert settings.refresh_token is not None
        oauth = HarvestOAuth(
            settings.client_id.get_secret_value(),
            settings.client_secret.get_secret_value(),
            settings.refresh_token.get_secret_value(),
            token_url=settings.token_url,
        )
    return HarvestClient(
        None if settings.token is None else settings.token.get_secret_value(),
        settings.account_id,
        oauth=oauth,
        user_agent=settings.user_agent,
        base_url=settings.url or BASE_URL,
        limiter=limiter,
        timeout=settings.timeout_seconds,
    )


def source(settings: Settings, *, name: str, limiter: AccountLimiter) -> HarvestSource:
    """Time entries, users, projects and assignments as incremental streams."""
    default = f"harvest:account:{settings.account_id}"
    harvest_account = HarvestAccount(
        currency=settings.currency,
        legal_entity_id=settings.legal_entity_id or default,
        cost_center_id=settings.cost_center_id or default,
        pay_code=settings.pay_code,
    )
    return HarvestSource(
        client(settings, limiter=limiter),
        harvest_account,
        name=name,
        per_page=settings.per_page,
    )


def writer(settings: Settings, *, name: str, limiter: AccountLimiter) -> HarvestWriter:
    """Projects and user assignments (for the project and staffing workflows)."""
    return HarvestWriter(client(settings, limiter=limiter), name=name)
