"""Vendor HTTP on httpx: auth with refresh, shared limiter, error classification.

Every vendor client wraps one :class:`VendorHttp`. It takes a slot from the
account's shared limiter (:mod:`baton.engine.limiter`), adds the bearer token,
refreshes it once on a 401, feeds the vendor's rate-limit headers back to the
limiter, and turns failures into :mod:`baton.engine.errors`:

* connection refused → ``Retriable`` (nothing was sent);
* timeout or connection lost after sending → ``Ambiguous`` for writes (look
  the record up before resending), ``Retriable`` for reads;
* 429 → ``RateLimited`` (the limiter pauses for ``Retry-After``);
* 502 or 504 to a write → ``Ambiguous`` (a gateway gave up waiting; the
  vendor may have committed it); other 5xx, 408 → ``Retriable``;
* 401 after a refresh, 403 → ``Fatal``;
* other 4xx → ``Invalid`` carrying the vendor's own message.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from baton.engine.backoff import parse_retry_after
from baton.engine.errors import Ambiguous, Fatal, Invalid, RateLimited, Retriable

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from baton.engine.limiter import AccountLimiter

__all__ = [
    "OAuth2ClientCredentials",
    "StaticToken",
    "TokenSource",
    "VendorHttp",
    "default_message",
    "retry_after_of",
]

_GATEWAY = frozenset({502, 504})
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_MAX_MESSAGE = 300


class TokenSource(Protocol):
    """Where a client gets its bearer token."""

    async def token(self, *, refresh: bool = False) -> str:
        """The current token; a new one when ``refresh`` is set."""
        ...


@dataclass
class StaticToken:
    """A long-lived token (API key, personal access token)."""

    value: str

    async def token(self, *, refresh: bool = False) -> str:
        """The token (a refresh cannot renew it)."""
        if refresh:
            raise Fatal("the access token was refused and cannot be renewed")
        return self.value


class OAuth2ClientCredentials:
    """OAuth 2.0 access tokens with expiry-aware caching and one refresh on demand.

    The client-credentials grant by default; with ``refresh_token`` the
    refresh-token grant (a rotated refresh token in the answer is kept).
    Vendors differ in where the client's credentials go: HTTP Basic (the
    default) or the form body (``credentials_in_body``). A subclass can read
    more of the token answer in :meth:`on_token` (Salesforce's
    ``instance_url``).

    Args:
        token_url: the token endpoint.
        client_id: the client id.
        client_secret: the client secret (from the environment, never a file).
        scope: an optional scope string.
        refresh_token: use the refresh-token grant with this token.
        credentials_in_body: send id and secret in the form, not as Basic auth.
        vendor: prefix of error messages.
        http: the client used for the token endpoint (tests pass the sandbox's).
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        refresh_token: str | None = None,
        credentials_in_body: bool = False,
        vendor: str = "oauth2",
        http: httpx.AsyncClient,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self._refresh = refresh_token
        self._in_body = credentials_in_body
        self.vendor = vendor
        self._http = http
        self._token: str | None = None
        self._expires = 0.0
        self.fetched = 0

    async def token(self, *, refresh: bool = False) -> str:
        """A valid token, fetched when missing, expiring or refused."""
        if self._token is None or refresh or time.monotonic() >= self._expires:
            await self._fetch()
        assert self._token is not None
        return self._token

    def _form(self) -> dict[str, str]:
        form = (
            {"grant_type": "refresh_token", "refresh_token": self._refresh}
            if self._refresh
            else {"grant_type": "client_credentials"}
        )
        if self.scope:
            form["scope"] = self.scope
        if self._in_body:
            form.update(client_id=self.client_id, client_secret=self._secret)
        return form

    async def _fetch(self) -> None:
        try:
            if self._in_body:
                resp = await self._http.post(self.token_url, data=self._form())
            else:
                resp = await self._http.post(
                    self.token_url,
                    data=self._form(),
                    auth=(self.client_id, self._secret),
                )
        except httpx.TransportError as exc:
            raise Retriable(
                f"{self.vendor}: token endpoint unreachable: {exc}"
            ) from exc
        if resp.status_code in (400, 401, 403):
            raise Fatal(
                f"{self.vendor}: token refused: {default_message(resp)}",
                status=resp.status_code,
            )
        if resp.status_code != 200:
            raise Retriable(
                f"{self.vendor}: token endpoint: {default_message(resp)}",
                status=resp.status_code,
            )
        doc = resp.json()
        self._token = str(doc["access_token"])
        self._refresh = str(doc.get("refresh_token") or self._refresh or "") or None
        # renew 30 s early so a token never expires in flight
        self._expires = time.monotonic() + float(doc.get("expires_in", 3600)) - 30
        self.on_token(doc)
        self.fetched += 1

    def on_token(self, doc: dict[str, Any]) -> None:
        """Read vendor-specific fields of a token answer (default: nothing)."""


def default_message(resp: httpx.Response) -> str:
    """``HTTP <status>: <the vendor's message>``, from common error shapes."""
    text = resp.text.strip()
    try:
        doc: Any = resp.json()
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        for key in (
            "message",
            "Message",
            "error_description",
            "error",
            "detail",
            "title",
        ):
            value = doc.get(key)
            if isinstance(value, str) and value:
                text = value
                break
    return (
        f"HTTP {resp.status_code}: {text[:_MAX_MESSAGE]}"
        if text
        else f"HTTP {resp.status_code}"
    )


def retry_after_of(resp: httpx.Response) -> float | None:
    """Seconds to wait from ``Retry-After`` (delta or HTTP date), if any."""
    return parse_retry_after(resp.headers.get("Retry-After"), time.time())


class VendorHttp:
    """One vendor account's HTTP access (see the module docstring).

    Args:
        base_url: the vendor API's base URL.
        vendor: short vendor name, used in rule codes (``<vendor>.rejected``).
        tokens: the bearer token source (None: no auth header).
        limiter: the account's shared limiter (None: unlimited).
        headers: headers sent on every request (tenant id, user agent …).
        message: extracts the vendor's error message from a response.
        feedback: seconds to pause the account from a response's headers.
        transport: an httpx transport (tests); default: the network.
        timeout: seconds per request.
        throttle_statuses: statuses that, with ``Retry-After``, mean the vendor
            is throttling rather than failing (Workday and BambooHR answer 503):
            raised as ``RateLimited`` and pausing the account like a 429.
    """

    def __init__(
        self,
        base_url: str,
        vendor: str,
        *,
        tokens: TokenSource | None = None,
        limiter: AccountLimiter | None = None,
        headers: Mapping[str, str] | None = None,
        message: Callable[[httpx.Response], str] = default_message,
        feedback: Callable[[httpx.Response], float | None] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        throttle_statuses: frozenset[int] = frozenset(),
    ) -> None:
        self.vendor = vendor
        self.throttle_statuses = frozenset({429, *throttle_statuses})
        self.tokens = tokens
        self.limiter = limiter
        self.message = message
        self.feedback = feedback
        self.client = httpx.AsyncClient(
            base_url=base_url,
            headers=dict(headers or {}),
            transport=transport,
            timeout=timeout,
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        allow: frozenset[int] = frozenset(),
    ) -> httpx.Response:
        """Send one request; return a 2xx (or an ``allow``-ed) response.

        Raises:
            baton.engine.errors.DeliveryError: classified as described above.
        """
        refreshed = False
        while True:
            resp = await self._send(method, path, json, params, headers)
            if resp.status_code == 401 and self.tokens is not None and not refreshed:
                refreshed = True
                await self.tokens.token(refresh=True)
                continue
            self._feed_limiter(resp)
            if resp.status_code in allow or resp.is_success:
                return resp
            self._raise(resp)

    async def _send(
        self,
        method: str,
        path: str,
        body: Any,
        params: Any,
        extra: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        headers = dict(extra or {})
        if self.tokens is not None:
            headers["Authorization"] = f"Bearer {await self.tokens.token()}"
        try:
            if self.limiter is None:
                return await self.client.request(
                    method, path, json=body, params=params, headers=headers
                )
            async with self.limiter.slot():
                return await self.client.request(
                    method, path, json=body, params=params, headers=headers
                )
        except httpx.ConnectError as exc:
            raise Retriable(f"{self.vendor}: cannot connect ({exc})") from exc
        except (
            httpx.TimeoutException,
            httpx.RemoteProtocolError,
            httpx.ReadError,
        ) as exc:
            what = f"{self.vendor}: no complete answer to {method} {path} ({type(exc).__name__})"
            if method.upper() in _READS:
                raise Retriable(what) from exc
            raise Ambiguous(what) from exc

    def _feed_limiter(self, resp: httpx.Response) -> None:
        if self.limiter is None:
            return
        pause = self.feedback(resp) if self.feedback is not None else None
        if resp.status_code == 429:
            pause = max(pause or 0.0, retry_after_of(resp) or 1.0)
        elif resp.status_code in self.throttle_statuses:
            pause = max(pause or 0.0, retry_after_of(resp) or 0.0)
        if pause:
            self.limiter.pause(pause)

    def _raise(self, resp: httpx.Response) -> None:
        status = resp.status_code
        method = resp.request.method.upper()
        if status in _GATEWAY and method not in _READS:
            # a gateway gave up waiting: the vendor may have committed the write
            raise Ambiguous(
                f"{self.vendor}: {status} from a gateway to {method}: "
                f"{self.message(resp)}"
            )
        msg = f"{self.vendor}: {self.message(resp)}"
        retry_after = retry_after_of(resp)
        if status == 429 or (status in self.throttle_statuses and retry_after):
            raise RateLimited(msg, status=status, retry_after=retry_after)
        if status >= 500 or status == 408:
            raise Retriable(msg, status=status, retry_after=retry_after_of(resp))
        if status in (401, 403):
            raise Fatal(msg, status=status)
        raise Invalid(msg, rule=f"{self.vendor}.rejected", owner_team="", status=status)

    async def close(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()
