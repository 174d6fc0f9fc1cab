"""Workday in ``baton.yaml``: settings, limiter account, the source.

Example (secrets from ``BATON_CONNECTORS__HRIS__CLIENT_SECRET``,
``…__REFRESH_TOKEN`` and, for a report read as an ISU, ``…__RAAS_PASSWORD``)::

    connectors:
      hris:
        kind: workday
        url: https://wd2-impl-services1.workday.com
        tenant: acme
        client_id: "…"
        raas_owner: ISU_Baton          # optional: termination dates by RaaS
        raas_report: Baton_Terminations
        raas_prompts: {Start_Date: "2024-01-01"}
        raas_fields: {employee_id: Employee_ID, termination_date: Termination_Date}

The report must expose the columns of
:class:`~baton.connectors.workday.raas.FieldMap` (its aliases configurable).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, model_validator

from baton.config import ConnectorSettings
from baton.connectors.workday.client import WorkdayClient
from baton.connectors.workday.connector import WorkdaySource
from baton.connectors.workday.raas import FieldMap
from baton.connectors.workday.raas_client import RaasClient

if TYPE_CHECKING:
    from baton.engine.limiter import AccountLimiter, RateLimit

__all__ = ["Settings", "account", "limit", "source"]


class Settings(ConnectorSettings):
    """One Workday tenant reached through a registered API client.

    ``url`` is the tenant's host (Workday has no common production URL).
    Without ``refresh_token`` the client-credentials grant is used. With
    ``raas_owner`` and ``raas_report`` the report is read for termination
    dates, with the API client's token, or as an Integration System User
    when ``raas_user`` and ``raas_password`` are given.
    """

    kind: Literal["workday"] = "workday"
    url: str = Field(pattern=r"^https?://[^/]+")
    tenant: str = Field(min_length=1)
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    refresh_token: SecretStr | None = None
    page_size: int = Field(100, ge=1, le=100)
    raas_owner: str | None = None
    raas_report: str | None = None
    raas_prompts: dict[str, str] = Field(default_factory=dict)
    raas_fields: FieldMap = FieldMap()
    raas_user: str | None = None
    raas_password: SecretStr | None = None

    @model_validator(mode="after")
    def _report_complete(self) -> Settings:
        if (self.raas_owner is None) != (self.raas_report is None):
            raise ValueError("raas_owner and raas_report go together")
        if (self.raas_user is None) != (self.raas_password is None):
            raise ValueError("raas_user and raas_password go together")
        return self


def account(settings: Settings) -> str:
    """One limiter per tenant (REST and RaaS share it)."""
    return f"workday:{settings.url.split('/')[2]}:{settings.tenant}"


def limit(settings: Settings) -> RateLimit | None:
    """Only a configured limit: Workday publishes none [kb].

    Workday throttles with a 429 or 503 and ``Retry-After``, which pauses the
    tenant's limiter whether a limit is configured or not.
    """
    return settings.limit_or(None)


def source(settings: Settings, *, name: str, limiter: AccountLimiter) -> WorkdaySource:
    """The workers source, with the RaaS report when one is configured."""
    refresh = settings.refresh_token
    client = WorkdayClient(
        settings.url,
        settings.tenant,
        settings.client_id,
        settings.client_secret.get_secret_value(),
        refresh_token=refresh.get_secret_value() if refresh else None,
        limiter=limiter,
        timeout=settings.timeout_seconds,
    )
    report = None
    if settings.raas_owner and settings.raas_report:
        isu = settings.raas_user, settings.raas_password
        report = RaasClient(
            settings.url,
            settings.tenant,
            settings.raas_owner,
            settings.raas_report,
            tokens=client.tokens,
            basic=(isu[0], isu[1].get_secret_value()) if isu[0] and isu[1] else None,
            prompts=settings.raas_prompts,
            limiter=limiter,
            timeout=settings.timeout_seconds,
        )
    return WorkdaySource(
        client,
        name=name,
        page_size=settings.page_size,
        report=report,
        fields=settings.raas_fields,
    )
