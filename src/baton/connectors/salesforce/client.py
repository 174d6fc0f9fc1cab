"""Salesforce REST API over :class:`~baton.connectors.http.VendorHttp`.

Auth: OAuth 2.0 client credentials at ``<login>/services/oauth2/token``; the
answer's ``instance_url`` is the API host (every API call is sent there, as
an absolute URL). Salesforce states no lifetime (the org's session timeout
applies), so a token is kept until a 401 ``INVALID_SESSION_ID``, which
refreshes it once (``VendorHttp``); a second 401 is ``Fatal``.

Errors: Salesforce answers ``[{"message", "errorCode", "fields"}]``; the
message becomes ``HTTP <status>: <errorCode>: <message> (fields: …)``.

Limits: the org has a rolling 24 h allocation, reported on every answer as
``Sforce-Limit-Info: api-usage=used/max``. Past :data:`PAUSE_AT` of the
allocation the account's limiter pauses for ``near_limit_pause`` seconds
per answer. Exceeding it is HTTP 403 ``REQUEST_LIMIT_EXCEEDED``: we raise
``RateLimited`` (not ``Fatal``) with ``limit_pause`` seconds and pause the
limiter, because the rolling window frees calls again without anyone
reconfiguring the account; other 403s stay ``Fatal``.

Paging: SOQL ``query?q=`` answers ``records``, ``done`` and
``nextRecordsUrl`` (followed until ``done``; a link outside
``/services/data/`` is refused). Writes go through ``composite`` with
``allOrNone``: the answer is 200 even when sub-requests fail, so the per-item
outcomes are returned (:class:`CompositeResult`), not raised. Single-record
writes by external id are in :mod:`~baton.connectors.salesforce.writes`.

Every call carries ``Sforce-Call-Options: client=<call_client>``, so change
events of our own writes name us in ``changeOrigin``
(``com/salesforce/api/rest/62.0;client=baton``) and can be dropped as echoes.

Change events: :meth:`SalesforceClient.events` reads ``GET /pubsub/fetch``,
a JSON stand-in for the Pub/Sub API's gRPC ``Fetch`` served by the sandbox
only; a real org needs a gRPC + Avro subscriber behind the same method.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from baton.connectors.http import VendorHttp
from baton.connectors.salesforce.composite import (
    CompositeItem,
    CompositeResult,
    parse_composite,
)
from baton.connectors.salesforce.session import (
    SalesforceTokens,
    api_usage,
    error_code,
    salesforce_message,
)
from baton.engine.errors import Fatal, RateLimited, Retriable

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping, Sequence

    from baton.engine.limiter import AccountLimiter

__all__ = [
    "API_VERSION",
    "CALL_CLIENT",
    "LOGIN_URL",
    "CompositeItem",
    "CompositeResult",
    "SalesforceClient",
    "SalesforceTokens",
    "api_usage",
    "salesforce_message",
]

API_VERSION = "v62.0"
CALL_CLIENT = "baton"
LOGIN_URL = "https://login.salesforce.com"
PAUSE_AT = 0.95


class SalesforceClient:
    """One Salesforce org.

    Args:
        client_id, client_secret: the connected app's credentials.
        login_url: the token host (tests pass the sandbox's base URL).
        limiter: the org's shared limiter.
        limit_pause: seconds to pause on ``REQUEST_LIMIT_EXCEEDED``.
        near_limit_pause: seconds to pause per answer past :data:`PAUSE_AT`.
        call_client: the client id in ``Sforce-Call-Options`` (echo detection).
        refresh_token: use the refresh-token grant instead of client credentials.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        login_url: str = LOGIN_URL,
        api_version: str = API_VERSION,
        limiter: AccountLimiter | None = None,
        limit_pause: float = 300.0,
        near_limit_pause: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        call_client: str = CALL_CLIENT,
        refresh_token: str | None = None,
    ) -> None:
        self.data_path = f"/services/data/{api_version}"
        self.call_client = call_client
        self.limit_pause = limit_pause
        self.near_limit_pause = near_limit_pause
        self._token_http = httpx.AsyncClient(transport=transport, timeout=timeout)
        self.tokens = SalesforceTokens(
            login_url,
            client_id,
            client_secret,
            http=self._token_http,
            refresh_token=refresh_token,
        )
        self.http = VendorHttp(
            login_url,
            "salesforce",
            tokens=self.tokens,
            limiter=limiter,
            message=salesforce_message,
            feedback=self._feedback,
            headers={"Sforce-Call-Options": f"client={call_client}"},
            transport=transport,
            timeout=timeout,
        )

    def _feedback(self, resp: httpx.Response) -> float | None:
        if resp.status_code == 403 and error_code(resp) == "REQUEST_LIMIT_EXCEEDED":
            return self.limit_pause
        usage = api_usage(resp)
        if usage is not None and usage[1] > 0 and usage[0] >= PAUSE_AT * usage[1]:
            return self.near_limit_pause
        return None

    async def request(self, method: str, path: str, *, json_body: Any = None) -> Any:
        """Send to ``<instance_url><path>``; the JSON answer (Decimals for numbers).

        Raises:
            baton.engine.errors.DeliveryError: classified by ``VendorHttp``;
            ``REQUEST_LIMIT_EXCEEDED`` as ``RateLimited``.
        """
        _, doc = await self.send(method, path, json_body=json_body)
        return doc

    async def send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        allow: frozenset[int] = frozenset(),
    ) -> tuple[int, Any]:
        """Like :meth:`request`, also returning the status; ``allow``-ed ones pass.

        Raises:
            baton.engine.errors.DeliveryError: as :meth:`request`.
        """
        await self.tokens.token()
        url = f"{self.tokens.instance_url}{path}"
        resp = await self.http.request(method, url, json=json_body, allow=allow | {403})
        if resp.status_code == 403 and 403 not in allow:
            msg = f"salesforce: {salesforce_message(resp)}"
            if error_code(resp) == "REQUEST_LIMIT_EXCEEDED":
                raise RateLimited(msg, status=403, retry_after=self.limit_pause)
            raise Fatal(msg, status=403)
        try:
            doc = (
                json.loads(resp.content, parse_float=Decimal) if resp.content else None
            )
        except ValueError as exc:
            raise Retriable(f"salesforce: answer to {path} is not JSON") from exc
        return resp.status_code, doc

    async def query(
        self, soql: str
    ) -> AsyncIterator[tuple[list[dict[str, Any]], bool]]:
        """Each batch of a SOQL query as ``(records, done)``."""
        path: str | None = f"{self.data_path}/query?q={quote(soql, safe='')}"
        while path is not None:
            doc = await self.request("GET", path)
            if not isinstance(doc, dict) or not isinstance(doc.get("records"), list):
                raise Retriable("salesforce: query answer has no records list")
            done = bool(doc.get("done", True))
            path = None if done else str(doc.get("nextRecordsUrl") or "")
            if path is not None and not path.startswith("/services/data/"):
                raise Fatal(f"salesforce: nextRecordsUrl {path!r} is not an API path")
            yield doc["records"], done

    async def record(self, sobject: str, sf_id: str) -> dict[str, Any]:
        """``GET sobjects/<sobject>/<id>``."""
        doc = await self.request("GET", f"{self.data_path}/sobjects/{sobject}/{sf_id}")
        if not isinstance(doc, dict):
            raise Retriable(f"salesforce: {sobject} {sf_id} is not an object")
        return doc

    async def composite(
        self, subrequests: Sequence[Mapping[str, Any]], *, all_or_none: bool = True
    ) -> CompositeResult:
        """``POST composite``; each sub-request has method, url, referenceId, body."""
        body = {
            "allOrNone": all_or_none,
            "compositeRequest": [dict(s) for s in subrequests],
        }
        doc = await self.request("POST", f"{self.data_path}/composite", json_body=body)
        return parse_composite(doc)

    async def events(
        self, topic: str, replay_id: str | None, *, num_requested: int = 100
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A batch of change events after ``replay_id`` (Pub/Sub ``Fetch`` as JSON)."""
        params = f"topic={quote(topic, safe='')}&numRequested={num_requested}"
        params += (
            f"&replayPreset=CUSTOM&replayId={quote(replay_id, safe='')}"
            if replay_id
            else "&replayPreset=EARLIEST"
        )
        doc = await self.request("GET", f"/pubsub/fetch?{params}")
        if not isinstance(doc, dict) or not isinstance(doc.get("events"), list):
            raise Retriable("salesforce: event answer has no events list")
        latest = doc.get("latestReplayId")
        return doc["events"], None if latest is None else str(latest)

    async def limits(self) -> dict[str, Any]:
        """``GET limits``: the org's allocations (a cheap authenticated read)."""
        doc = await self.request("GET", f"{self.data_path}/limits")
        if not isinstance(doc, dict):
            raise Retriable("salesforce: limits answer is not an object")
        return doc

    async def close(self) -> None:
        """Close both connection pools."""
        await self.http.close()
        await self._token_http.aclose()
