"""A local BambooHR: employees, changed-since, Basic API keys, 503 throttling.

There is no published BambooHR contract in ``vendor-specs``; every shape
here is [kb] from the research notes (§3, §5.2), not checked against the
vendor: the base path ``/api/gateway.php/{company}/v1``, the directory answer
``{"fields", "employees"}``, ``GET /employees/changed?since=`` answering
``{"latest", "employees": {id: {"id", "action", "lastChanged"}}}`` (``since``
taken as **inclusive** here), ``GET /employees/{id}?fields=a,b`` answering
only the asked fields, ``GET /meta/fields`` answering ``[{"id", "name",
"type", "alias"}]`` (the health check's read), errors as an empty body with the reason in
``X-BambooHR-Error-Message``, and throttling as 503 with ``Retry-After``
(the base's 429 is answered as 503; inject ``Fault(status=503,
retry_after=…)`` for one-off throttles). Auth is an API key as the Basic
username (any password); an unknown key gets a 401.

``lastChanged`` stamps come from a clock that never goes back and moves at
least one second per change (BambooHR stamps to the second [kb]).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import TYPE_CHECKING, Any

import httpx
import orjson
from aiohttp import web

from baton.connectors.bamboohr.client import ERROR_HEADER, api_path
from baton.connectors.bamboohr.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from baton.connectors.sandbox import VendorSandbox

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = ["BambooHRSandbox", "deliver_webhook", "webhook_request"]

_DIRECTORY = (
    "id",
    "displayName",
    "firstName",
    "lastName",
    "jobTitle",
    "workEmail",
    "department",
    "location",
    "division",
    "supervisor",
)
AUTH_MESSAGE = "Invalid API key or company domain"


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).replace(microsecond=0).isoformat()


class BambooHRSandbox(VendorSandbox):
    """One BambooHR company (see the module docstring).

    Args:
        company: the company domain in the path.
        api_keys: accepted API keys.
        kwargs: as :class:`~baton.connectors.sandbox.VendorSandbox`.
    """

    vendor = "bamboohr"

    def __init__(
        self,
        *,
        company: str = "acme",
        api_keys: Iterable[str] = ("key-1",),
        **kwargs: Any,
    ) -> None:
        super().__init__(clients={}, **kwargs)
        self.company = company
        self.api_keys = set(api_keys)
        self.employees: dict[str, dict[str, Any]] = {}
        self.deleted: dict[str, str] = {}
        self._clock = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

    # -- for tests -------------------------------------------------------------
    def stamp(self) -> str:
        """The next ``lastChanged``: now, or one second after the previous one."""
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self._clock = max(now, self._clock + dt.timedelta(seconds=1))
        return _iso(self._clock)

    def put(
        self, bamboo_id: str, last_changed: str | None = None, **fields: Any
    ) -> None:
        """Create or update an employee (stamped now unless ``last_changed``)."""
        record = self.employees.setdefault(
            bamboo_id, {"id": bamboo_id, "status": "Active"}
        )
        record.update(fields)
        record["lastChanged"] = last_changed or self.stamp()

    def delete(self, bamboo_id: str) -> None:
        """Remove an employee; ``changed`` reports it as ``Deleted``."""
        self.employees.pop(bamboo_id)
        self.deleted[bamboo_id] = self.stamp()

    # -- BambooHR's behaviour ---------------------------------------------------
    def error(self, status: int, message: str) -> web.Response:
        """An empty body, the reason in ``X-BambooHR-Error-Message``; 429 → 503."""
        if status == 401:
            message = AUTH_MESSAGE
        return web.Response(
            status=503 if status == 429 else status, headers={ERROR_HEADER: message}
        )

    def _authorized(self, request: web.Request) -> bool:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return False
        try:
            raw = base64.b64decode(auth[6:], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        return raw.partition(":")[0] in self.api_keys

    def routes(self, app: web.Application) -> None:
        """Directory, changed-since and one employee under the company's base."""
        base = api_path(self.company)
        app.router.add_get(f"{base}/employees/directory", self._directory)
        app.router.add_get(f"{base}/employees/changed", self._changed)
        app.router.add_get(f"{base}/employees/{{id}}", self._employee)
        app.router.add_get(f"{base}/meta/fields", self._fields)

    async def _fields(self, _request: web.Request) -> web.Response:
        """``GET /meta/fields``: ``[{id, name, type, alias}]`` [kb]."""
        return web.json_response(
            [
                {
                    "id": i,
                    "name": k,
                    "type": "date" if "Date" in k else "text",
                    "alias": k,
                }
                for i, k in enumerate((*_DIRECTORY, "hireDate", "terminationDate"), 1)
            ]
        )

    async def _directory(self, _request: web.Request) -> web.Response:
        people = [
            {k: e.get(k) for k in _DIRECTORY}
            for e in self.employees.values()
            if e.get("status") == "Active"
        ]
        fields = [{"id": k, "name": k} for k in _DIRECTORY]
        return web.json_response({"fields": fields, "employees": people})

    async def _changed(self, request: web.Request) -> web.Response:
        try:
            since = dt.datetime.fromisoformat(
                request.query["since"].replace("Z", "+00:00")
            )
        except (KeyError, ValueError):
            return self.error(400, "Invalid or missing 'since' parameter")
        found: dict[str, dict[str, str]] = {}
        for bamboo_id, stamp in [
            *((i, str(e["lastChanged"])) for i, e in self.employees.items()),
            *self.deleted.items(),
        ]:
            if dt.datetime.fromisoformat(stamp) >= since:
                action = "Deleted" if bamboo_id in self.deleted else "Updated"
                found[bamboo_id] = {
                    "id": bamboo_id,
                    "action": action,
                    "lastChanged": stamp,
                }
        latest = max(
            (c["lastChanged"] for c in found.values()),
            key=dt.datetime.fromisoformat,
            default=_iso(since),
        )
        return web.json_response({"latest": latest, "employees": found})

    async def _employee(self, request: web.Request) -> web.Response:
        record = self.employees.get(request.match_info["id"])
        if record is None:
            return self.error(404, "Employee not found")
        fields = [f for f in request.query.get("fields", "").split(",") if f]
        return web.json_response(
            {"id": record["id"], **{f: record.get(f) for f in fields}}
        )


def webhook_request(
    employees: Iterable[Mapping[str, Any]], key: str, timestamp: str
) -> tuple[bytes, dict[str, str]]:
    """A webhook body for ``employees`` and the headers BambooHR would sign it with."""
    body = orjson.dumps({"employees": list(employees)})
    return body, {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(key, body, timestamp),
    }


async def deliver_webhook(
    url: str, employees: Iterable[Mapping[str, Any]], key: str, timestamp: str
) -> int:
    """POST one signed delivery to ``url``, as BambooHR would; the status."""
    body, headers = webhook_request(employees, key, timestamp)
    async with httpx.AsyncClient(timeout=10.0) as client:
        resp = await client.post(url, content=body, headers=headers)
    return resp.status_code
