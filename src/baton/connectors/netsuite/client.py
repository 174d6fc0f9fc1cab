"""NetSuite REST access: OAuth 2.0, the account's concurrency limit, errors, paging.

* Auth: OAuth 2.0 client credentials against ``TOKEN_PATH`` (refreshed once
  on a 401 by :class:`~baton.connectors.http.VendorHttp`): either the
  machine-to-machine flow, a JWT signed with the mapping's certificate
  (:mod:`~.auth`), or a client secret (the sandbox; legacy).
* Limits: NetSuite limits *concurrency* per account (REST, SOAP and RESTlets
  together; base 5), not a rate: :data:`DEFAULT_LIMIT` holds 5 in flight and
  no practical window. Beyond it NetSuite answers 429; the shared limiter
  pauses for ``Retry-After`` (1 s when absent).
* Errors: NetSuite's body ``{"type","title","status","o:errorDetails":[{"detail",
  "o:errorCode"}]}`` becomes ``HTTP <status>: <detail> [<code>]``.
* Records: ``/services/rest/record/v1/<type>``; a create answers 204 with the
  new record's URL in ``Location``; ``…/<type>/eid:<externalId>`` reads by
  external id (404 ``NONEXISTENT_ID`` when absent).
* SuiteQL: ``POST /services/rest/query/v1/suiteql`` with ``Prefer: transient``,
  paged by ``limit``/``offset`` until ``hasMore`` is false (``links`` rel
  ``next`` gives the next offset).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from baton.connectors.http import VendorHttp, default_message
from baton.connectors.netsuite.auth import token_source
from baton.engine.errors import Ambiguous, Fatal, Invalid
from baton.engine.limiter import RateLimit

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from baton.connectors.netsuite.auth import M2MKey
    from baton.engine.limiter import AccountLimiter

__all__ = [
    "DEFAULT_LIMIT",
    "RECORD_PATH",
    "SUITEQL_PATH",
    "TOKEN_PATH",
    "DuplicateRecord",
    "NetSuiteClient",
    "error_codes",
    "netsuite_message",
]

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"  # noqa: S105 - a URL path
RECORD_PATH = "/services/rest/record/v1"
SUITEQL_PATH = "/services/rest/query/v1/suiteql"
#: base account concurrency 5; the window is there only because RateLimit needs one
DEFAULT_LIMIT = RateLimit(1_000_000, 1.0, 5)
_MAX_MESSAGE = 300
_DUPLICATE = "DUP_RCRD"
_NOT_FOUND = "NONEXISTENT_ID"


class DuplicateRecord(Invalid):
    """NetSuite refused a create: a record already has this external id."""


def _doc(resp: httpx.Response) -> dict[str, Any]:
    try:
        doc = resp.json()
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def error_codes(resp: httpx.Response) -> list[str]:
    """The ``o:errorCode`` values of a NetSuite error body."""
    details = _doc(resp).get("o:errorDetails")
    if not isinstance(details, list):
        return []
    return [
        str(d["o:errorCode"])
        for d in details
        if isinstance(d, dict) and "o:errorCode" in d
    ]


def netsuite_message(resp: httpx.Response) -> str:
    """``HTTP <status>: <detail> [<code>]; …`` from NetSuite's error body."""
    details = _doc(resp).get("o:errorDetails")
    parts = []
    if isinstance(details, list):
        for d in details:
            if isinstance(d, dict) and d.get("detail"):
                code = d.get("o:errorCode")
                parts.append(f"{d['detail']} [{code}]" if code else str(d["detail"]))
    if not parts:
        return default_message(resp)
    return f"HTTP {resp.status_code}: {'; '.join(parts)[:_MAX_MESSAGE]}"


async def _prefer_transient(request: httpx.Request) -> None:
    # SuiteQL needs it; VendorHttp.request takes no per-request headers
    if request.url.path == SUITEQL_PATH:
        request.headers["Prefer"] = "transient"


