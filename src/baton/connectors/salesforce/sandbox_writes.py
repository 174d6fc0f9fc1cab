"""Single-record writes of the Salesforce sandbox, with Salesforce's rules.

Routes (under ``/services/data/v62.0``):

* ``PATCH sobjects/<type>/<field>/<value>``: upsert by external id. No
  match creates (201 ``{"id", "success", "errors", "created": true}``), one
  match updates (200, ``"created": false``, as in API 46.0 and later), several
  matches are a 300 with the matching records' URLs and change nothing.
  Matching ignores case, as a non-case-sensitive external id does.
* ``PATCH sobjects/<type>/<id>``: update by Id (204, no body).
* ``GET sobjects/<type>/<field>/<value>``: the record by external id (404
  when none, 300 when several).
* ``GET limits``: ``DailyApiRequests`` ``{Max, Remaining}``.

Rules: the field must be declared an external id of the sObject
(``external_ids``), else 404 ``NOT_FOUND``; the body must not name ``Id``
or that field (400 ``INVALID_FIELD``); custom fields (``__c``) must be
declared (``custom_fields``), else 400 ``INVALID_FIELD``; a create without a
required field is 400 ``REQUIRED_FIELD_MISSING``; a validation rule added
with :meth:`SalesforceWrites.add_rule` that finds the record invalid is 400
``FIELD_CUSTOM_VALIDATION_EXCEPTION`` with the rule's message. Writes made
with ``Sforce-Call-Options: client=<id>`` emit change events whose
``changeOrigin`` names the client. Post-commit faults apply after the write
is stored. Shapes of the 300 body and the rule errors are [kb].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from baton.connectors.salesforce.sandbox_store import SalesforceStore
from baton.connectors.sandbox import VendorSandbox

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

__all__ = ["REQUIRED", "Rule", "SalesforceWrites"]

REQUIRED = {"Account": ("Name",), "Opportunity": ("Name", "StageName", "CloseDate")}
DEFAULT_EXTERNAL_IDS = {"Account": ("Baton_Id__c",)}
DEFAULT_CUSTOM_FIELDS = {"Opportunity": ("Baton_Project_Code__c",)}


@dataclass(frozen=True)
class Rule:
    """A validation rule: ``check(record)`` true means the record is refused."""

    sobject: str
    message: str
    check: Callable[[Mapping[str, Any]], bool]
    field: str | None = None


class SalesforceWrites(SalesforceStore, VendorSandbox):
    """The write routes and their rules (see the module docstring)."""

    api_used: int
    api_max: int

    def writes_init(
        self,
        external_ids: Mapping[str, Iterable[str]] | None,
        custom_fields: Mapping[str, Iterable[str]] | None,
    ) -> None:
        """Declare external-id and custom fields; no validation rules."""
        ext = DEFAULT_EXTERNAL_IDS if external_ids is None else external_ids
        custom = DEFAULT_CUSTOM_FIELDS if custom_fields is None else custom_fields
        self.external_ids = {k: set(v) for k, v in ext.items()}
        self.custom_fields = {k: set(v) for k, v in custom.items()}
        for sobject, fields in self.external_ids.items():
            self.custom_fields.setdefault(sobject, set()).update(fields)
        self.rules: list[Rule] = []

    def add_rule(
        self,
        sobject: str,
        message: str,
        check: Callable[[Mapping[str, Any]], bool],
        field: str | None = None,
    ) -> None:
        """Add a validation rule (as an admin does in Setup)."""
        self.rules.append(Rule(sobject, message, check, field))

    def find(self, sobject: str, field: str, value: str) -> list[str]:
        """Ids of the ``sobject`` records whose ``field`` matches ``value``."""
        want = value.casefold()
        return [
            sf_id
            for sf_id, r in self.objects.get(sobject, {}).items()
            if r.get(field) is not None and str(r[field]).casefold() == want
        ]

    def write_routes(self, app: web.Application) -> None:
        """Add the write routes and ``limits``."""
        base = f"{self.data}/sobjects/{{type}}"
        app.router.add_patch(f"{base}/{{id}}", self._update)
        app.router.add_get(f"{base}/{{field}}/{{value}}", self._by_external_id)
        app.router.add_patch(f"{base}/{{field}}/{{value}}", self._upsert)
        app.router.add_get(f"{self.data}/limits", self._limits)

    # -- answers -------------------------------------------------------------
    @staticmethod
    def _fail(
        status: int, code: str, message: str, fields: list[str] | None = None
    ) -> web.Response:
        body = [{"message": message, "errorCode": code, "fields": fields or []}]
        return web.json_response(body, status=status)

    def _origin(self, request: web.Request) -> str:
        version = self.data.rsplit("/v", 1)[-1]
        origin = f"com/salesforce/api/rest/{version}"
        for part in request.headers.get("Sforce-Call-Options", "").split(","):
            key, _, value = part.strip().partition("=")
            if key == "client" and value:
                origin += f";client={value}"
        return origin

    def _refused(
        self, sobject: str, fields: Mapping[str, Any], record: Mapping[str, Any]
    ) -> web.Response | None:
        """The 400 a write of ``fields`` giving ``record`` gets, if any."""
        declared = self.custom_fields.get(sobject, set())
        for name in fields:
            if name.endswith("__c") and name not in declared:
                msg = f"No such column '{name}' on sobject of type {sobject}"
                return self._fail(400, "INVALID_FIELD", msg, [name])
        if "Id" not in record:
            missing = [f for f in REQUIRED.get(sobject, ()) if not record.get(f)]
            if missing:
                msg = f"Required fields are missing: [{', '.join(missing)}]"
                return self._fail(400, "REQUIRED_FIELD_MISSING", msg, missing)
        for rule in self.rules:
            if rule.sobject == sobject and rule.check(record):
                fields_ = [rule.field] if rule.field else []
                code = "FIELD_CUSTOM_VALIDATION_EXCEPTION"
                return self._fail(400, code, rule.message, fields_)
        return None

    def _matches(self, request: web.Request) -> tuple[str, list[str]] | web.Response:
        sobject, field = request.match_info["type"], request.match_info["field"]
        if sobject not in self.objects:
            return self._fail(404, "NOT_FOUND", "The requested resource does not exist")
        if field not in self.external_ids.get(sobject, set()):
            msg = f"Provided external ID field does not exist or is not accessible: {field}"
            return self._fail(404, "NOT_FOUND", msg)
        return sobject, self.find(sobject, field, request.match_info["value"])

    def _several(self, sobject: str, ids: list[str]) -> web.Response:
        urls = [f"{self.data}/sobjects/{sobject}/{i}" for i in ids]
        return web.json_response(urls, status=300)

    # -- handlers --------------------------------------------------------------
    async def _by_external_id(self, request: web.Request) -> web.Response:
        found = self._matches(request)
        if isinstance(found, web.Response):
            return found
        sobject, ids = found
        if not ids:
            return self._fail(404, "NOT_FOUND", "The requested resource does not exist")
        if len(ids) > 1:
            return self._several(sobject, ids)
        record = self.objects[sobject][ids[0]]
        return web.json_response(self._view(sobject, record, list(record)))

    async def _upsert(self, request: web.Request) -> web.StreamResponse:
        found = self._matches(request)
        if isinstance(found, web.Response):
            return found
        sobject, ids = found
        field, value = request.match_info["field"], request.match_info["value"]
        fields = dict(await request.json() or {})
        for name in ("Id", field):
            if name in fields:
                msg = f"The {name} field should not be specified in the sobject data."
                return self._fail(400, "INVALID_FIELD", msg, [name])
        if len(ids) > 1:
            return self._several(sobject, ids)
        current = self.objects[sobject][ids[0]] if ids else {field: value}
        refused = self._refused(sobject, fields, {**current, **fields})
        if refused is not None:
            return refused
        origin = self._origin(request)
        if ids:
            self.change(sobject, ids[0], fields, origin)
            sf_id, status = ids[0], 200
        else:
            sf_id, status = self.insert(sobject, {field: value, **fields}, origin), 201
        await self.after_commit(request)
        body = {"id": sf_id, "success": True, "errors": [], "created": status == 201}
        return web.json_response(body, status=status)

    async def _update(self, request: web.Request) -> web.StreamResponse:
        sobject, sf_id = request.match_info["type"], request.match_info["id"]
        record = self.objects.get(sobject, {}).get(sf_id)
        if record is None:
            return self._fail(404, "NOT_FOUND", "The requested resource does not exist")
        fields = dict(await request.json() or {})
        if "Id" in fields:
            msg = "The Id field should not be specified in the sobject data."
            return self._fail(400, "INVALID_FIELD", msg, ["Id"])
        refused = self._refused(sobject, fields, {**record, **fields})
        if refused is not None:
            return refused
        self.change(sobject, sf_id, fields, self._origin(request))
        await self.after_commit(request)
        return web.Response(status=204)

    async def _limits(self, request: web.Request) -> web.Response:  # noqa: ARG002
        remaining = max(self.api_max - self.api_used, 0)
        return web.json_response(
            {"DailyApiRequests": {"Max": self.api_max, "Remaining": remaining}}
        )
