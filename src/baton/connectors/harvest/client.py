"""Harvest API v2 over :class:`~baton.connectors.http.VendorHttp`.

Auth: a personal access token (``Authorization: Bearer``) plus the
``Harvest-Account-Id`` and a ``User-Agent`` naming the app, on every request.
Personal access tokens do not expire on a schedule and cannot be refreshed:
a 401 means revoked or wrong, and :class:`StaticToken` turns it into
``Fatal`` (the account must be reconfigured; retrying cannot help).

Limits: Harvest publishes 100 requests per 15 s per token and no rate-limit
headers; a breach is a 429 with ``Retry-After``, which pauses the account's
shared limiter. :data:`DEFAULT_LIMIT` keeps about 5 % under the published
limit (the window stretched to 15.75 s); concurrency is not published, 8 is
our choice.

Paging: ``page``/``per_page`` (1–2000); every list answer carries
``links.next``, which is followed until null (newer endpoints put a cursor in
that link, so it is never rebuilt from ``next_page``). A ``next`` link to
another host is refused rather than sent the token.

Errors: Harvest answers ``{"code": …, "message": …}``; OAuth-style
``{"error", "error_description"}`` bodies are read too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from baton.connectors.http import StaticToken, VendorHttp, default_message
from baton.engine.errors import Fatal, Retriable
from baton.engine.limiter import RateLimit

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    import httpx

    from baton.engine.limiter import AccountLimiter

__all__ = [
    "BASE_URL",
    "DEFAULT_LIMIT",
    "PUBLISHED_LIMIT",
    "HarvestClient",
    "HarvestPage",
    "harvest_message",
]

BASE_URL = "https://api.harvestapp.com/v2"
PUBLISHED_LIMIT = RateLimit(requests=100, per_seconds=15.0, concurrency=8)
DEFAULT_LIMIT = RateLimit(requests=100, per_seconds=15.0 * 1.05, concurrency=8)
MAX_PER_PAGE = 2000
_MAX_MESSAGE = 300


def harvest_message(resp: httpx.Response) -> str:
    """``HTTP <status>: <Harvest's message>`` from its error bodies."""
    try:
        doc: Any = resp.json()
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        for key in ("message", "error_description", "error"):
            value = doc.get(key)
            if isinstance(value, str) and value:
                return f"HTTP {resp.status_code}: {value[:_MAX_MESSAGE]}"
    return default_message(resp)


@dataclass(frozen=True, slots=True)
class HarvestPage:
    """One list answer: its records and whether another page follows."""

    records: list[dict[str, Any]]
    last: bool


class HarvestClient:
    """One Harvest account.

    Args:
        token: the personal access token (from the environment, never a file).
        account_id: the ``Harvest-Account-Id``.
        user_agent: the app and a contact, as Harvest asks (``Baton (ops@…)``).
        base_url: the API root (tests pass the sandbox's ``…/v2``).
        limiter: the account's shared limiter, configured with :data:`DEFAULT_LIMIT`.
        transport: an httpx transport (tests).
        timeout: seconds per request.
    """

    def __init__(
        self,
        token: str,
        account_id: str,
        *,
        user_agent: str = "Baton integration hub",
        base_url: str = BASE_URL,
        limiter: AccountLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.account_id = account_id
        self.http = VendorHttp(
            self.base_url,
            "harvest",
            tokens=StaticToken(token),
            limiter=limiter,
            headers={"Harvest-Account-Id": account_id, "User-Agent": user_agent},
            message=harvest_message,
            transport=transport,
            timeout=timeout,
        )

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``path`` (relative to the base, or a ``links.next`` URL) as JSON.

        Floats are parsed as ``Decimal`` so amounts and hours stay exact.

        Raises:
            baton.engine.errors.DeliveryError: classified by ``VendorHttp``.
        """
        resp = await self.http.request("GET", path, params=params)
        return _json(resp)

    async def post(self, path: str, body: Mapping[str, Any]) -> Any:
        """POST a JSON body; return the created record (Decimals for floats)."""
        resp = await self.http.request("POST", path, json=dict(body))
        return _json(resp)

    async def pages(
        self,
        path: str,
        key: str,
        *,
        per_page: int = MAX_PER_PAGE,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[HarvestPage]:
        """Every page of a list endpoint, following ``links.next`` to the end.

        Args:
            path: e.g. ``/time_entries``.
            key: the answer's array, e.g. ``time_entries``.
            per_page: 1–2000.
            params: filters such as ``updated_since``.
        """
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be 1-{MAX_PER_PAGE}")
        url: str | None = path
        query: dict[str, Any] | None = {**(params or {}), "per_page": per_page}
        while url is not None:
            doc = await self.get(url, query)
            records = doc.get(key) if isinstance(doc, dict) else None
            if not isinstance(records, list):
                raise Retriable(f"harvest: answer to {path} has no {key!r} list")
            url = (doc.get("links") or {}).get("next")
            query = None  # the next link carries every parameter
            if url is not None and not url.startswith(self.base_url + "/"):
                raise Fatal(f"harvest: next link {url!r} leaves {self.base_url}")
            yield HarvestPage(records, last=url is None)

    async def close(self) -> None:
        """Close the connection pool."""
        await self.http.close()


def _json(resp: httpx.Response) -> Any:
    try:
        return json.loads(resp.content, parse_float=Decimal)
    except ValueError as exc:
        raise Retriable(
            f"harvest: answer is not JSON (HTTP {resp.status_code})"
        ) from exc
