"""A local Harvest API v2 for contract tests (paths under ``/v2``).

Serves ``GET /time_entries``, ``/users``, ``/projects``, ``/projects/{id}``,
``/user_assignments``, ``/expenses``, ``/task_assignments`` and
``POST /time_entries`` with Harvest's list shape
(``<records>, per_page, total_pages, total_entries, next_page, previous_page,
page, links{first,next,previous,last}``), ``updated_since`` (inclusive) and
``per_page`` 1–2000 (else 422), and Harvest's error body ``{code, message}``.
Auth is a personal access token (never expires; :meth:`expire_tokens` revokes
it) or an OAuth2 token from ``POST /api/v2/oauth2/token``, plus
``Harvest-Account-Id``. Writes, ``/users/me`` and the token endpoint are in
:mod:`baton.connectors.harvest.sandbox_writes`. Projects and task assignments
list newest first and filter by ``is_active`` (projects also by
``client_id``); expenses list by ``spent_date``, newest first. Harvest
documents no rate-limit headers: a
breach is only a 429 with ``Retry-After``.

Records are stored as Harvest sends them (floats on the wire); the ``add_*``
helpers seed them and :meth:`HarvestSandbox.touch` changes one with a new
``updated_at``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web

from baton.connectors.harvest.sandbox_seed import HarvestSeed
from baton.connectors.harvest.sandbox_writes import HarvestWrites

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["HarvestSandbox"]


class HarvestSandbox(HarvestWrites, HarvestSeed):
    """Harvest's list and create endpoints over in-memory records."""

    vendor = "harvest"
    token_path = "/api/v2/oauth2/token"  # noqa: S105 - a URL path, not a secret

    def __init__(
        self,
        *,
        token: str = "pat-1",  # noqa: S107 - a test token, not a secret
        account_id: str = "42",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("token_ttl", 1209599.0)  # 14 days [kb]
        super().__init__(**kwargs)
        self.account_id = account_id
        self.tokens[token] = math.inf
        self.seed_init()
        self.writes_init()

    # -- the vendor ------------------------------------------------------------
    def error(self, status: int, message: str) -> web.Response:
        """Harvest's error body."""
        return web.json_response({"code": status, "message": message}, status=status)

    def limit_headers(self, remaining: int) -> dict[str, str]:  # noqa: ARG002
        """Harvest documents none."""
        return {}

    def routes(self, app: web.Application) -> None:
        """The paths under ``/v2`` and the account-id check."""
        app.middlewares.append(self._account)
        for key in self.records:
            app.router.add_get(f"/v2/{key}", self._lister(key))
        app.router.add_get("/v2/projects/{project_id}", self._project)
        app.router.add_post("/v2/time_entries", self._create_time_entry)
        app.router.add_post("/v2/projects", self.create_project)
        assignments = "/v2/projects/{project_id}/user_assignments"
        app.router.add_get(assignments, self._project_assignments)
        app.router.add_post(assignments, self.create_user_assignment)
        app.router.add_get("/v2/users/me", self.me)

    @web.middleware
    async def _account(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        if request.path == self.token_path:  # Harvest ID, not an account's API
            return await handler(request)
        if request.headers.get("Harvest-Account-Id") != self.account_id:
            return self.error(401, "Harvest-Account-Id missing or not yours")
        return await handler(request)

    def _lister(self, key: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handler(request: web.Request) -> web.Response:
            return self._list(request, key)

        return handler

    def _list(self, request: web.Request, key: str) -> web.Response:
        rows = self.records[key]
        if key in ("projects", "task_assignments"):  # Harvest: newest first
            q = request.query
            client = q.get("client_id")
            active = q.get("is_active")
            rows = sorted(
                (
                    p
                    for p in rows
                    if (client is None or str(p.get("client", {}).get("id")) == client)
                    and (active is None or str(p["is_active"]).lower() == active)
                ),
                key=lambda p: (p["created_at"], p["id"]),
                reverse=True,
            )
        return self._page(request, key, rows, f"/v2/{key}")

    async def _project_assignments(self, request: web.Request) -> web.Response:
        project = self._project_by_id(request)
        if project is None:
            return self.error(404, "Not found")
        user = request.query.get("user_id")
        rows = self.assignments_of(project["id"])
        if user is not None:
            rows = [a for a in rows if str(a["user"]["id"]) == user]
        path = f"/v2/projects/{project['id']}/user_assignments"
        return self._page(request, "user_assignments", rows, path)

    def _page(
        self, request: web.Request, key: str, rows: list[dict[str, Any]], path: str
    ) -> web.Response:
        q = request.query
        try:
            page = int(q.get("page", "1"))
            per = int(q.get("per_page", "2000"))
            since = q.get("updated_since")
            since_at = (
                dt.datetime.fromisoformat(since.replace("Z", "+00:00"))
                if since
                else None
            )
        except ValueError as exc:
            return self.error(422, f"Invalid parameter: {exc}")
        if not 1 <= per <= 2000 or page < 1:
            return self.error(422, "per_page must be between 1 and 2000")
        if since_at is not None:
            if since_at.tzinfo is None:
                since_at = since_at.replace(tzinfo=dt.UTC)
            rows = [r for r in rows if _parse(r["updated_at"]) >= since_at]
        if key in ("time_entries", "expenses"):  # by spent_date, newest first
            rows = sorted(rows, key=lambda r: (r["spent_date"], r["id"]), reverse=True)
        total_pages = max(1, math.ceil(len(rows) / per))
        base = f"{request.url.origin()}{path}?"
        kept = ("updated_since", "client_id", "is_active", "user_id")
        extra = "".join(f"&{k}={quote(q[k], safe='')}" for k in kept if k in q)

        def link(n: int | None) -> str | None:
            return None if n is None else f"{base}page={n}&per_page={per}{extra}"

        nxt = page + 1 if page < total_pages else None
        prev = page - 1 if page > 1 else None
        return web.json_response(
            {
                key: rows[(page - 1) * per : page * per],
                "per_page": per,
                "total_pages": total_pages,
                "total_entries": len(rows),
                "next_page": nxt,
                "previous_page": prev,
                "page": page,
                "links": {
                    "first": link(1),
                    "next": link(nxt),
                    "previous": link(prev),
                    "last": link(total_pages),
                },
            }
        )

    async def _project(self, request: web.Request) -> web.Response:
        pid = request.match_info["project_id"]
        for record in self.records["projects"]:
            if str(record["id"]) == pid:
                return web.json_response(record)
        return self.error(404, "Not found")

    async def _create_time_entry(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        for field in ("project_id", "task_id", "spent_date"):
            if body.get(field) is None:
                return self.error(
                    422,
                    f"{field.removesuffix('_id').replace('_', ' ').capitalize()} can't be blank",
                )
        project = next(
            (p for p in self.records["projects"] if p["id"] == body["project_id"]), None
        )
        if project is None:
            return self.error(422, "Project is not valid or not assigned to the user")
        user = {"id": body.get("user_id") or 1, "name": "user"}
        entry = self._add(
            "time_entries",
            {
                "spent_date": body["spent_date"],
                "user": user,
                "client": project["client"],
                "project": {"id": project["id"], "name": project["name"]},
                "task": {"id": body["task_id"], "name": "task"},
                "hours": body.get("hours") or 0.0,
                "notes": body.get("notes"),
                "external_reference": body.get("external_reference"),
                "is_locked": False,
                "is_closed": False,
                "is_billed": False,
                "is_running": body.get("hours") is None,
                "billable": True,
            },
        )
        await self.after_commit(request)
        return web.json_response(entry, status=201)


def _parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
