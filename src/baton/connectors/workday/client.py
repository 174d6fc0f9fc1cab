"""Workday REST (staffing v6, person v4) over :class:`~baton.connectors.http.VendorHttp`.

Base paths [kb]: ``{host}/ccx/api/staffing/v6/{tenant}`` and
``{host}/ccx/api/person/v4/{tenant}`` (the specs abstract them as
``https://<tenantHostname>/staffing/v6``).

Auth [kb]: OAuth 2.0 against ``{host}/ccx/oauth2/{tenant}/token`` with the
API client's id and secret as HTTP Basic, either the refresh-token grant
(an API client for integrations, the usual set-up) or client credentials.
Tokens are cached until 30 s before ``expires_in``; a 401 fetches a new one
once (``VendorHttp``), a refused token request is ``Fatal``.

Errors [spec]: ``{"error": "...", "errors": [{"error", "code", "field"}]}``
(``VALIDATION_ERROR_MODEL_REFERENCE``); the message is ``error`` followed by
each detail. Paging [spec]: ``limit`` (≤ 100) and ``offset``, answers
``{"total", "data"}``. Limits [kb]: none published; throttling is a 429 or
503 with ``Retry-After``, which pauses the account's shared limiter; both
raise ``RateLimited`` (a 503 without ``Retry-After`` stays ``Retriable``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from baton.connectors.http import (
    OAuth2ClientCredentials,
    VendorHttp,
    default_message,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from baton.engine.limiter import AccountLimiter

__all__ = [
    "MAX_LIMIT",
    "THROTTLED",
    "WorkdayClient",
    "WorkdayTokens",
    "token_path",
    "workday_message",
]

MAX_LIMIT = 100
# Workday throttles with a 503 and Retry-After as well as a 429 [kb]
THROTTLED = frozenset({503})
_MAX_MESSAGE = 300


def token_path(tenant: str) -> str:
    """``/ccx/oauth2/{tenant}/token``."""
    return f"/ccx/oauth2/{tenant}/token"


def workday_message(resp: httpx.Response) -> str:
    """``HTTP <status>: <error>[; <errors[].error> (<field>)…]``."""
    try:
        doc: Any = resp.json()
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or not isinstance(doc.get("error"), str):
        return default_message(resp)
    parts = [doc["error"]]
    for item in doc.get("errors") or ():
        if isinstance(item, dict) and item.get("error"):
            field = f" ({item['field']})" if item.get("field") else ""
            parts.append(f"{item['error']}{field}")
    return f"HTTP {resp.status_code}: {'; '.join(parts)[:_MAX_MESSAGE]}"


class WorkdayTokens(OAuth2ClientCredentials):
    """OAuth 2.0 tokens from the tenant's token endpoint: the refresh-token
    grant when a refresh token is given, else client credentials (the SDK's
    :class:`~baton.connectors.http.OAuth2ClientCredentials`, Basic auth)."""

    def __init__(
        self,
        url: str,
        client_id: str,
        client_secret: str,
        *,
        refresh_token: str | None = None,
        http: httpx.AsyncClient,
    ) -> None:
        super().__init__(
            url,
            client_id,
            client_secret,
            refresh_token=refresh_token,
            vendor="workday",
            http=http,
        )


class WorkdayClient:
    """One Workday tenant's REST access.

    Args:
        base_url: the tenant host (``https://wd2-impl-services1.workday.com``).
        tenant: the tenant name in the paths.
        client_id, client_secret, refresh_token: as :class:`WorkdayTokens`.
        limiter: the account's shared limiter.
        transport, timeout: as :class:`~baton.connectors.http.VendorHttp`.
    """

    def __init__(
        self,
        base_url: str,
        tenant: str,
        client_id: str,
        client_secret: str,
        *,
        refresh_token: str | None = None,
        limiter: AccountLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        base = base_url.rstrip("/")
        self.tenant = tenant
        self._auth_http = httpx.AsyncClient(transport=transport, timeout=timeout)
        self.tokens = WorkdayTokens(
            base + token_path(tenant),
            client_id,
            client_secret,
            refresh_token=refresh_token,
            http=self._auth_http,
        )
        self.http = VendorHttp(
            base + "/ccx/api",
            "workday",
            tokens=self.tokens,
            limiter=limiter,
            headers={"Accept": "application/json"},
            message=workday_message,
            throttle_statuses=THROTTLED,
            transport=transport,
            timeout=timeout,
        )

    async def get(
        self, path: str, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """GET ``path`` under ``/ccx/api``; the JSON object.

        Raises:
            baton.engine.errors.DeliveryError: as ``VendorHttp``; a 503 with
                ``Retry-After`` as ``RateLimited``.
        """
        doc: dict[str, Any] = (
            await self.http.request("GET", path, params=params)
        ).json()
        return doc

    def staffing(self, path: str) -> str:
        """``/staffing/v6/{tenant}{path}``."""
        return f"/staffing/v6/{self.tenant}{path}"

    async def health(self) -> None:
        """One authenticated read: ``GET /workers?limit=1``."""
        await self.get(self.staffing("/workers"), {"limit": 1})

    async def workers(
        self, offset: int, limit: int = MAX_LIMIT
    ) -> tuple[int, list[dict[str, Any]]]:
        """One page of ``GET /workers``: ``(total, data)``."""
        limit = max(1, min(limit, MAX_LIMIT))
        doc = await self.get(
            self.staffing("/workers"), {"limit": limit, "offset": offset}
        )
        return int(doc.get("total") or 0), list(doc.get("data") or [])

    async def service_dates(self, wid: str) -> dict[str, Any] | None:
        """The first of ``GET /workers/{ID}/serviceDates`` (None: none)."""
        data = (await self.get(self.staffing(f"/workers/{wid}/serviceDates"))).get(
            "data"
        )
        return dict(data[0]) if data else None

    async def organization(self, org_id: str) -> dict[str, Any]:
        """``GET /supervisoryOrganizations/{ID}``."""
        return await self.get(self.staffing(f"/supervisoryOrganizations/{org_id}"))

    async def legal_name(self, person_id: str) -> dict[str, Any] | None:
        """The first of person v4 ``GET /people/{ID}/legalName`` (None: none)."""
        path = f"/person/v4/{self.tenant}/people/{person_id}/legalName"
        data = (await self.get(path)).get("data")
        return dict(data[0]) if data else None

    async def close(self) -> None:
        """Close the connection pools."""
        await self.http.close()
        await self._auth_http.aclose()
