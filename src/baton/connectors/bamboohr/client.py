"""BambooHR API v1 over :class:`~baton.connectors.http.VendorHttp`.

Auth [kb]: the API key is the HTTP Basic **username**, the password is
ignored (conventionally ``x``). It goes in a fixed ``Authorization`` header
(no :class:`~baton.connectors.http.TokenSource`): API keys do not expire and
cannot be refreshed, so a 401 or 403 is ``Fatal`` at once (revoked or wrong
key, or the company domain is wrong; the account must be reconfigured).

Base path: ``{base_url}/api/gateway.php/{company}/v1``; every request asks
for JSON (``Accept: application/json``; BambooHR answers XML otherwise [kb]).

Errors [kb]: BambooHR puts its reason in the ``X-BambooHR-Error-Message``
header (bodies are often empty); it becomes the vendor message.

Limits [kb]: not published; a throttled request gets a 503 with
``Retry-After``. The ``feedback`` hook pauses the account's shared limiter
for that long and the client raises ``RateLimited`` (a 503 without
``Retry-After`` stays a plain ``Retriable`` outage).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from baton.connectors.http import VendorHttp, default_message

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import httpx

    from baton.engine.limiter import AccountLimiter

__all__ = [
    "BASE_URL",
    "ERROR_HEADER",
    "BambooHRClient",
    "api_path",
    "bamboohr_message",
    "basic_auth",
]

BASE_URL = "https://api.bamboohr.com"
ERROR_HEADER = "X-BambooHR-Error-Message"
_MAX_MESSAGE = 300


def api_path(company: str) -> str:
    """``/api/gateway.php/{company}/v1``."""
    return f"/api/gateway.php/{company}/v1"


def basic_auth(api_key: str) -> str:
    """The ``Authorization`` value: Basic with the key as user, ``x`` as password."""
    return "Basic " + base64.b64encode(f"{api_key}:x".encode()).decode()


def bamboohr_message(resp: httpx.Response) -> str:
    """``HTTP <status>: <X-BambooHR-Error-Message>``, else the common shapes."""
    header = resp.headers.get(ERROR_HEADER, "").strip()
    if header:
        return f"HTTP {resp.status_code}: {header[:_MAX_MESSAGE]}"
    return default_message(resp)


class BambooHRClient:
    """One BambooHR company's API access.

    Args:
        company: the company domain (``acme`` for ``acme.bamboohr.com``).
        api_key: the API key (from the environment, never a file).
        base_url: the API host (tests pass the sandbox's).
        limiter: the account's shared limiter.
        transport, timeout: as :class:`~baton.connectors.http.VendorHttp`.
    """

    def __init__(
        self,
        company: str,
        api_key: str,
        *,
        base_url: str = BASE_URL,
        limiter: AccountLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.company = company
        self.http = VendorHttp(
            base_url.rstrip("/") + api_path(company),
            "bamboohr",
            limiter=limiter,
            headers={
                "Authorization": basic_auth(api_key),
                "Accept": "application/json",
            },
            message=bamboohr_message,
            throttle_statuses=frozenset({503}),
            transport=transport,
            timeout=timeout,
        )

    async def get(
        self, path: str, params: Mapping[str, Any] | None = None
    ) -> httpx.Response:
        """GET ``path`` under the company's v1 base.

        Raises:
            baton.engine.errors.DeliveryError: as ``VendorHttp``; a 503 with
                ``Retry-After`` as ``RateLimited``.
        """
        return await self.http.request("GET", path, params=params)

    async def directory(self) -> tuple[list[dict[str, Any]], str | None]:
        """``GET /employees/directory``: the employees and the answer's ``Date``."""
        resp = await self.get("/employees/directory")
        return list(resp.json().get("employees") or []), resp.headers.get("Date")

    async def changed(self, since: str) -> tuple[dict[str, dict[str, Any]], str | None]:
        """``GET /employees/changed?since=``: changes by employee id and ``latest``."""
        doc = (await self.get("/employees/changed", {"since": since})).json()
        return dict(doc.get("employees") or {}), doc.get("latest")

    async def employee(self, bamboo_id: str, fields: Sequence[str]) -> dict[str, Any]:
        """``GET /employees/{id}?fields=a,b,…``."""
        resp = await self.get(f"/employees/{bamboo_id}", {"fields": ",".join(fields)})
        return dict(resp.json())

    async def close(self) -> None:
        """Close the connection pool."""
        await self.http.close()
