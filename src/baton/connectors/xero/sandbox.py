"""A local Xero: Projects time entries, Xero's errors and limits.

Signed webhook deliveries are in :mod:`.sandbox_webhooks` (re-exported here).

Serves (under ``/projects.xro/2.0``) ``POST /Projects/{projectId}/Time``
(200 with the created entry), ``GET /Projects/{projectId}/Time`` (filters
``userId``, ``taskId``, ``dateAfterUtc``, ``dateBeforeUtc``; paging ``page``,
``pageSize``, answer ``{"pagination": {page, pageSize, pageCount,
itemCount}, "items"}``), ``GET /Projects/{projectId}/Time/{timeEntryId}``
and ``GET /Projects`` (the projects time was booked to, paged alike).
The token endpoint is ``/connect/token``; every API call needs a known
``xero-tenant-id`` (else 403). Errors use the Projects shape
``{"message", "modelState"}``; limits are Xero's published 60 calls a
minute and 5 at once per tenant (windows divided by ``time_scale``), with
``X-MinLimit-Remaining``/``X-DayLimit-Remaining``/``X-AppMinLimit-Remaining``
on every answer and ``Retry-After``/``X-Rate-Limit-Problem`` on a 429.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from baton.connectors.sandbox import RateLimitRule, VendorSandbox
from baton.connectors.xero.client import PROJECTS
from baton.connectors.xero.mapping import MAX_MINUTES, parse_utc
from baton.connectors.xero.sandbox_webhooks import deliver_webhooks, webhook_body

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["XERO_LIMIT", "XeroSandbox", "deliver_webhooks", "webhook_body"]

XERO_LIMIT = RateLimitRule(60, 60.0, 5)
_DAY_LIMIT = 5000
_APP_MINUTE_LIMIT = 10000
_REQUIRED = ("userId", "taskId", "dateUtc", "duration")


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class XeroSandbox(VendorSandbox):
    """Xero Projects time entries for one or more tenants (see the module docstring).

    Args:
        tenants: accepted ``xero-tenant-id`` values.
        limit: default Xero's published per-tenant limit.
        kwargs: as :class:`~baton.connectors.sandbox.VendorSandbox`.
    """

    vendor = "xero"
    token_path = "/connect/token"  # noqa: S105 - a URL path, not a secret

    def __init__(
        self,
        *,
        tenants: Sequence[str] = ("tenant-1",),
        limit: RateLimitRule | None = XERO_LIMIT,
        **kwargs: Any,
    ) -> None:
        super().__init__(limit=limit, **kwargs)
        self.tenants = set(tenants)
        self.time_entries: list[dict[str, Any]] = []

    def error(self, status: int, message: str) -> web.Response:
        """Xero Projects' error body (``429`` names the minute limit)."""
        resp = web.json_response({"message": message, "modelState": {}}, status=status)
        if status == 429:
            resp.headers["X-Rate-Limit-Problem"] = "minute"
        return resp

    def invalid(self, errors: dict[str, list[str]]) -> web.Response:
        """A 400 with Xero's validation errors per field."""
        return web.json_response(
            {"message": "The request is invalid.", "modelState": errors}, status=400
        )

    def limit_headers(self, remaining: int) -> dict[str, str]:
        """Xero's remaining-calls headers."""
        used = sum(self.state.requests.values())
        return {
            "X-MinLimit-Remaining": str(max(remaining, 0)),
            "X-DayLimit-Remaining": str(max(_DAY_LIMIT - used, 0)),
            "X-AppMinLimit-Remaining": str(max(_APP_MINUTE_LIMIT - used, 0)),
        }

    def routes(self, app: web.Application) -> None:
        """The Projects API's time-entry paths."""
        base = f"{PROJECTS}/Projects/{{projectId}}/Time"
        app.router.add_post(base, self._create)
        app.router.add_get(base, self._list)
        app.router.add_get(base + "/{timeEntryId}", self._get)
        app.router.add_get(f"{PROJECTS}/Projects", self._projects)

    def add_entries(self, project_id: str, count: int, **fields: Any) -> None:
        """Store ``count`` entries directly (paging tests)."""
        for _ in range(count):
            self._store(project_id, {**_sample(), **fields})

    def _store(self, project_id: str, body: dict[str, Any]) -> dict[str, Any]:
        entry = {
            "timeEntryId": str(uuid.uuid4()),
            "userId": body["userId"],
            "projectId": project_id,
            "taskId": body["taskId"],
            "dateUtc": body["dateUtc"],
            "dateEnteredUtc": _now_iso(),
            "duration": body["duration"],
            "description": body.get("description") or "",
            "status": "ACTIVE",
        }
        self.time_entries.append(entry)
        return entry

    def _tenant_ok(self, request: web.Request) -> bool:
        return request.headers.get("xero-tenant-id") in self.tenants

    async def _create(self, request: web.Request) -> web.StreamResponse:
        if not self._tenant_ok(request):
            return self.error(403, "AuthenticationUnsuccessful: unknown tenant")
        try:
            body = await request.json(loads=orjson.loads)
        except ValueError:
            return self.invalid({"body": ["The request body is not JSON."]})
        if not isinstance(body, dict):
            return self.invalid({"body": ["A time entry object is required."]})
        errors = {
            k: [f"The {k} field is required."] for k in _REQUIRED if k not in body
        }
        duration = body.get("duration")
        if "duration" in body and not (
            isinstance(duration, int) and 1 <= duration <= MAX_MINUTES
        ):
            errors["duration"] = [f"Duration must be between 1 and {MAX_MINUTES}."]
        try:
            parse_utc(str(body.get("dateUtc", "")))
        except ValueError:
            errors.setdefault("dateUtc", ["The dateUtc is not an ISO 8601 date."])
        if errors:
            return self.invalid(errors)
        entry = self._store(request.match_info["projectId"], body)
        await self.after_commit(request)
        return web.json_response(entry)

    def _paged(self, q: Mapping[str, str], found: list[Any]) -> web.Response:
        page, size = int(q.get("page", "1")), int(q.get("pageSize", "50"))
        if page < 1 or not 1 <= size <= 500:
            return self.invalid({"pageSize": ["Must be between 1 and 500."]})
        pages = max(1, -(-len(found) // size))
        chunk = found[(page - 1) * size : page * size]
        pagination = {
            "page": page,
            "pageSize": size,
            "pageCount": pages,
            "itemCount": len(found),
        }
        return web.json_response({"pagination": pagination, "items": chunk})

    async def _projects(self, request: web.Request) -> web.StreamResponse:
        if not self._tenant_ok(request):
            return self.error(403, "AuthenticationUnsuccessful: unknown tenant")
        ids = sorted({e["projectId"] for e in self.time_entries})
        found = [{"projectId": i, "name": i[:8], "status": "INPROGRESS"} for i in ids]
        try:
            return self._paged(request.query, found)
        except ValueError:
            return self.invalid({"query": ["page or pageSize is invalid."]})

    async def _list(self, request: web.Request) -> web.StreamResponse:
        if not self._tenant_ok(request):
            return self.error(403, "AuthenticationUnsuccessful: unknown tenant")
        q = request.query
        try:
            after = parse_utc(q["dateAfterUtc"]) if "dateAfterUtc" in q else None
            before = parse_utc(q["dateBeforeUtc"]) if "dateBeforeUtc" in q else None
            found = [
                e
                for e in self.time_entries
                if e["projectId"] == request.match_info["projectId"]
                and all(e[k] == q[k] for k in ("userId", "taskId") if k in q)
                and (after is None or parse_utc(e["dateUtc"]) >= after)
                and (before is None or parse_utc(e["dateUtc"]) <= before)
            ]
            return self._paged(q, found)
        except ValueError:
            return self.invalid({"query": ["page, pageSize or a date is invalid."]})

    async def _get(self, request: web.Request) -> web.StreamResponse:
        if not self._tenant_ok(request):
            return self.error(403, "AuthenticationUnsuccessful: unknown tenant")
        for e in self.time_entries:
            if e["timeEntryId"] == request.match_info["timeEntryId"]:
                return web.json_response(e)
        return self.error(404, "The time entry was not found.")


def _sample() -> dict[str, Any]:
    return {
        "userId": str(uuid.uuid4()),
        "taskId": str(uuid.uuid4()),
        "dateUtc": "2024-01-15T12:00:00Z",
        "duration": 60,
        "description": "seeded",
    }
