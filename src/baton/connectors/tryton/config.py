"""Tryton in ``baton.yaml``: settings, limiter account, the target and the source.

Example (the password comes from ``BATON_CONNECTORS__ERP__PASSWORD``)::

    connectors:
      erp: {kind: tryton, url: "https://tryton.example.com", database: prod,
            username: baton}

The target posts approved time as ``timesheet.line`` records: employees come
from Baton's reference data (each worker's ``erp_employee_id`` is the Tryton
``company.employee`` id) and each project code is resolved on apply to the
``project.work`` whose number or name it is. The company is the user's
current company (its preferences); nothing else needs configuring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr

from baton.config import ConnectorSettings
from baton.connectors.tryton.client import TrytonClient
from baton.connectors.tryton.connector import TrytonTarget
from baton.connectors.tryton.source import TrytonSource

if TYPE_CHECKING:
    from baton.engine.limiter import AccountLimiter, RateLimit

__all__ = ["Settings", "account", "limit", "source", "target"]


class Settings(ConnectorSettings):
    """One Tryton database reached over JSON-RPC with a user's login.

    Attributes:
        url: the server root (no database; Tryton has no hosted default).
        database: the database name (the first segment of RPC paths).
        username: the connector user's login; password: its password.
        language: the session's language (Tryton's messages come in it).
        page_size: rows per page when reading.
        pay_code: the pay code of time entries read (Tryton records none).
    """

    kind: Literal["tryton"] = "tryton"
    url: str = Field(pattern=r"^https?://[^/]+")
    database: str = Field(min_length=1)
    username: str = Field(min_length=1)
    password: SecretStr
    language: str = "en"
    page_size: int = Field(200, gt=0)
    pay_code: str = Field("REG", min_length=1)


def account(settings: Settings) -> str:
    """One limiter per database of a server."""
    return f"tryton:{settings.url.rstrip('/')}/{settings.database}"


def limit(settings: Settings) -> RateLimit | None:
    """Only a configured limit: Tryton publishes none (a self-hosted server)."""
    return settings.limit_or(None)


def _client(settings: Settings, limiter: AccountLimiter | None) -> TrytonClient:
    return TrytonClient(
        settings.url,
        settings.database,
        settings.username,
        settings.password.get_secret_value(),
        language=settings.language,
        timeout=settings.timeout_seconds,
        limiter=limiter,
    )


def target(settings: Settings, *, name: str, limiter: AccountLimiter) -> TrytonTarget:
    """The approved-time target (the dispatcher takes the limiter's slots for it)."""
    del limiter  # not self-limited: the dispatcher holds the slot per delivery
    return TrytonTarget(
        name=name, account=account(settings), client=_client(settings, None)
    )


def source(settings: Settings, *, name: str, limiter: AccountLimiter) -> TrytonSource:
    """The source; its client takes the account limiter's slot per call."""
    return TrytonSource(
        _client(settings, limiter),
        name=name,
        page_size=settings.page_size,
        pay_code=settings.pay_code,
    )
