"""A local Workday tenant: staffing v6 workers, person v4 legal names, OAuth 2.0.

Paths (under ``/ccx/api``) and answer shapes follow the published specs
[spec]: staffing ``GET /staffing/v6/{tenant}/workers`` (``limit`` default 20,
at most 100, ``offset``; ``{"total", "data"}``), ``/workers/{ID}``,
``/workers/{ID}/serviceDates``, ``/supervisoryOrganizations/{ID}``, and
person ``GET /person/v4/{tenant}/people/{ID}/legalName``. Errors are
``{"error", "errors": [{"error", "code"}]}``. The token endpoint is
``/ccx/oauth2/{tenant}/token`` [kb], accepting client credentials and the
refresh-token grant (client id and secret as Basic or form fields).
Throttling is the base's 429 with ``Retry-After``; inject ``Fault(status=503,
retry_after=…)`` for Workday's other throttling answer. RaaS custom reports
are served by :class:`~.raas_sandbox.RaasReports` (:attr:`WorkdaySandbox.raas`).
"""

from __future__ import annotations

import base64
from typing import Any

from aiohttp import web

from baton.connectors.sandbox import VendorSandbox
from baton.connectors.workday.client import MAX_LIMIT, token_path
from baton.connectors.workday.raas_sandbox import RaasReports

__all__ = ["WorkdaySandbox"]

EMPLOYEE = {"id": "9248d1ef1e3510000d2b3d4ae8450000", "descriptor": "Employee"}
CONTINGENT = {
    "id": "9248d1ef1e3510000d2b3d4ae8450001",
    "descriptor": "Contingent Worker",
}


