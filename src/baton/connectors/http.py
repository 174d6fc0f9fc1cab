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

from typing import TYPE_CHECKING, Any

import httpx

from baton.connectors.responses import default_message, retry_after_of
from baton.connectors.tokens import OAuth2ClientCredentials, StaticToken, TokenSource
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
