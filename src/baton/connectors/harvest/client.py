"""Harvest API v2 over :class:`~baton.connectors.http.VendorHttp`.

Auth: ``Authorization: Bearer <token>`` plus the ``Harvest-Account-Id`` and
a ``User-Agent`` naming the app, on every request. The token is either

* a personal access token: it does not expire on a schedule and cannot be
  refreshed, so a 401 means revoked or wrong and :class:`StaticToken` turns
  it into ``Fatal`` (the account must be reconfigured); or
* an OAuth2 access token (:class:`HarvestOAuth`): fetched and renewed with the
  refresh-token grant at :data:`TOKEN_URL` (a form with ``grant_type``,
  ``refresh_token``, ``client_id`` and ``client_secret`` in the body), by
  :class:`~baton.connectors.http.OAuth2ClientCredentials`. Access tokens live
  14 days (``expires_in`` 1209599 s [kb]) and are renewed 30 s before the
  expiry the answer states, or once on a 401; a refused refresh (400/401) is
  ``Fatal``. A refresh answer may carry a new refresh token, which is kept
  for the process's life [kb: whether Harvest rotates it].

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

import httpx

from baton.connectors.http import (
    OAuth2ClientCredentials,
    StaticToken,
    TokenSource,
    VendorHttp,
    default_message,
)
from baton.engine.errors import Fatal, Retriable
from baton.engine.limiter import RateLimit

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    from baton.engine.limiter import AccountLimiter

__all__ = [
    "BASE_URL",
    "DEFAULT_LIMIT",
    "PUBLISHED_LIMIT",
    "TOKEN_URL",
    "HarvestClient",
    "HarvestOAuth",
    "HarvestPage",
    "harvest_message",
]

BASE_URL = "https://api.harvestapp.com/v2"
TOKEN_URL = "https://id.getharvest.com/api/v2/oauth2/token"  # noqa: S105 - a URL
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


@dataclass(frozen=True, slots=True)
class HarvestOAuth:
    """An OAuth2 application's credentials and the user's refresh token."""

    client_id: str
    client_secret: str
    refresh_token: str
    token_url: str = TOKEN_URL


class HarvestClient:
    """One Harvest account.

    Args:
        token: the personal access token (from the environment, never a file);
            None when ``oauth`` is given.
        account_id: the ``Harvest-Account-Id``.
        oauth: OAuth2 credentials instead of a personal access token.
        user_agent: the app and a contact, as Harvest asks (``Baton (ops@…)``).
        base_url: the API root (tests pass the sandbox's ``…/v2``).
        limiter: the account's shared limiter, configured with :data:`DEFAULT_LIMIT`.
        transport: an httpx transport (tests).
        timeout: seconds per request.
    """

    def __init__(
        self,
        token: str | None,
        account_id: str,
        *,
        oauth: HarvestOAuth | None = None,
        user_agent: str = "Baton integration hub",
        base_url: str = BASE_URL,
        limiter: AccountLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        if (token is None) == (oauth is None):
            raise ValueError(
                "give either a personal access token or OAuth2 credentials"
            )
        self.base_url = base_url.rstrip("/")
        self.account_id = account_id
        self._token_http: httpx.AsyncClient | None = None
        self.tokens: TokenSource
        if oauth is not None:
            self._token_http = httpx.AsyncClient(
                headers={"User-Agent": user_agent}, transport=transport, timeout=timeout
            )
            self.tokens = OAuth2ClientCredentials(
                oauth.token_url,
                oauth.client_id,
                oauth.client_secret,
                refresh_token=oauth.refresh_token,
                credentials_in_body=True,
                vendor="harvest",
                http=self._token_http,
            )
        else:
            assert token is not None
            self.tokens = StaticToken(token)
        self.http = VendorHttp(
            self.base_url,
            "harvest",
            tokens=self.tokens,
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
        """Close the connection pools."""
        await self.http.close()
        if self._token_http is not None:
            await self._token_http.aclose()


def _json(resp: httpx.Response) -> Any:
    try:
        return json.loads(resp.content, parse_float=Decimal)
    except ValueError as exc:
        raise Retriable(
            f"harvest: answer is not JSON (HTTP {resp.status_code})"
        ) from exc
