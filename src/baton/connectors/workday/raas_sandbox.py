"""The sandbox's RaaS custom reports (served by :class:`.sandbox.WorkdaySandbox`).

``GET /ccx/service/customreport2/{tenant}/{owner}/{report}?format=json``
answers ``{"Report_Entry": [...]}`` with each entry's columns as stored (the
report author's aliases; an empty cell is left out, as Workday does [kb]).
Two prompts filter on the ``Termination_Date`` column, inclusive:
``Start_Date`` and ``End_Date`` (``YYYY-MM-DD``); an entry without a
termination date is left out when either is given. Any other parameter, a
bad date or a format other than ``json`` is a 400; an unknown report a 404
(the error body is the REST error model: RaaS's own is not public [kb]).

Auth: the tenant's bearer tokens, or HTTP Basic with an Integration System
User in :attr:`RaasReports.isu_users` (RaaS paths only).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["PROMPTS", "RaasReports"]

PROMPTS = ("Start_Date", "End_Date")
PREFIX = "/ccx/service/customreport2"


class RaasReports:
    """The tenant's web-service-enabled reports.

    Attributes:
        reports: entries by ``(owner, report)``.
        isu_users: Integration System Users allowed Basic auth (user → password).
        requests: ``(owner, report, query)`` of every report read, in order.
    """

    def __init__(self, tenant: str, error: Callable[[int, str], web.Response]) -> None:
        self.tenant = tenant
        self.error = error
        self.reports: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.isu_users: dict[str, str] = {"ISU_Baton@acme": "isu-secret"}
        self.requests: list[tuple[str, str, dict[str, str]]] = []

    def put(self, owner: str, report: str, entries: list[dict[str, Any]]) -> None:
        """Publish (or replace) a report's entries; empty cells are dropped."""
        self.reports[(owner, report)] = [
            {k: v for k, v in e.items() if v not in (None, "")} for e in entries
        ]

    def basic_ok(self, request: web.Request) -> bool:
        """An ISU's Basic credentials on a RaaS path."""
        auth = request.headers.get("Authorization", "")
        if not request.path.startswith(PREFIX) or not auth.startswith("Basic "):
            return False
        try:
            raw = base64.b64decode(auth[6:], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, _, password = raw.partition(":")
        return bool(password) and self.isu_users.get(user) == password

    def routes(self, app: web.Application) -> None:
        """The report route."""
        app.router.add_get(f"{PREFIX}/{self.tenant}/{{owner}}/{{report}}", self._report)

    async def _report(self, request: web.Request) -> web.Response:
        owner, report = request.match_info["owner"], request.match_info["report"]
        query = dict(request.query)
        self.requests.append((owner, report, dict(query)))
        entries = self.reports.get((owner, report))
        if entries is None:
            return self.error(404, f"Report {owner}/{report} not found")
        if query.pop("format", None) != "json":
            return self.error(400, "the sandbox serves format=json only")
        unknown = sorted(set(query) - set(PROMPTS))
        if unknown:
            return self.error(400, f"Invalid request parameter: {unknown[0]}")
        try:
            start, end = (
                dt.date.fromisoformat(query[p]) if p in query else None for p in PROMPTS
            )
        except ValueError:
            return self.error(400, "Start_Date and End_Date must be YYYY-MM-DD")
        if start is not None or end is not None:
            entries = [e for e in entries if _within(e, start, end)]
        return web.json_response({"Report_Entry": entries})


def _within(entry: dict[str, Any], start: dt.date | None, end: dt.date | None) -> bool:
    value = entry.get("Termination_Date")
    if not isinstance(value, str):
        return False
    day = dt.date.fromisoformat(value[:10])
    return (start is None or day >= start) and (end is None or day <= end)
