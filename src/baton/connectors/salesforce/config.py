"""Salesforce in ``baton.yaml``: settings, limiter account, the source, the writer.

Example (the secret comes from ``BATON_CONNECTORS__CRM__CLIENT_SECRET``)::

    connectors:
      crm: {kind: salesforce, url: "https://acme.my.salesforce.com",
            client_id: "3MVG9…", currency: EUR, legal_entity_id: LE-DE}

``url`` is the org's My Domain URL, where the client-credentials grant is
answered [kb: login.salesforce.com refuses that grant]; the token answer's
``instance_url`` is then the API host. With ``refresh_token`` (from
``BATON_CONNECTORS__CRM__REFRESH_TOKEN``) the refresh-token grant is used.

Only a source is built for the catalogue. The writes
(:class:`~baton.connectors.salesforce.writes.SalesforceWriter`: the project
code onto won opportunities, customers as accounts) do not fit the
``Target`` protocol, whose outbox carries time entries; workflows build
them with :func:`writer`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr

from baton.config import ConnectorSettings
from baton.connectors.salesforce.client import API_VERSION, LOGIN_URL, SalesforceClient
from baton.connectors.salesforce.connector import SalesforceSource
from baton.connectors.salesforce.values import SalesforceOrg
from baton.connectors.salesforce.writes import (
    ACCOUNT_EXTERNAL_ID,
    PROJECT_CODE_FIELD,
    SalesforceWriter,
)
from baton.engine.limiter import RateLimit

if TYPE_CHECKING:
    from baton.engine.limiter import AccountLimiter

__all__ = ["Settings", "account", "limit", "source", "writer"]

# Salesforce has no per-second window: the daily allocation is followed
# through ``Sforce-Limit-Info`` (the client pauses the limiter near it), and
# at most 25 long-running requests may run at once in a production org.
# The window below never binds; the concurrency does.
DEFAULT_LIMIT = RateLimit(requests=1000, per_seconds=1.0, concurrency=25)
_FIELD = r"^[A-Za-z][A-Za-z0-9_]*$"


class Settings(ConnectorSettings):
    """One Salesforce org reached through a connected app."""

    kind: Literal["salesforce"] = "salesforce"
    client_id: str
    client_secret: SecretStr
    refresh_token: SecretStr | None = None
    api_version: str = Field(API_VERSION, pattern=r"^v\d+\.0$")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    legal_entity_id: str
    multi_currency: bool = False
    call_client: str = "baton"
    project_code_field: str = Field(PROJECT_CODE_FIELD, pattern=_FIELD)
    account_external_id_field: str = Field(ACCOUNT_EXTERNAL_ID, pattern=_FIELD)
    batch_size: int = Field(100, gt=0, le=1000)
    # change events over the Pub/Sub API (gRPC) when the org id is given;
    # without it, opportunity_changes reads the JSON change feed
    org_id: str | None = Field(None, pattern=r"^00D[0-9A-Za-z]{12,15}$")
    pubsub_url: str = "api.pubsub.salesforce.com:7443"
    pubsub_tls: bool = True


def account(settings: Settings) -> str:
    """Salesforce limits each org: one limiter per org host."""
    return f"salesforce:{(settings.url or LOGIN_URL).split('/')[2].lower()}"


def limit(settings: Settings) -> RateLimit:
    """The configured limit, else 25 requests at once (see :data:`DEFAULT_LIMIT`)."""
    return settings.limit_or(DEFAULT_LIMIT)


def _client(settings: Settings, limiter: AccountLimiter) -> SalesforceClient:
    refresh = settings.refresh_token
    return SalesforceClient(
        settings.client_id,
        settings.client_secret.get_secret_value(),
        login_url=settings.url or LOGIN_URL,
        api_version=settings.api_version,
        limiter=limiter,
        timeout=settings.timeout_seconds,
        call_client=settings.call_client,
        refresh_token=None if refresh is None else refresh.get_secret_value(),
    )


def source(
    settings: Settings, *, name: str, limiter: AccountLimiter
) -> SalesforceSource:
    """Accounts, opportunities, line items, contracts and opportunity changes."""
    org = SalesforceOrg(
        currency=settings.currency,
        legal_entity_id=settings.legal_entity_id,
        multi_currency=settings.multi_currency,
    )
    client = _client(settings, limiter)
    pubsub = None
    if settings.org_id is not None:
        from baton.connectors.salesforce.pubsub import PubSubSubscriber

        pubsub = PubSubSubscriber(
            client.tokens,
            tenant_id=settings.org_id,
            target=settings.pubsub_url,
            secure=settings.pubsub_tls,
            timeout=settings.timeout_seconds,
            limiter=limiter,
        )
    return SalesforceSource(
        client, org, name=name, batch_size=settings.batch_size, pubsub=pubsub
    )


def writer(
    settings: Settings, *, name: str, limiter: AccountLimiter
) -> SalesforceWriter:
    """Account upserts and project codes on opportunities (for the CRM workflows)."""
    del name  # a writer is not named in the outbox (not a catalogue target)
    return SalesforceWriter(
        _client(settings, limiter),
        account_external_id_field=settings.account_external_id_field,
        project_code_field=settings.project_code_field,
    )
