"""BambooHR in ``baton.yaml``: settings, limiter account, the source.

Example (the key comes from ``BATON_CONNECTORS__HRIS__API_KEY``)::

    connectors:
      hris: {kind: bamboohr, company: acme}   # acme.bamboohr.com
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr

from baton.config import ConnectorSettings
from baton.connectors.bamboohr.client import BASE_URL, BambooHRClient
from baton.connectors.bamboohr.connector import BambooHRSource
from baton.connectors.bamboohr.mapping import BambooHRAccount

if TYPE_CHECKING:
    from baton.engine.limiter import AccountLimiter, RateLimit

__all__ = ["Settings", "account", "limit", "source"]


class Settings(ConnectorSettings):
    """One BambooHR company reached with an API key.

    Attributes:
        company: the company domain (``acme`` for ``acme.bamboohr.com``).
        api_key: the API key (sent as the Basic user name).
        page_size: employees per page of the ``workers`` stream.
        cost_centers: canonical cost centre by ``"<division>/<department>"``
            or ``"<department>"``.
    """

    kind: Literal["bamboohr"] = "bamboohr"
    company: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$")
    api_key: SecretStr
    page_size: int = Field(100, ge=1)
    cost_centers: dict[str, str] = Field(default_factory=dict)


def account(settings: Settings) -> str:
    """One limiter per company (every key of a company shares its throttling)."""
    return f"bamboohr:{settings.company}"


def limit(settings: Settings) -> RateLimit | None:
    """Only a configured limit: BambooHR publishes none [kb].

    It throttles with a 503 and ``Retry-After``, which pauses the company's
    limiter whether a limit is configured or not.
    """
    return settings.limit_or(None)


def source(settings: Settings, *, name: str, limiter: AccountLimiter) -> BambooHRSource:
    """The ``workers`` source."""
    client = BambooHRClient(
        settings.company,
        settings.api_key.get_secret_value(),
        base_url=settings.url or BASE_URL,
        limiter=limiter,
        timeout=settings.timeout_seconds,
    )
    return BambooHRSource(
        client,
        BambooHRAccount(cost_centers=dict(settings.cost_centers)),
        name=name,
        page_size=settings.page_size,
    )
