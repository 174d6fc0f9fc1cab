"""HubSpot HTTP: private-app or OAuth tokens, HubSpot's errors, limits and paging.

Auth: a private-app token (:class:`~baton.connectors.http.StaticToken`) or
an OAuth app's refresh token (:class:`HubSpotOAuth`: ``grant_type=
refresh_token`` on ``/oauth/v1/token``, renewed before expiry and once on a
401 through :class:`~baton.connectors.http.VendorHttp`).

Errors ``{"status", "message", "correlationId", "category"}`` become the
message ``HTTP <status>: <category>: <message> (correlationId <id>)``.

Limits: a 10-second burst window per account (100–190 requests per 10 s
by tier, 110 for OAuth apps); every answer carries
``X-HubSpot-RateLimit-Max``, ``-Remaining`` and ``-Interval-Milliseconds``.
:func:`hubspot_feedback` pauses the shared limiter for one interval when
``Remaining`` reaches 0 (``Retry-After`` wins).

Paging: ``limit`` (≤ 100) + ``after`` → ``paging.next.after``; search
pages the same way but stops at 10 000 results (:data:`SEARCH_CAP`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baton.connectors.http import (
    OAuth2ClientCredentials,
    TokenSource,
    VendorHttp,
    default_message,
    retry_after_of,
)

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Mapping, Sequence

    import httpx

    from baton.engine.limiter import AccountLimiter

__all__ = [
    "SEARCH_CAP",
    "TOKEN_URL",
    "HubSpotClient",
    "HubSpotOAuth",
    "hubspot_feedback",
    "hubspot_message",
]

TOKEN_URL = "https://api.hubapi.com/oauth/v1/token"  # noqa: S105 - a URL
SEARCH_CAP = 10_000
_MAX_MESSAGE = 300


def hubspot_message(resp: httpx.Response) -> str:
    """``HTTP <status>: <category>: <message> (correlationId …)``."""
    try:
        doc: Any = resp.json()
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or not doc.get("message"):
        return default_message(resp)
    text = str(doc["message"])
    category = doc.get("category")
    if isinstance(category, dict):  # StandardError: {"name", "httpStatus"}
        category = category.get("name")
    if category:
        text = f"{category}: {text}"
    details = [
        str(e["message"])
        for e in doc.get("errors") or []
        if isinstance(e, dict) and e.get("message")
    ]
    if details:
        text = f"{text}: {'; '.join(details)}"
    text = text[:_MAX_MESSAGE]
    if doc.get("correlationId"):
        text = f"{text} (correlationId {doc['correlationId']})"
    return f"HTTP {resp.status_code}: {text}"


def hubspot_feedback(resp: httpx.Response) -> float | None:
    """Seconds to pause the account from HubSpot's headers, or None."""
    after = retry_after_of(resp)
    if after is not None:
        return after
    remaining = resp.headers.get("X-HubSpot-RateLimit-Remaining")
    interval = resp.headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")
    if remaining is not None and remaining.strip() == "0" and interval:
        try:
            return int(interval) / 1000
        except ValueError:
            return None
    return None


class HubSpotOAuth(OAuth2ClientCredentials):
    """An OAuth app's access token, renewed from its refresh token (HubSpot
    wants the client's id and secret in the form body).

    Args:
        token_url: ``/oauth/v1/token``.
        client_id: the app's client id.
        client_secret: the app's secret (from the environment).
        refresh_token: the installing account's refresh token.
        http: the client for the token endpoint.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        *,
        http: httpx.AsyncClient,
    ) -> None:
        super().__init__(
            token_url,
            client_id,
            client_secret,
            refresh_token=refresh_token,
            credentials_in_body=True,
            vendor="hubspot",
            http=http,
        )


class HubSpotClient:
    """One HubSpot account (portal).

    Args:
        base_url: ``https://api.hubapi.com`` (or a sandbox's URL).
        tokens: ``StaticToken`` (private app) or :class:`HubSpotOAuth`.
        limiter: the account's shared limiter (the burst limit minus 5 %).
        timeout: seconds per request.
        token_http: the token endpoint's client, when this client owns it.
    """

    def __init__(
        self,
        base_url: str,
        tokens: TokenSource,
        *,
        limiter: AccountLimiter | None = None,
        timeout: float = 30.0,
        token_http: httpx.AsyncClient | None = None,
    ) -> None:
        self.tokens = tokens
        self._token_http = token_http
        self.http = VendorHttp(
            base_url,
            "hubspot",
            tokens=tokens,
            limiter=limiter,
            headers={"Accept": "application/json"},
            message=hubspot_message,
            feedback=hubspot_feedback,
            timeout=timeout,
        )

    async def pages(
        self,
        object_type: str,
        *,
        properties: Sequence[str] = (),
        associations: Sequence[str] = (),
        limit: int = 100,
    ) -> AsyncGenerator[list[dict[str, Any]], None]:
        """``GET /crm/v3/objects/<type>``, one list of objects per page."""
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": limit}
            if properties:
                params["properties"] = ",".join(properties)
            if associations:
                params["associations"] = ",".join(associations)
            if after is not None:
                params["after"] = after
            resp = await self.http.request(
                "GET", f"/crm/v3/objects/{object_type}", params=params
            )
            doc = resp.json()
            yield list(doc.get("results") or [])
            after = _next_after(doc)
            if after is None:
                return

    async def search(self, object_type: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /crm/v3/objects/<type>/search``: one page of results."""
        resp = await self.http.request(
            "POST", f"/crm/v3/objects/{object_type}/search", json=dict(body)
        )
        doc: dict[str, Any] = resp.json()
        return doc

    async def associations(
        self, object_type: str, object_id: str, to: str
    ) -> list[dict[str, Any]]:
        """``GET …/<type>/<id>/associations/<to>``: every associated id."""
        found: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            params = {"after": after} if after is not None else None
            resp = await self.http.request(
                "GET",
                f"/crm/v3/objects/{object_type}/{object_id}/associations/{to}",
                params=params,
            )
            doc = resp.json()
            found += list(doc.get("results") or [])
            after = _next_after(doc)
            if after is None:
                return found

    async def close(self) -> None:
        """Close the connection pools (a token client only when owned)."""
        await self.http.close()
        if self._token_http is not None:
            await self._token_http.aclose()


def _next_after(doc: Mapping[str, Any]) -> str | None:
    nxt = (doc.get("paging") or {}).get("next") or {}
    after = nxt.get("after")
    return str(after) if after not in (None, "") else None
