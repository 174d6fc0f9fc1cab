"""Kantata OX HTTP: bearer auth, its error body, keyed-map pages, 429 retries.

A Kantata list answer is ``{"count", "meta": {count, page_count, page_number,
page_size}, "results": [{"key", "id"}], "<collection>": {id: record}}``: the
order lives in ``results`` and the records in one map per collection, so a
page is reassembled by walking ``results``. Errors come as
``{"errors": [{"type", "message"}]}``.

Reads that meet a 429 are retried a few times: the 429 has already paused the
account's shared limiter for ``Retry-After``, so the retry waits its turn.
Other failures are raised as :mod:`baton.engine.errors` for the engine.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from baton.connectors.http import VendorHttp, default_message
from baton.engine.errors import RateLimited, Retriable

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    import httpx

    from baton.connectors.http import TokenSource
    from baton.engine.limiter import AccountLimiter

__all__ = ["KantataClient", "KantataPage", "kantata_message", "reassemble"]

API = "/api/v1"
MAX_PER_PAGE = 200
_MAX_MESSAGE = 300


def kantata_message(resp: httpx.Response) -> str:
    """``HTTP <status>: <type>: <message>; …`` from Kantata's error body."""
    try:
        doc: Any = resp.json()
    except ValueError:
        doc = None
    errors = doc.get("errors") if isinstance(doc, dict) else None
    if isinstance(errors, list) and errors:
        parts = []
        for err in errors:
            if isinstance(err, dict):
                kind, text = err.get("type"), err.get("message")
                parts.append(f"{kind}: {text}" if kind else str(text))
        return f"HTTP {resp.status_code}: {'; '.join(parts)[:_MAX_MESSAGE]}"
    return default_message(resp)


def reassemble(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The page's records in ``results`` order, each from its collection map.

    Raises:
        Retriable: a result names a record the answer does not carry.
    """
    out: list[dict[str, Any]] = []
    for ref in doc.get("results", []):
        key, rid = str(ref["key"]), str(ref["id"])
        record = doc.get(key, {}).get(rid)
        if record is None:
            raise Retriable(f"kantata: result {key}/{rid} missing from the answer")
        out.append(record)
    return out


@dataclass(frozen=True, slots=True)
class KantataPage:
    """One page: records in order, its number, and the number of pages."""

    records: list[dict[str, Any]]
    page_number: int
    page_count: int


class KantataClient:
    """One Kantata account (see the module docstring).

    Args:
        base_url: ``https://api.mavenlink.com`` (or a sandbox).
        tokens: the OAuth 2 bearer token source.
        limiter: the account's shared limiter.
        transport: an httpx transport (tests).
        timeout: seconds per request.
        rate_limit_retries: extra attempts of a read after a 429.
        token_http: the token endpoint's client, closed with this one.
    """

    vendor = "kantata"

    def __init__(
        self,
        base_url: str,
        *,
        tokens: TokenSource | None,
        limiter: AccountLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        rate_limit_retries: int = 3,
        token_http: httpx.AsyncClient | None = None,
    ) -> None:
        self.http = VendorHttp(
            base_url,
            self.vendor,
            tokens=tokens,
            limiter=limiter,
            message=kantata_message,
            transport=transport,
            timeout=timeout,
        )
        self.rate_limit_retries = rate_limit_retries
        self._token_http = token_http

    async def get(
        self, collection: str, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """``GET /api/v1/<collection>.json``; a 429 is retried after its pause."""
        attempt = 0
        while True:
            try:
                resp = await self.http.request(
                    "GET", f"{API}/{collection}.json", params=params
                )
            except RateLimited as exc:
                attempt += 1
                if attempt > self.rate_limit_retries:
                    raise
                if self.http.limiter is None:  # nobody else will wait for us
                    await asyncio.sleep(exc.retry_after or 1.0)
                continue
            doc: dict[str, Any] = resp.json()
            return doc

    async def pages(
        self,
        collection: str,
        params: Mapping[str, Any] | None = None,
        *,
        per_page: int = MAX_PER_PAGE,
    ) -> AsyncIterator[KantataPage]:
        """Every page of ``collection`` in order, until ``meta.page_count``."""
        number = 1
        while True:
            query = {**(params or {}), "page": number, "per_page": per_page}
            doc = await self.get(collection, query)
            meta = doc.get("meta", {})
            count = int(meta.get("page_count", number))
            yield KantataPage(reassemble(doc), number, count)
            if number >= count:
                return
            number += 1

    async def create(self, collection: str, key: str, body: Any) -> dict[str, Any]:
        """``POST /api/v1/<collection>.json {key: body}``; the created record."""
        resp = await self.http.request(
            "POST", f"{API}/{collection}.json", json={key: body}
        )
        records = reassemble(resp.json())
        if not records:
            raise Retriable(f"kantata: create of {key} returned no record")
        return records[0]

    async def update(
        self, collection: str, rid: str, key: str, body: Any
    ) -> dict[str, Any]:
        """``PUT /api/v1/<collection>/<id>.json {key: body}``; the updated record."""
        resp = await self.http.request(
            "PUT", f"{API}/{collection}/{rid}.json", json={key: body}
        )
        records = reassemble(resp.json())
        if not records:
            raise Retriable(f"kantata: update of {key} {rid} returned no record")
        return records[0]

    async def close(self) -> None:
        """Close the connection pools."""
        await self.http.close()
        if self._token_http is not None:
            await self._token_http.aclose()