class WorkdaySandbox(VendorSandbox):
    """One Workday tenant (see the module docstring).

    Args:
        tenant: the tenant name in the paths.
        refresh_tokens: accepted refresh tokens.
        kwargs: as :class:`~baton.connectors.sandbox.VendorSandbox`.
    """

    vendor = "workday"

    def __init__(
        self,
        *,
        tenant: str = "acme",
        refresh_tokens: tuple[str, ...] = ("refresh-1",),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.tenant = tenant
        self.token_path = token_path(tenant)
        self.refresh_tokens = set(refresh_tokens)
        self.workers: dict[str, dict[str, Any]] = {}
        self.service_dates: dict[str, dict[str, Any]] = {}
        self.names: dict[str, dict[str, Any]] = {}
        self.organizations: dict[str, dict[str, Any]] = {}
        self.answers: list[tuple[str, str, dict[str, Any]]] = []
        self.raas = RaasReports(tenant, self.error)

    # -- for tests -------------------------------------------------------------
    def put(
        self,
        wid: str,
        *,
        first: str,
        last: str,
        hire_date: str | None,
        contingent: bool = False,
        org: str | None = None,
        job_profile: str | None = None,
        location: str | None = None,
        email: str | None = None,
    ) -> None:
        """Create or replace a worker with its person, name and service dates."""
        person_id = f"p{wid}"
        job: dict[str, Any] = {"id": f"j{wid}", "businessTitle": "Consultant"}
        if org:
            job["supervisoryOrganization"] = {"id": org, "descriptor": org}
        if job_profile:
            job["jobProfile"] = {"id": job_profile, "descriptor": job_profile}
        if location:
            job["location"] = {"id": location, "descriptor": location}
        person: dict[str, Any] = {"id": person_id}
        if email:
            person["email"] = email
        self.workers[wid] = {
            "id": wid,
            "descriptor": f"{first} {last}",
            "workerId": f"{'C' if contingent else 'E'}-{wid}",
            "workerType": dict(CONTINGENT if contingent else EMPLOYEE),
            "person": person,
            "primaryJob": job,
        }
        self.names[person_id] = {"id": person_id, "first": first, "primary": last}
        self.service_dates[wid] = {"hireDate": hire_date} if hire_date else {}

    def report_entry(
        self, wid: str, termination: str | None, **extra: Any
    ) -> dict[str, Any]:
        """A RaaS entry for stored worker ``wid`` under the default aliases."""
        worker = self.workers[wid]
        name = self.names[worker["person"]["id"]]
        return {
            "Workday_ID": wid,
            "Employee_ID": worker["workerId"],
            "Worker_Type": worker["workerType"]["descriptor"],
            "Legal_Name_First_Name": name["first"],
            "Legal_Name_Last_Name": name["primary"],
            "Hire_Date": self.service_dates[wid].get("hireDate"),
            "Termination_Date": termination,
            **extra,
        }

    def put_organization(self, org_id: str, managers: list[str]) -> None:
        """A supervisory organization managed by ``managers`` (WIDs)."""
        self.organizations[org_id] = {
            "id": org_id,
            "descriptor": org_id,
            "name": org_id,
            "managers": [{"id": m, "descriptor": m} for m in managers],
        }

    # -- Workday's behaviour ---------------------------------------------------
    def error(self, status: int, message: str) -> web.Response:
        """``{"error", "errors": [...]}`` (the validation error model)."""
        code = "S22" if status == 400 else f"HTTP{status}"
        body = {"error": message, "errors": [{"error": message, "code": code}]}
        return web.json_response(body, status=status)

    def _authorized(self, request: web.Request) -> bool:
        return super()._authorized(request) or self.raas.basic_ok(request)

    def routes(self, app: web.Application) -> None:
        """Workers, service dates, organizations, legal names, RaaS reports."""
        self.raas.routes(app)
        staffing = f"/ccx/api/staffing/v6/{self.tenant}"
        app.router.add_get(f"{staffing}/workers", self._workers)
        app.router.add_get(f"{staffing}/workers/{{id}}", self._worker)
        app.router.add_get(f"{staffing}/workers/{{id}}/serviceDates", self._dates)
        app.router.add_get(
            f"{staffing}/supervisoryOrganizations/{{id}}", self._organization
        )
        person = f"/ccx/api/person/v4/{self.tenant}"
        app.router.add_get(f"{person}/people/{{id}}/legalName", self._name)

    def _json(self, spec_path: str, body: dict[str, Any]) -> web.Response:
        self.answers.append(
            (
                "workday-staffing-v6"
                if "people" not in spec_path
                else "workday-person-v4",
                spec_path,
                body,
            )
        )
        return web.json_response(body)

    async def _workers(self, request: web.Request) -> web.Response:
        try:
            limit = int(request.query.get("limit", "20"))
            offset = int(request.query.get("offset", "0"))
        except ValueError:
            return self.error(400, "limit and offset must be integers")
        if not 1 <= limit <= MAX_LIMIT or offset < 0:
            return self.error(400, f"limit must be between 1 and {MAX_LIMIT}")
        everyone = list(self.workers.values())
        page = everyone[offset : offset + limit]
        return self._json("/workers", {"total": len(everyone), "data": page})

    async def _worker(self, request: web.Request) -> web.Response:
        found = self.workers.get(request.match_info["id"])
        if found is None:
            return self.error(404, "Resource not found")
        return self._json("/workers/{ID}", found)

    async def _dates(self, request: web.Request) -> web.Response:
        wid = request.match_info["id"]
        if wid not in self.workers:
            return self.error(404, "Resource not found")
        data = [self.service_dates[wid]] if self.service_dates.get(wid) else []
        return self._json(
            "/workers/{ID}/serviceDates", {"total": len(data), "data": data}
        )

    async def _organization(self, request: web.Request) -> web.Response:
        found = self.organizations.get(request.match_info["id"])
        if found is None:
            return self.error(404, "Resource not found")
        return self._json("/supervisoryOrganizations/{ID}", found)

    async def _name(self, request: web.Request) -> web.Response:
        found = self.names.get(request.match_info["id"])
        data = [found] if found else []
        return self._json("/people/{ID}/legalName", {"total": len(data), "data": data})

    async def _token(self, request: web.Request) -> web.Response:
        """Client credentials (the base) or the refresh-token grant."""
        form = await request.post()
        if form.get("grant_type") != "refresh_token":
            return await super()._token(request)
        if str(form.get("refresh_token", "")) not in self.refresh_tokens:
            return web.json_response({"error": "invalid_grant"}, status=400)
        if not self._client_ok(request, form):
            return web.json_response({"error": "invalid_client"}, status=401)
        return self.issue_token()

    def _client_ok(self, request: web.Request, form: Any) -> bool:
        client_id, secret = (
            str(form.get("client_id", "")),
            str(form.get("client_secret", "")),
        )
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        return bool(secret) and self.clients.get(client_id) == secret
