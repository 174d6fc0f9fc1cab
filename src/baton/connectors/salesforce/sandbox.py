"""A local Salesforce org for contract tests.

Serves ``POST /services/oauth2/token`` (client credentials → ``access_token``
and ``instance_url``), ``GET /services/data/vNN.N/query?q=`` for the simple
SOQL the connector sends (``SELECT f, … FROM X [WHERE SystemModstamp > T]
[ORDER BY …]``), ``nextRecordsUrl`` paging in batches of ``batch_size``,
``GET sobjects/<type>/<id>[?fields=…]``, ``POST composite`` (creates and updates,
``allOrNone`` rolls everything back), and a JSON stand-in for the Pub/Sub
API's ``Fetch`` at ``GET /pubsub/fetch`` (events after a replay id; with
``gap_every`` = N every N-th event is a ``GAP_UPDATE`` without fields).
Single-record writes (upsert by external id, update by Id, read by external
id) and ``GET limits`` are in :mod:`~baton.connectors.salesforce.sandbox_writes`.

Errors use Salesforce's body ``[{"message", "errorCode", "fields"}]``; every
answer carries ``Sforce-Limit-Info: api-usage=used/max`` and a call past
``api_max`` is a 403 ``REQUEST_LIMIT_EXCEEDED``. Records live in memory with
a fake clock: each change moves ``SystemModstamp`` one second on.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from baton.connectors.salesforce.sandbox_writes import REQUIRED, SalesforceWrites

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Mapping

__all__ = ["SalesforceSandbox"]

_CODES = {400: "INVALID_FIELD", 401: "INVALID_SESSION_ID", 403: "REQUEST_LIMIT_EXCEEDED",
          404: "NOT_FOUND"}  # fmt: skip
_SOQL = re.compile(
    r"^SELECT (?P<fields>[\w, ]+) FROM (?P<obj>\w+)"
    r"(?: WHERE SystemModstamp > (?P<since>\S+))?(?: ORDER BY (?P<order>[\w, ]+))?$"
)


class SalesforceSandbox(SalesforceWrites):
    """Salesforce's token, query, sObject, composite, write and event endpoints.

    ``external_ids`` and ``custom_fields`` declare fields per sObject (None:
    ``Account.Baton_Id__c`` as external id, ``Opportunity.Baton_Project_Code__c``).
    """

    vendor = "salesforce"
    token_path = "/services/oauth2/token"  # noqa: S105 - a URL path

    def __init__(
        self, *, batch_size: int = 2, api_max: int = 15000, gap_every: int | None = None,
        multi_currency: bool = False,
        external_ids: Mapping[str, Iterable[str]] | None = None,
        custom_fields: Mapping[str, Iterable[str]] | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(**kwargs)
        self.batch_size = batch_size
        self.api_used, self.api_max = 0, api_max
        self.multi_currency = multi_currency
        self.store_init(gap_every)
        self.writes_init(external_ids, custom_fields)
        self._cursors: dict[str, list[dict[str, Any]]] = {}

    # -- the vendor ------------------------------------------------------------
    def error(self, status: int, message: str, code: str | None = None) -> web.Response:
        """Salesforce's error array."""
        code = code or _CODES.get(status, "UNKNOWN_EXCEPTION")
        body = [{"message": message, "errorCode": code, "fields": []}]
        return web.json_response(body, status=status)

    def limit_headers(self, remaining: int) -> dict[str, str]:  # noqa: ARG002
        """``Sforce-Limit-Info`` (the org's daily allocation, not the window)."""
        return {"Sforce-Limit-Info": f"api-usage={self.api_used}/{self.api_max}"}

    def routes(self, app: web.Application) -> None:
        """The data paths, the allocation check and the event feed."""
        app.middlewares.append(self._allocation)
        app.router.add_get(f"{self.data}/query", self._query)
        app.router.add_get(f"{self.data}/query/{{locator}}", self._more)
        app.router.add_get(f"{self.data}/sobjects/{{type}}/{{id}}", self._get)
        app.router.add_post(f"{self.data}/composite", self._composite)
        self.write_routes(app)
        app.router.add_get("/pubsub/fetch", self._fetch)

    async def _token(self, request: web.Request) -> web.Response:
        resp = await super()._token(request)
        if resp.status == 200 and isinstance(resp.body, bytes):
            doc = json.loads(resp.body)
            doc.pop("expires_in", None)  # Salesforce states no lifetime
            doc["instance_url"] = f"{request.url.origin()}"
            return web.json_response(doc)
        return web.json_response(
            {
                "error": "invalid_client",
                "error_description": "invalid client credentials",
            },
            status=400,
        )

    @web.middleware
    async def _allocation(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        if request.path == self.token_path:
            return await handler(request)
        if self.api_used >= self.api_max:
            return self.error(403, "TotalRequests Limit exceeded.")
        self.api_used += 1
        return await handler(request)

    # -- handlers --------------------------------------------------------------
    async def _query(self, request: web.Request) -> web.Response:
        match = _SOQL.match(request.query.get("q", "").strip())
        if match is None or match["obj"] not in self.objects:
            return self.error(400, "unexpected token in query", "MALFORMED_QUERY")
        sobject, fields = match["obj"], [f.strip() for f in match["fields"].split(",")]
        known = {k for r in self.objects[sobject].values() for k in r} or set(fields)
        if self.multi_currency:
            known.add("CurrencyIsoCode")
        for field in fields:
            if field not in known:
                msg = f"No such column '{field}' on entity '{sobject}'."
                return self.error(400, msg, "INVALID_FIELD")
        rows = list(self.objects[sobject].values())
        if match["since"]:
            try:
                since = dt.datetime.fromisoformat(match["since"].replace("Z", "+00:00"))
            except ValueError:
                return self.error(
                    400, f"invalid date: {match['since']}", "MALFORMED_QUERY"
                )
            rows = [r for r in rows if _at(r) > since]
        order = [o.strip() for o in (match["order"] or "Id").split(",")]
        rows.sort(key=lambda r: tuple(str(r.get(o)) for o in order))
        locator = f"01g{len(self._cursors):012d}"
        self._cursors[locator] = [self._view(sobject, r, fields) for r in rows]
        return self._batch(locator, 0)

    async def _more(self, request: web.Request) -> web.Response:
        locator, _, start = request.match_info["locator"].partition("-")
        if locator not in self._cursors or not start.isdigit():
            return self.error(400, "invalid query locator", "INVALID_QUERY_LOCATOR")
        return self._batch(locator, int(start))

    def _batch(self, locator: str, start: int) -> web.Response:
        rows = self._cursors[locator]
        end = start + self.batch_size
        doc: dict[str, Any] = {"totalSize": len(rows), "done": end >= len(rows),
                               "records": rows[start:end]}  # fmt: skip
        if end < len(rows):
            doc["nextRecordsUrl"] = f"{self.data}/query/{locator}-{end}"
        return web.json_response(doc)

    async def _get(self, request: web.Request) -> web.Response:
        sobject, sf_id = request.match_info["type"], request.match_info["id"]
        record = self.objects.get(sobject, {}).get(sf_id)
        if record is None:
            return self.error(404, "The requested resource does not exist")
        wanted = request.query.get("fields")
        fields = [f.strip() for f in wanted.split(",")] if wanted else list(record)
        return web.json_response(self._view(sobject, record, ["Id", *fields]))

    async def _composite(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        all_or_none = bool(body.get("allOrNone"))
        before = copy.deepcopy(self.objects), len(self.events)
        counts = self.created.copy(), self.updated.copy()
        origin = self._origin(request)
        subs = body.get("compositeRequest", [])
        answers = [self._apply(sub, origin) for sub in subs]
        if all_or_none and any(a["httpStatusCode"] >= 400 for a in answers):
            self.objects, self.events = before[0], self.events[: before[1]]
            self.created, self.updated = counts
            halted = [{"errorCode": "PROCESSING_HALTED", "fields": [], "message":
                       "The transaction was rolled back since another operation in "
                       "the same transaction failed."}]  # fmt: skip
            for a in answers:
                if a["httpStatusCode"] < 400:
                    a.update(body=halted, httpStatusCode=400)
        await self.after_commit(request)
        return web.json_response({"compositeResponse": answers})

    def _apply(self, sub: dict[str, Any], origin: str) -> dict[str, Any]:
        ref, fields = sub.get("referenceId"), dict(sub.get("body") or {})
        parts = (
            str(sub.get("url", "")).removeprefix(f"{self.data}/sobjects/").split("/")
        )
        sobject = parts[0]

        def answer(status: int, body: Any) -> dict[str, Any]:
            return {
                "body": body,
                "httpHeaders": {},
                "httpStatusCode": status,
                "referenceId": ref,
            }

        if sobject not in self.objects:
            return answer(
                404, [{"errorCode": "NOT_FOUND", "message": "no such sObject"}]
            )
        missing = [f for f in REQUIRED.get(sobject, ()) if not fields.get(f)]
        if sub.get("method") == "POST" and missing:
            msg = f"Required fields are missing: [{', '.join(missing)}]"
            error = {
                "errorCode": "REQUIRED_FIELD_MISSING",
                "message": msg,
                "fields": missing,
            }
            return answer(400, [error])
        if sub.get("method") == "POST":
            return answer(
                201,
                {
                    "id": self.insert(sobject, fields, origin),
                    "success": True,
                    "errors": [],
                },
            )
        if len(parts) == 2 and parts[1] in self.objects[sobject]:
            self.change(sobject, parts[1], fields, origin)
            return answer(204, None)
        return answer(404, [{"errorCode": "NOT_FOUND", "message": "no such record"}])


def _at(record: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(str(record["SystemModstamp"]))
