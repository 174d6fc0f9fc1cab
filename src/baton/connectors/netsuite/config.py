"""NetSuite in ``baton.yaml``: settings, limiter account, the target and the source.

Example, machine-to-machine (the key comes from
``BATON_CONNECTORS__ERP__PRIVATE_KEY``, a PEM)::

    connectors:
      erp: {kind: netsuite, account_id: "1234567", client_id: "…",
            certificate_id: "…", currency: USD, legal_entity_id: le-us}

or with a client secret (``BATON_CONNECTORS__ERP__CLIENT_SECRET``: the
sandbox and legacy integrations). Exactly one of the two is accepted.

The API root is ``https://<account>.suitetalk.api.netsuite.com``, the
account id lower-cased with ``_`` as ``-`` (``1234567_SB1`` →
``1234567-sb1``); ``url`` overrides it (a sandbox).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, model_validator

from baton.config import ConnectorSettings
from baton.connectors.netsuite.auth import M2MKey
from baton.connectors.netsuite.client import DEFAULT_LIMIT, NetSuiteClient
from baton.connectors.netsuite.connector import NetSuiteTarget
from baton.connectors.netsuite.entities import NetSuiteAccount
from baton.connectors.netsuite.source import NetSuiteSource
from baton.model.common import CurrencyCode, ProjectStatus

if TYPE_CHECKING:
    from baton.engine.limiter import AccountLimiter, RateLimit

__all__ = ["Settings", "account", "base_url", "limit", "source", "target"]

Algorithm = Literal["PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
Scope = Literal["restlets", "rest_webservices", "suite_analytics"]


class Settings(ConnectorSettings):
    """One NetSuite account reached through one integration record.

    Attributes:
        account_id: the account id (``1234567`` or ``1234567_SB1``).
        client_id: the integration's client id (consumer key).
        client_secret: the integration's secret (sandbox, legacy).
        certificate_id: the M2M mapping's certificate id (the JWT ``kid``).
        private_key: the certificate's private key, PEM (M2M).
        algorithm: JWT signing algorithm matching the key (PS*: RSA, ES*: EC).
        scopes: the JWT scopes; REST records and SuiteQL need ``rest_webservices``.
        token_url: the token endpoint; None: the API root's.
        currency, legal_entity_id, subsidiaries, currencies, job_statuses:
            the source's defaults and id tables (:class:`NetSuiteAccount`).
        page_size: SuiteQL rows per page.
    """

    kind: Literal["netsuite"] = "netsuite"
    account_id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    client_id: str = Field(min_length=1)
    client_secret: SecretStr | None = None
    certificate_id: str | None = None
    private_key: SecretStr | None = None
    algorithm: Algorithm = "PS256"
    scopes: tuple[Scope, ...] = ("rest_webservices",)
    token_url: str | None = Field(None, pattern=r"^https?://[^/]+")
    currency: CurrencyCode = "USD"
    legal_entity_id: str = "unknown-legal-entity"
    subsidiaries: dict[str, str] = Field(default_factory=dict)
    currencies: dict[str, str] = Field(default_factory=dict)
    job_statuses: dict[str, ProjectStatus] = Field(default_factory=dict)
    page_size: int = Field(1000, ge=1, le=1000)

    @model_validator(mode="after")
    def _one_way_to_authenticate(self) -> Settings:
        m2m = (self.certificate_id, self.private_key)
        if self.client_secret is not None and any(v is not None for v in m2m):
            raise ValueError(
                "give either client_secret or certificate_id + private_key (M2M), "
                "not both"
            )
        if self.client_secret is None and None in m2m:
            raise ValueError(
                "M2M needs certificate_id and private_key "
                "(or give client_secret for the sandbox)"
            )
        m2m_key(self)  # the key must match the algorithm
        return self


def m2m_key(settings: Settings) -> M2MKey | None:
    """The M2M signing key, or None with a client secret.

    Raises:
        ValueError: the key is unreadable or does not fit the algorithm.
    """
    if settings.certificate_id is None or settings.private_key is None:
        return None
    return M2MKey(
        settings.certificate_id,
        settings.private_key.get_secret_value(),
        algorithm=settings.algorithm,
        scopes=tuple(settings.scopes),
    )


def base_url(settings: Settings) -> str:
    """The configured URL, else the account's SuiteTalk REST root."""
    host = settings.account_id.lower().replace("_", "-")
    return settings.url or f"https://{host}.suitetalk.api.netsuite.com"


def account(settings: Settings) -> str:
    """NetSuite limits concurrency per account: one limiter per account id."""
    return f"netsuite:{settings.account_id}"


def limit(settings: Settings) -> RateLimit:
    """The configured limit, else the base account concurrency (5 in flight)."""
    return settings.limit_or(DEFAULT_LIMIT)


def _client(settings: Settings, limiter: AccountLimiter) -> NetSuiteClient:
    secret = settings.client_secret
    return NetSuiteClient(
        base_url(settings),
        client_id=settings.client_id,
        client_secret=None if secret is None else secret.get_secret_value(),
        m2m=m2m_key(settings),
        limiter=limiter,
        token_url=settings.token_url,
        timeout=settings.timeout_seconds,
    )


def target(settings: Settings, *, name: str, limiter: AccountLimiter) -> NetSuiteTarget:
    """The approved-time target posting ``timeBill`` records."""
    return NetSuiteTarget(
        _client(settings, limiter), account=account(settings), name=name
    )


def source(settings: Settings, *, name: str, limiter: AccountLimiter) -> NetSuiteSource:
    """The SuiteQL source of customers, jobs and employees."""
    defaults = NetSuiteAccount(
        currency=settings.currency,
        legal_entity_id=settings.legal_entity_id,
        subsidiaries=dict(settings.subsidiaries),
        currencies=dict(settings.currencies),
        job_statuses=dict(settings.job_statuses),
    )
    return NetSuiteSource(
        _client(settings, limiter), defaults, name=name, page_size=settings.page_size
    )
