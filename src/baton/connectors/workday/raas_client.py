"""Workday Report-as-a-Service: one custom report read as JSON.

``GET {host}/ccx/service/customreport2/{tenant}/{owner}/{report}?format=json``
plus the report's prompts as query parameters (their web-service aliases,
e.g. ``Start_Date=2024-01-01``) answers ``{"Report_Entry": [...]}`` [kb;
third-party OpenAPI descriptions and integration guides agree, Workday's own
documentation is behind a login]. The whole report comes in one answer (no
paging). Only Advanced reports with *Enable As Web Service* are served, and
the report must be shared with the calling user.

Auth [kb]: the REST API client's OAuth bearer token (the tokens are shared
with :class:`~baton.connectors.workday.client.WorkdayClient`), or HTTP Basic
for an Integration System User (``user@tenant`` and its password). Errors
and throttling are classified as for REST (a 503 with ``Retry-After`` is
``RateLimited``); an answer that is not a JSON object is ``Fatal`` (the
report is not published as JSON, or the URL is wrong); an object without
``Report_Entry`` is read as an empty report [kb].
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from baton.connectors.http import VendorHttp
from baton.connectors.workday.client import (
    THROTTLED,
    workday_message,
)
from baton.engine.errors import Fatal

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx

    from baton.connectors.http import TokenSource
    from baton.engine.limiter import AccountLimiter

__all__ = ["RaasClient", "report_path"]


def report_path(tenant: str, owner: str, report: str) -> str:
    """``/ccx/service/customreport2/{tenant}/{owner}/{report}`` (segments quoted)."""
    parts = (quote(p, safe="") for p in (tenant, owner, report))
    return "/ccx/service/customreport2/{}/{}/{}".format(*parts)


class RaasClient:
    """One custom report of one tenant.

    Args:
        base_url: the tenant host.
        tenant, owner, report: the report's path (owner: the report owner's
            user name, report: its web-service name).
        tokens: the OAuth bearer tokens (None: ``basic`` must be given).
        basic: ``(user, password)`` of an Integration System User.
        prompts: query parameters sent on every read (the report's prompts).
        limiter, transport, timeout: as :class:`~baton.connectors.http.VendorHttp`.
    """

    def __init__(
        self,
        base_url: str,
        tenant: str,
        owner: str,
        report: str,
        *,
        tokens: TokenSource | None = None,
        basic: tuple[str, str] | None = None,
        prompts: Mapping[str, str] | None = None,
        limiter: AccountLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        if tokens is None and basic is None:
            raise ValueError("a RaaS report needs OAuth tokens or ISU credentials")
        headers = {"Accept": "application/json"}
        if basic is not None:
            pair = f"{basic[0]}:{basic[1]}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
            tokens = None
        self.path = report_path(tenant, owner, report)
        self.prompts = dict(prompts or {})
        self.http = VendorHttp(
            base_url.rstrip("/"),
            "workday",
            tokens=tokens,
            limiter=limiter,
            headers=headers,
            message=workday_message,
            throttle_statuses=THROTTLED,
            transport=transport,
            timeout=timeout,
        )

    async def entries(
        self, prompts: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """The report's ``Report_Entry`` rows (``prompts`` added to the configured).

        Raises:
            baton.engine.errors.DeliveryError: as ``VendorHttp`` (503 with
                ``Retry-After``: ``RateLimited``); ``Fatal`` when the answer is
                not a RaaS JSON report.
        """
        params = {**self.prompts, **(prompts or {}), "format": "json"}
        resp = await self.http.request("GET", self.path, params=params)
        try:
            doc: Any = resp.json()
        except ValueError:
            doc = None
        # an object without Report_Entry is taken as an empty report [kb]
        rows = doc.get("Report_Entry", []) if isinstance(doc, dict) else None
        if not isinstance(rows, list):
            raise Fatal(
                f"workday: {self.path} did not answer a JSON report with "
                "Report_Entry (is the report enabled as a web service?)",
                status=resp.status_code,
            )
        return [dict(r) for r in rows if isinstance(r, dict)]

    async def close(self) -> None:
        """Close the connection pool."""
        await self.http.close()
