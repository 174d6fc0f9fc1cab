"""A local NetSuite: record API, ``eid:`` reads, SuiteQL paging, its error body.

* ``POST /services/rest/record/v1/<type>`` stores a record and answers 204
  with ``Location: …/<type>/<id>``; a ``timeBill`` needs ``employee``,
  ``tranDate`` and ``hours`` in ``(0, 24]`` (400 ``USER_ERROR`` otherwise);
  a taken ``externalId`` is refused with 400 ``DUP_RCRD`` (so duplicates
  cannot appear silently).
* ``GET …/<type>/<id>`` and ``GET …/<type>/eid:<externalId>``: 200 or 404
  ``NONEXISTENT_ID``.
* ``salesOrder``, ``invoice`` and ``purchaseOrder`` are checked as
  :func:`~.sandbox_records.check_transaction` does, ``expenseReport`` as
  :func:`~.sandbox_expenses.check_expense_report` (400 ``USER_ERROR``).
* Tokens: client secret, or M2M assertions (:mod:`~.sandbox_auth`); they
  live 60 minutes.
* ``POST /services/rest/query/v1/suiteql`` (``Prefer: transient`` required)
  answers the subset of :mod:`~.sandbox_records` (``externalid`` and
  ``lastmodifieddate`` filters, ``TO_CHAR`` aliases, ``ORDER BY``) over the
  stored rows with ``limit``/``offset``/``hasMore``/``links``;
  :meth:`NetSuiteSandbox.seed` stores customers, jobs, employees … directly.
* Limit: concurrency only (base 5), 429 beyond it (:data:`CONCURRENCY_ONLY`).

Record types are matched case-insensitively, as NetSuite does.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from baton.connectors.netsuite.client import RECORD_PATH, SUITEQL_PATH, TOKEN_PATH
from baton.connectors.netsuite.sandbox_auth import NetSuiteTokenSandbox
from baton.connectors.netsuite.sandbox_expenses import check_expense_report
from baton.connectors.netsuite.sandbox_records import (
    ENTITY_TABLE,
    check_transaction,
    parse_query,
)
from baton.connectors.sandbox import RateLimitRule

__all__ = ["CONCURRENCY_ONLY", "NetSuiteSandbox"]

CONCURRENCY_ONLY = RateLimitRule(10**9, 1.0, 5)
_CODES = {
    401: "INVALID_LOGIN",
    404: "NONEXISTENT_ID",
    429: "CONCURRENCY_LIMIT_EXCEEDED",
}
_MAX_PAGE = 1000


class NetSuiteSandbox(NetSuiteTokenSandbox):
    """See the module docstring; ``records[type][id]`` holds what was created."""

    vendor = "netsuite"
    token_path = TOKEN_PATH

    def __init__(
        self,
        *,
        limit: RateLimitRule | None = CONCURRENCY_ONLY,
        token_ttl: float = 3600.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(limit=limit, token_ttl=token_ttl, **kwargs)
        self.records: dict[str, dict[str, dict[str, Any]]] = {}
        self.refused_duplicates = 0
        self.service_time = 0.0  # seconds each handler works (inside in-flight)
        self._next_id = 1000

    # -- the error body -------------------------------------------------------
    def error(self, status: int, message: str) -> web.Response:
        """NetSuite's error body, with a code chosen by status."""
        return self.ns_error(status, message, _CODES.get(status, "UNEXPECTED_ERROR"))

    def ns_error(self, status: int, detail: str, code: str) -> web.Response:
        """``{"type","title","status","o:errorDetails":[{"detail","o:errorCode"}]}``."""
        return web.json_response(
            {
                "type": f"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.{status // 100}",
                "title": _title(status),
                "status": status,
                "o:errorDetails": [{"detail": detail, "o:errorCode": code}],
            },
            status=status,
        )

    # -- routes ---------------------------------------------------------------
    def routes(self, app: web.Application) -> None:
        """Record create/read and SuiteQL."""
        app.router.add_post(RECORD_PATH + "/{type}", self._create)
        app.router.add_get(RECORD_PATH + "/{type}/{key}", self._read)
        app.router.add_post(SUITEQL_PATH, self._suiteql)

    def table(self, record_type: str) -> dict[str, dict[str, Any]]:
        """The stored records of one type, by internal id."""
        return self.records.setdefault(record_type.lower(), {})

    def seed(
        self, record_type: str, record_id: str, modified: str, **fields: Any
    ) -> dict[str, Any]:
        """Store a record as if NetSuite had it (``modified``: lastModifiedDate)."""
        record = {**fields, "id": record_id, "lastModifiedDate": modified}
        self.table(record_type)[record_id] = record
        return record

    def check(self, record_type: str, body: dict[str, Any]) -> str | None:
        """NetSuite's detail if it would refuse to create ``body``, else None."""
        rtype = record_type.lower()
        if rtype == "timebill":
            return _check_time_bill(body)
        if rtype == "expensereport":
            return check_expense_report(body, self.table)
        if rtype in ENTITY_TABLE:
            return check_transaction(rtype, body, self.table)
        return None

    def _by_eid(self, record_type: str, eid: str) -> dict[str, Any] | None:
        return next(
            (r for r in self.table(record_type).values() if r.get("externalId") == eid),
            None,
        )

    async def _create(self, request: web.Request) -> web.StreamResponse:
        if self.service_time:
            await asyncio.sleep(self.service_time)
        rtype = request.match_info["type"]
        try:
            body = await request.json()
        except ValueError:
            return self.ns_error(
                400, "The request body is not valid JSON.", "INVALID_CONTENT"
            )
        if not isinstance(body, dict):
            return self.ns_error(
                400, "The request body must be an object.", "INVALID_CONTENT"
            )
        problem = self.check(rtype, body)
        if problem is not None:
            return self.ns_error(400, problem, "USER_ERROR")
        eid = body.get("externalId")
        if eid is not None and self._by_eid(rtype, str(eid)) is not None:
            self.refused_duplicates += 1
            detail = f"A {rtype} record with external ID '{eid}' already exists."
            return self.ns_error(400, detail, "DUP_RCRD")
        self._next_id += 1
        new_id = str(self._next_id)
        self.table(rtype)[new_id] = {**body, "id": new_id}
        await self.after_commit(request)
        location = str(
            request.url.with_path(f"{RECORD_PATH}/{rtype}/{new_id}").with_query(None)
        )
        return web.Response(status=204, headers={"Location": location})

    async def _read(self, request: web.Request) -> web.Response:
        rtype, key = request.match_info["type"], request.match_info["key"]
        if key.startswith("eid:"):
            found = self._by_eid(rtype, key.removeprefix("eid:"))
        else:
            found = self.table(rtype).get(key)
        if found is None:
            detail = (
                "Record instance does not exist. Provide a valid record instance ID."
            )
            return self.ns_error(404, detail, "NONEXISTENT_ID")
        return web.json_response({"links": [], **found})

    async def _suiteql(self, request: web.Request) -> web.Response:
        if request.headers.get("Prefer") != "transient":
            return self.ns_error(
                400, "Prefer: transient header is required.", "INVALID_HEADER"
            )
        body = await request.json()
        query = parse_query(str(body.get("q", ""))) if isinstance(body, dict) else None
        if query is None:
            return self.ns_error(400, "Invalid search query.", "INVALID_PARAMETER")
        try:
            limit = min(int(request.query.get("limit", _MAX_PAGE)), _MAX_PAGE)
            offset = int(request.query.get("offset", 0))
        except ValueError:
            limit = offset = -1
        if limit < 1 or offset < 0:
            return self.ns_error(400, "Invalid limit or offset.", "INVALID_PARAMETER")
        rows = query.run(list(self.table(query.table).values()))
        chunk = rows[offset : offset + limit]
        more = offset + limit < len(rows)
        url = request.url.with_query(None)
        links = [
            {"rel": "self", "href": str(url.with_query(limit=limit, offset=offset))}
        ]
        if more:
            links.append(
                {
                    "rel": "next",
                    "href": str(url.with_query(limit=limit, offset=offset + limit)),
                }
            )
        return web.json_response(
            {
                "links": links,
                "count": len(chunk),
                "hasMore": more,
                "items": chunk,
                "offset": offset,
                "totalResults": len(rows),
            }
        )


def _title(status: int) -> str:
    return {
        400: "Bad Request",
        401: "Unauthorized",
        404: "Not Found",
        429: "Too Many Requests",
    }.get(status, "Internal Server Error" if status >= 500 else "Error")


def _check_time_bill(body: dict[str, Any]) -> str | None:
    missing = [
        f for f in ("employee", "tranDate", "hours") if body.get(f) in (None, "", {})
    ]
    if missing:
        return f"Please enter value(s) for: {', '.join(missing)}."
    hours = body["hours"]
    if (
        isinstance(hours, bool)
        or not isinstance(hours, int | float)
        or not 0 < hours <= 24
    ):
        return f"Invalid Field Value {hours!r} for the following field: hours"
    return None