class NetSuiteClient:
    """One NetSuite account's REST access (see the module docstring).

    Args:
        base_url: ``https://<account>.suitetalk.api.netsuite.com`` (or a sandbox).
        client_id: the integration record's client id.
        client_secret: its secret (from the environment, never a file), or
        m2m: the M2M mapping's certificate id and private key (exactly one).
        limiter: the account's shared limiter, built from :data:`DEFAULT_LIMIT`
            or the account's tier (None: unlimited).
        token_url: the token endpoint (default: ``base_url + TOKEN_PATH``).
        transport: an httpx transport (tests); default: the network.
        timeout: seconds per request.
    """

    vendor = "netsuite"

    def __init__(
        self,
        base_url: str,
        *,
        client_id: str,
        client_secret: str | None = None,
        m2m: M2MKey | None = None,
        limiter: AccountLimiter | None = None,
        token_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._token_http = httpx.AsyncClient(transport=transport, timeout=timeout)
        self.tokens = token_source(
            token_url or base_url.rstrip("/") + TOKEN_PATH,
            client_id,
            client_secret=client_secret,
            m2m=m2m,
            http=self._token_http,
        )
        self.http = VendorHttp(
            base_url,
            self.vendor,
            tokens=self.tokens,
            limiter=limiter,
            message=netsuite_message,
            transport=transport,
            timeout=timeout,
        )
        self.http.client.event_hooks = {"request": [_prefer_transient], "response": []}

    async def create(self, record_type: str, body: dict[str, Any]) -> str:
        """POST a record; return its internal id (from ``Location``).

        Raises:
            DuplicateRecord: the external id is taken (look it up).
            Ambiguous: created, but the answer names no record.
            baton.engine.errors.DeliveryError: as :class:`VendorHttp` classifies.
        """
        path = f"{RECORD_PATH}/{record_type}"
        resp = await self.http.request("POST", path, json=body, allow=frozenset({400}))
        if resp.status_code == 400:
            msg = f"{self.vendor}: {netsuite_message(resp)}"
            cls = DuplicateRecord if _DUPLICATE in error_codes(resp) else Invalid
            raise cls(msg, rule=f"{self.vendor}.rejected", owner_team="", status=400)
        location = resp.headers.get("Location", "").rstrip("/")
        new_id = location.rsplit("/", 1)[-1] if location else ""
        if not new_id:
            raise Ambiguous(
                f"{self.vendor}: {resp.status_code} to POST {path} without a Location"
            )
        return new_id

    async def get_by_external_id(
        self, record_type: str, external_id: str
    ) -> dict[str, Any] | None:
        """The record with this external id, or None (404 ``NONEXISTENT_ID``).

        Raises:
            Fatal: a 404 for another reason (wrong record type or path).
        """
        path = f"{RECORD_PATH}/{record_type}/eid:{quote(external_id, safe='')}"
        resp = await self.http.request("GET", path, allow=frozenset({404}))
        if resp.status_code == 404:
            if _NOT_FOUND in error_codes(resp):
                return None
            raise Fatal(f"{self.vendor}: {netsuite_message(resp)}", status=404)
        return _doc(resp)

    async def suiteql(
        self, query: str, *, page_size: int = 1000
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """The rows of a SuiteQL query, one list per page.

        Raises:
            Fatal: NetSuite says there is more but the offset does not advance.
        """
        offset = 0
        while True:
            resp = await self.http.request(
                "POST",
                SUITEQL_PATH,
                json={"q": query},
                params={"limit": page_size, "offset": offset},
            )
            doc = _doc(resp)
            items = doc.get("items") or []
            yield [dict(i) for i in items if isinstance(i, dict)]
            if not doc.get("hasMore"):
                return
            following = _next_offset(doc.get("links")) or offset + len(items)
            if following <= offset:
                raise Fatal(f"{self.vendor}: SuiteQL paging stuck at offset {offset}")
            offset = following

    async def probe(self) -> None:
        """One cheap authenticated read: one row of ``SELECT id FROM employee``."""
        await self.http.request(
            "POST",
            SUITEQL_PATH,
            json={"q": "SELECT id FROM employee"},
            params={"limit": 1},
        )

    async def close(self) -> None:
        """Close the API and token connections."""
        await self.http.close()
        await self._token_http.aclose()


def _next_offset(links: Any) -> int | None:
    """The ``offset`` of the ``next`` link, if there is one."""
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, dict) and link.get("rel") == "next":
            values = parse_qs(urlsplit(str(link.get("href", ""))).query).get("offset")
            if values and values[0].isdigit():
                return int(values[0])
    return None
