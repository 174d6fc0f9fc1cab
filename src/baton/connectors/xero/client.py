"""Xero HTTP: OAuth2 client credentials, tenant header, Xero's errors and limits.

Xero allows each app 60 calls a minute, 5 000 a day and 5 concurrent calls
per tenant (10 000 a minute across tenants). Every response carries
``X-MinLimit-Remaining``, ``X-DayLimit-Remaining`` and
``X-AppMinLimit-Remaining``; a 429 adds ``Retry-After`` and
``X-Rate-Limit-Problem`` (``minute``, ``day``, ``concurrent`` …).
:func:`xero_feedback` turns them into pauses of the tenant's shared limiter.

Errors come in two shapes, both turned into the vendor message by
:func:`xero_message`:

* Accounting API: ``{"ErrorNumber", "Type", "Message",
  "Elements": [{"ValidationErrors": [{"Message"}]}]}``;
* Projects API: ``{"message", "modelState": {"field": ["message", …]}}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from baton.connectors.http import (
    OAuth2ClientCredentials,
    VendorHttp,
    default_message,
    retry_after_of,
)

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from baton.engine.limiter import AccountLimiter

__all__ = [
    "PROJECTS",
    "TOKEN_URL",
    "XeroClient",
    "xero_feedback",
    "xero_message",
]

TOKEN_URL = "https://identity.xero.com/connect/token"  # noqa: S105 - a URL
PROJECTS = "/projects.xro/2.0"
_MAX_MESSAGE = 300


def _accounting(doc: dict[str, Any]) -> str | None:
    head = " ".join(str(doc[k]) for k in ("Type", "Message") if doc.get(k))
    details = [
        str(err["Message"])
        for element in doc.get("Elements") or []
        if isinstance(element, dict)
        for err in element.get("ValidationErrors") or []
        if isinstance(err, dict) and err.get("Message")
    ]
    if not head and not details:
        return None
    return ": ".join(part for part in (head, "; ".join(details)) if part)


def _projects(doc: dict[str, Any]) -> str | None:
    message = doc.get("message")
    state = doc.get("modelState")
    details = []
    if isinstance(state, dict):
        for field, errors in state.items():
            texts = errors if isinstance(errors, list) else [errors]
            details += [f"{field}: {text}" for text in texts]
    if not message and not details:
        return None
    return ": ".join(str(p) for p in (message, "; ".join(details)) if p)


def xero_message(resp: httpx.Response) -> str:
    """``HTTP <status>: <Xero's message and validation errors>``."""
    try:
        doc: Any = resp.json()
    except ValueError:
        doc = None
    text = None
    if isinstance(doc, dict):
        text = _accounting(doc) if "Elements" in doc or "Message" in doc else None
        text = text or _projects(doc)
    if not text:
        return default_message(resp)
    problem = resp.headers.get("X-Rate-Limit-Problem")
    if problem:
        text = f"{text} (limit: {problem})"
    return f"HTTP {resp.status_code}: {text[:_MAX_MESSAGE]}"


def xero_feedback(resp: httpx.Response, exhausted_pause: float = 1.0) -> float | None:
    """Seconds to pause the tenant from Xero's headers, or None.

    ``Retry-After`` wins; otherwise a minute or day budget at 0 pauses for
    ``exhausted_pause`` (one call's share of the minute by default): the
    limiter's own window then spaces the calls, and another process on the
    same tenant cannot push us into a 429 storm.
    """
    after = retry_after_of(resp)
    if after is not None:
        return after
    for header in ("X-MinLimit-Remaining", "X-DayLimit-Remaining"):
        value = resp.headers.get(header)
        if value is not None and value.strip() == "0":
            return exhausted_pause
    return None


class XeroClient:
    """One Xero tenant through one app (a custom connection).

    Args:
        base_url: ``https://api.xero.com`` (or a sandbox's URL).
        tenant_id: the organisation, sent as ``xero-tenant-id``.
        client_id: the app's client id.
        client_secret: the app's secret (from the environment).
        token_url: the token endpoint.
        scope: the scopes asked for.
        limiter: the tenant's shared limiter (60/min, 5 at once, minus 5 %).
        exhausted_pause: see :func:`xero_feedback`.
        timeout: seconds per request; past it a write is ambiguous.
    """

    def __init__(
        self,
        base_url: str,
        tenant_id: str,
        *,
        client_id: str,
        client_secret: str,
        token_url: str = TOKEN_URL,
        scope: str | None = "projects",
        limiter: AccountLimiter | None = None,
        exhausted_pause: float = 1.0,
        timeout: float = 30.0,
    ) -> None:
        self.tenant_id = tenant_id
        self._token_http = httpx.AsyncClient(timeout=timeout)
        self.tokens = OAuth2ClientCredentials(
            token_url, client_id, client_secret, scope=scope, http=self._token_http
        )
        self.http = VendorHttp(
            base_url,
            "xero",
            tokens=self.tokens,
            limiter=limiter,
            headers={"xero-tenant-id": tenant_id, "Accept": "application/json"},
            message=xero_message,
            feedback=lambda resp: xero_feedback(resp, exhausted_pause),
            timeout=timeout,
        )

    async def create_time_entry(
        self, project_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /Projects/{projectId}/Time``; the created entry."""
        resp = await self.http.request(
            "POST", f"{PROJECTS}/Projects/{project_id}/Time", json=body
        )
        doc: dict[str, Any] = resp.json()
        return doc

    async def time_entry_pages(
        self, project_id: str, *, page_size: int = 100, **filters: str
    ) -> AsyncGenerator[list[dict[str, Any]], None]:
        """The project's time entries, one list per page (``page``/``pageCount``)."""
        page = 1
        while True:
            params: dict[str, Any] = {**filters, "page": page, "pageSize": page_size}
            resp = await self.http.request(
                "GET", f"{PROJECTS}/Projects/{project_id}/Time", params=params
            )
            doc = resp.json()
            yield list(doc.get("items") or [])
            count = int((doc.get("pagination") or {}).get("pageCount") or 0)
            if page >= count:
                return
            page += 1

    async def close(self) -> None:
        """Close the API and token connection pools."""
        await self.http.close()
        await self._token_http.aclose()
