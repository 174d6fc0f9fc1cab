"""HTTP for the generic REST ERP, with responses classified into engine errors.

Connection failures before a request is written (refused, DNS) are safe to
retry; a timeout or a reset after the request went out is *ambiguous*: the
ERP may have committed it, so the engine looks the record up first.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import aiohttp
import orjson

from baton.engine.backoff import parse_retry_after
from baton.engine.errors import Ambiguous, Fatal, Invalid, RateLimited, Retriable

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["RestClient", "classify"]

_MAX_MESSAGE = 300


def _message(status: int, body: bytes) -> str:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        text = body.decode("utf-8", "replace").strip()
    else:
        text = str(
            doc.get("message") or doc.get("error") or doc.get("status") or doc
            if isinstance(doc, dict)
            else doc
        )
    return f"HTTP {status}: {text[:_MAX_MESSAGE]}" if text else f"HTTP {status}"


def classify(
    status: int, body: bytes, headers: Mapping[str, str], *, write: bool = False
) -> None:
    """Raise the engine error for a non-2xx answer; return for a 2xx.

    Raises:
        RateLimited: 429 (with ``Retry-After`` seconds when given).
        Ambiguous: 502 or 504 to a ``write``: a gateway gave up waiting and
            the ERP may have stored the record (looked up before a resend).
        Retriable: other 5xx, 408.
        Fatal: 401, 403, 404, 405 — retrying cannot help.
        Invalid: any other 4xx: the ERP rejected this record.
    """
    if 200 <= status < 300:
        return
    msg = _message(status, body)
    if status == 429:
        after = parse_retry_after(headers.get("Retry-After"), time.time())
        raise RateLimited(msg, status=status, retry_after=after)
    if write and status in (502, 504):
        raise Ambiguous(f"{msg} (from a gateway: the post may have been stored)")
    if status >= 500 or status == 408:
        after = parse_retry_after(headers.get("Retry-After"), time.time())
        raise Retriable(msg, status=status, retry_after=after)
    if status in (401, 403, 404, 405):
        raise Fatal(msg, status=status)
    raise Invalid(msg, rule="erp.rejected", owner_team="", status=status)


class RestClient:
    """A keep-alive JSON client for one base URL.

    Args:
        timeout: seconds for a whole request; past it the outcome is ambiguous.
        max_connections: the connection pool's size.
    """

    def __init__(self, *, timeout: float = 10.0, max_connections: int = 100) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._max_connections),
                timeout=self._timeout,
                json_serialize=lambda o: orjson.dumps(o).decode(),
            )
        return self._session

    async def send(
        self, method: str, url: str, body: bytes | None = None, params: Any = None
    ) -> tuple[int, bytes, Mapping[str, str]]:
        """Send one request; return status, body and headers.

        Raises:
            Retriable: the connection could not be made (nothing was sent).
            Ambiguous: timeout or connection lost after the request was sent.
        """
        session = self._get_session()
        headers = {"Content-Type": "application/json"} if body is not None else None
        try:
            async with session.request(
                method, url, data=body, params=params, headers=headers
            ) as resp:
                return resp.status, await resp.read(), resp.headers
        except aiohttp.ClientConnectorError as exc:
            raise Retriable(f"cannot connect to {url}: {exc.os_error}") from exc
        except TimeoutError as exc:
            raise Ambiguous(f"no answer from {url} in time") from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
            raise Ambiguous(f"connection to {url} lost: {exc}") from exc
        except aiohttp.ClientPayloadError as exc:
            raise Ambiguous(f"answer from {url} cut short: {exc}") from exc

    async def close(self) -> None:
        """Close the pool."""
        if self._session is not None:
            await self._session.close()
