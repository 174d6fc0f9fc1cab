"""Harvest sandbox writes: projects, user assignments, ``/users/me``, OAuth tokens.

Behaviour the connector relies on, as the sandbox plays it:

* ``POST /v2/projects`` checks the required fields and values and answers
  422 ``{"code": 422, "message": …}`` in Rails wording ("Name can't be
  blank") [kb: Harvest's exact texts]; a ``code`` already in use is
  **accepted** (Harvest documents no uniqueness rule [kb]), so duplicates
  can exist and the connector's lookup must pick deterministically;
* ``POST /v2/projects/{id}/user_assignments``: 404 for an unknown project,
  422 for a missing or unknown user and for a user already on the project;
* records created through the API carry the wall clock's ``created_at`` and
  ``updated_at`` (as Harvest's own clock would), seeded ones the fake clock;
* ``POST /api/v2/oauth2/token`` (Harvest ID's path): the refresh-token grant
  with the client's id and secret in the form; answers a bearer token that
  lives :attr:`token_ttl` (14 days unless a test shortens it) and the
  refresh token; a revoked refresh token is 400 ``invalid_grant``.

Counts for tests: ``state.requests`` (per method and path),
``state.tokens_issued``, :attr:`refused_refreshes` and the records.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from aiohttp import web

from baton.connectors.sandbox import VendorSandbox

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["HarvestWrites"]

_BILL_BY = frozenset({"Project", "Tasks", "People", "none"})
_BUDGET_BY = frozenset(
    {"project", "project_cost", "task", "task_fees", "person", "none"}
)
_ME = {
    "id": 1782884,
    "first_name": "Bob",
    "last_name": "Powell",
    "email": "bobpowell@example.com",
    "telephone": "",
    "timezone": "Mountain Time (US & Canada)",
    "has_access_to_all_future_projects": False,
    "is_contractor": False,
    "is_active": True,
    "weekly_capacity": 126000,
    "default_hourly_rate": 100.0,
    "cost_rate": 75.0,
    "roles": [],
    "access_roles": ["administrator"],
    "avatar_url": "",
    "created_at": "2020-05-01T20:41:00Z",
    "updated_at": "2020-05-01T20:42:25Z",
}


class HarvestWrites(VendorSandbox):
    """Write routes mixed into :class:`~baton.connectors.harvest.sandbox.HarvestSandbox`."""

    records: dict[str, list[dict[str, Any]]]
    # from HarvestSeed (an annotation only: it does not shadow the method)
    _add: Callable[[str, dict[str, Any]], dict[str, Any]]

    def writes_init(self) -> None:
        """Harvest clients, accepted refresh tokens and the refusal count."""
        self.harvest_clients: dict[int, dict[str, Any]] = {
            5735774: {"id": 5735774, "name": "ABC Corp", "currency": "USD"},
            5735776: {"id": 5735776, "name": "123 Industries", "currency": "EUR"},
        }
        self.refresh_tokens: set[str] = {"rt-1"}
        self.refused_refreshes = 0

    # -- routes ------------------------------------------------------------------
    async def me(self, request: web.Request) -> web.Response:  # noqa: ARG002
        """``GET /v2/users/me``: the token's user."""
        return web.json_response(_ME)

    async def create_project(self, request: web.Request) -> web.StreamResponse:
        """``POST /v2/projects``."""
        body = await request.json()
        problem = self._project_problem(body)
        if problem:
            return self.error(422, problem)
        client = self.harvest_clients[int(body["client_id"])]
        fields = (
            "hourly_rate",
            "budget",
            "cost_budget",
            "fee",
            "starts_on",
            "ends_on",
            "over_budget_notification_date",
        )
        project = self._add(
            "projects",
            {
                "created_at": _wall_clock(),
                "client": dict(client),
                "name": body["name"],
                "code": body.get("code"),
                "is_active": body.get("is_active", True),
                "is_billable": body["is_billable"],
                "is_fixed_fee": body.get("is_fixed_fee", False),
                "bill_by": body["bill_by"],
                "budget_by": body["budget_by"],
                "budget_is_monthly": body.get("budget_is_monthly", False),
                "notify_when_over_budget": False,
                "over_budget_notification_percentage": 80.0,
                "show_budget_to_all": False,
                "cost_budget_include_expenses": False,
                "notes": body.get("notes") or "",
                **{f: body.get(f) for f in fields},
            },
        )
        await self.after_commit(request)
        return web.json_response(project, status=201)

    def _project_problem(self, body: Any) -> str | None:
        if not isinstance(body, dict):
            return "Body must be a JSON object"
        for field in ("client_id", "name", "is_billable", "bill_by", "budget_by"):
            if body.get(field) is None or body.get(field) == "":
                return f"{field.removesuffix('_id').replace('_', ' ').capitalize()} can't be blank"
        if not isinstance(body["client_id"], int) or (
            body["client_id"] not in self.harvest_clients
        ):
            return "Client is not valid"
        if body["bill_by"] not in _BILL_BY:
            return "Bill by is not included in the list"
        if body["budget_by"] not in _BUDGET_BY:
            return "Budget by is not included in the list"
        for field in ("hourly_rate", "budget", "cost_budget", "fee"):
            value = body.get(field)
            if value is not None and (not isinstance(value, int | float) or value < 0):
                return f"{field.replace('_', ' ').capitalize()} must be greater than or equal to 0"
        try:
            days = [
                dt.date.fromisoformat(body[f]) if body.get(f) else None
                for f in ("starts_on", "ends_on")
            ]
        except (TypeError, ValueError):
            return "Starts on and ends on must be dates (YYYY-MM-DD)"
        if days[0] and days[1] and days[1] < days[0]:
            return "Ends on must be on or after starts on"
        return None

    def _project_by_id(self, request: web.Request) -> dict[str, Any] | None:
        pid = request.match_info["project_id"]
        return next((p for p in self.records["projects"] if str(p["id"]) == pid), None)

    async def create_user_assignment(self, request: web.Request) -> web.StreamResponse:
        """``POST /v2/projects/{project_id}/user_assignments``."""
        project = self._project_by_id(request)
        if project is None:
            return self.error(404, "Not found")
        body = await request.json()
        user_id = body.get("user_id") if isinstance(body, dict) else None
        user = next((u for u in self.records["users"] if u["id"] == user_id), None)
        if user_id is None:
            return self.error(422, "User can't be blank")
        if user is None:
            return self.error(422, "User is not valid")
        if self.assignments_of(project["id"], user_id):
            return self.error(422, "User has already been assigned to this project")
        rate = body.get("hourly_rate")
        if rate is not None and (not isinstance(rate, int | float) or rate < 0):
            return self.error(422, "Hourly rate must be greater than or equal to 0")
        name = f"{user['first_name']} {user['last_name']}"
        assignment = self._add(
            "user_assignments",
            {
                "created_at": _wall_clock(),
                "project": {k: project[k] for k in ("id", "name", "code")},
                "user": {"id": user["id"], "name": name},
                "is_active": body.get("is_active", True),
                "is_project_manager": body.get("is_project_manager", False),
                "use_default_rates": body.get("use_default_rates", True),
                "hourly_rate": rate if rate is not None else 0.0,
                "budget": body.get("budget"),
            },
        )
        await self.after_commit(request)
        return web.json_response(assignment, status=201)

    def assignments_of(
        self, project_id: int, user_id: int | None = None
    ) -> list[dict[str, Any]]:
        """A project's user assignments (one user's, when given), newest first."""
        rows = [
            a
            for a in self.records["user_assignments"]
            if a["project"]["id"] == project_id
            and (user_id is None or a["user"]["id"] == user_id)
        ]
        return sorted(rows, key=lambda a: a["id"], reverse=True)

    # -- Harvest ID ----------------------------------------------------------------
    def revoke_refresh_tokens(self) -> None:
        """Refuse every refresh token from now on (the user revoked the app)."""
        self.refresh_tokens.clear()

    async def _token(self, request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            form: dict[str, str] = {
                k: str(v) for k, v in (await request.json()).items()
            }
        else:
            form = {k: str(v) for k, v in (await request.post()).items()}
        if form.get("grant_type") != "refresh_token":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if not secret or self.clients.get(client_id) != secret:
            return web.json_response({"error": "invalid_client"}, status=401)
        refresh = form.get("refresh_token", "")
        if refresh not in self.refresh_tokens:
            self.refused_refreshes += 1
            return web.json_response(
                {
                    "error": "invalid_grant",
                    "error_description": "The refresh token is invalid or revoked",
                },
                status=400,
            )
        return self.issue_token(refresh_token=refresh)


def _wall_clock() -> str:
    """Harvest stamps records it creates with its own clock (seeds use a fake one)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
