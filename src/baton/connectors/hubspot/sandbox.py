"""A local HubSpot CRM: companies, deals, line items, errors, limits, webhooks.

Serves ``GET /crm/v3/objects/{companies,deals,line_items}`` (``limit`` ≤ 100,
``after``, ``properties``, ``associations``), ``POST …/{type}/search``
(``filterGroups`` EQ/GT/GTE/LT/LTE, ``sorts``, ``limit``, ``after``) and
``GET …/{type}/{id}/associations/{to}``; tokens from ``/oauth/v1/token``
(refresh-token grant); HubSpot's error body and burst-limit headers.
"""

from __future__ import annotations

import datetime as dt
import operator
import time
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import orjson
from aiohttp import web

from baton.connectors.hubspot.mapping import parse_timestamp
from baton.connectors.hubspot.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from baton.connectors.sandbox import RateLimitRule, VendorSandbox

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

__all__ = ["HUBSPOT_LIMIT", "HubSpotSandbox", "deliver_webhooks"]

HUBSPOT_LIMIT = RateLimitRule(100, 10.0)
_CATEGORY = dict(zip((400, 401, 404, 429), ("VALIDATION_ERROR", "INVALID_AUTHENTICATION", "OBJECT_NOT_FOUND", "RATE_LIMITS"), strict=True))  # fmt: skip
_OPS: dict[str, Callable[[Any, Any], bool]] = dict(zip(("EQ", "GT", "GTE", "LT", "LTE"), (operator.eq, operator.gt, operator.ge, operator.lt, operator.le), strict=True))  # fmt: skip


def iso(stamp: dt.datetime) -> str:
    """HubSpot's timestamp format (UTC, milliseconds, ``Z``)."""
    return (
        stamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{stamp.microsecond // 1000:03d}Z"
    )


class HubSpotSandbox(VendorSandbox):
    """HubSpot CRM objects of one portal (see the module docstring).

    Args:
        refresh_tokens: refresh tokens the token endpoint accepts.
        private_tokens: private-app tokens accepted without expiry.
        limit: default the Free/Starter private-app burst limit.
        kwargs: as :class:`~baton.connectors.sandbox.VendorSandbox`.
    """

    vendor = "hubspot"
    token_path = "/oauth/v1/token"  # noqa: S105 - a URL path, not a secret

    def __init__(
        self,
        *,
        refresh_tokens: Sequence[str] = ("refresh-1",),
        private_tokens: Sequence[str] = ("pat",),
        limit: RateLimitRule | None = HUBSPOT_LIMIT,
        **kwargs: Any,
    ) -> None:
        super().__init__(limit=limit, **kwargs)
        self.refresh_tokens = set(refresh_tokens)
        self.tokens.update(dict.fromkeys(private_tokens, float("inf")))
        self.objects: dict[str, dict[str, dict[str, Any]]] = {
            t: {} for t in ("companies", "deals", "line_items")
        }
        self._ids = 1000

    def error(self, status: int, message: str) -> web.Response:
        """HubSpot's error body."""
        category = _CATEGORY.get(status, "ERROR")
        body = {"status": "error", "message": message, "category": category}
        body["correlationId"] = str(uuid.uuid4())
        return web.json_response(body, status=status)

    def limit_headers(self, remaining: int) -> dict[str, str]:
        """HubSpot's burst-window headers (the interval scaled like the window)."""
        rule = self.limit or HUBSPOT_LIMIT
        interval = int(rule.per_seconds * 1000 / self.time_scale)
        left = max(min(remaining, rule.requests), 0)
        pre = "X-HubSpot-RateLimit-"
        return {f"{pre}Max": str(rule.requests), f"{pre}Remaining": str(left),
                f"{pre}Interval-Milliseconds": str(interval)}  # fmt: skip

    def add(
        self,
        object_type: str,
        properties: Mapping[str, str],
        *,
        associations: Mapping[str, Sequence[str]] | None = None,
        modified: dt.datetime | None = None,
    ) -> dict[str, Any]:
        """Store an object; ``hs_lastmodifieddate`` is ``modified`` or now."""
        self._ids += 1
        stamp = iso(modified or dt.datetime.now(dt.UTC))
        obj: dict[str, Any] = {
            "id": str(self._ids),
            "properties": {
                **properties,
                "hs_object_id": str(self._ids),
                "createdate": stamp,
                "hs_lastmodifieddate": stamp,
            },
            "createdAt": stamp,
            "updatedAt": stamp,
            "archived": False,
            "_assoc": {
                to: [{"id": i, "type": f"{object_type[:-1]}_to_{to[:-1]}"} for i in ids]
                for to, ids in (associations or {}).items()
            },
        }
        self.objects[object_type][obj["id"]] = obj
        return obj

    def touch(self, object_type: str, object_id: str, **properties: str) -> None:
        """Change an object now (a new ``hs_lastmodifieddate``)."""
        obj = self.objects[object_type][object_id]
        stamp = iso(dt.datetime.now(dt.UTC))
        obj["properties"].update(properties, hs_lastmodifieddate=stamp)
        obj["updatedAt"] = stamp

    def routes(self, app: web.Application) -> None:  # the CRM v3 object routes
        app.router.add_get("/crm/v3/objects/{type}", self._list)
        app.router.add_post("/crm/v3/objects/{type}/search", self._search)
        app.router.add_get("/crm/v3/objects/{type}/{id}/associations/{to}", self._assoc)

    async def _token(self, request: web.Request) -> web.Response:  # refresh grant
        form = await request.post()
        refresh = str(form.get("refresh_token"))
        if (
            form.get("grant_type") == "refresh_token"
            and refresh not in self.refresh_tokens
        ):
            return self.error(400, "BAD_REFRESH_TOKEN: refresh token is invalid")
        return await super()._token(request)

    def _view(
        self, obj: Mapping[str, Any], props: Sequence[str], assoc: Sequence[str]
    ) -> dict[str, Any]:
        out = {k: v for k, v in obj.items() if not k.startswith("_")}
        if props:
            keep = {*props, "hs_object_id", "createdate", "hs_lastmodifieddate"}
            out["properties"] = {
                k: v for k, v in obj["properties"].items() if k in keep
            }
        links = {
            to: {"results": obj["_assoc"][to]} for to in assoc if obj["_assoc"].get(to)
        }
        if links:
            out["associations"] = links
        return out

    @staticmethod
    def _page(rows: list[dict[str, Any]], after: int, limit: int) -> dict[str, Any]:
        doc: dict[str, Any] = {"results": rows[after : after + limit]}
        if after + limit < len(rows):
            nxt = str(after + limit)
            doc["paging"] = {"next": {"after": nxt, "link": f"?after={nxt}"}}
        return doc

    async def _list(self, request: web.Request) -> web.Response:
        kind, q = request.match_info["type"], request.query
        if kind not in self.objects:
            return self.error(404, f"Unknown object type {kind}")
        limit, after = int(q.get("limit", "10")), int(q.get("after", "0"))
        if not 0 < limit <= 100:
            return self.error(400, f"limit must be between 1 and 100, got {limit}")
        props = [p for p in q.get("properties", "").split(",") if p]
        assoc = [a for a in q.get("associations", "").split(",") if a]
        rows = [self._view(o, props, assoc) for o in self.objects[kind].values()]
        return web.json_response(self._page(rows, after, limit))

    async def _search(self, request: web.Request) -> web.Response:
        kind = request.match_info["type"]
        body = await request.json()
        limit, after = int(body.get("limit", 10)), int(body.get("after", 0))
        if kind not in self.objects or not 0 < limit <= 100:
            return self.error(
                400, f"Invalid search request: limit {limit}, type {kind}"
            )
        groups = body.get("filterGroups") or []  # OR of groups, AND of filters
        rows = [
            r
            for r in self.objects[kind].values()
            if not groups
            or any(all(self._match(r, f) for f in g["filters"]) for g in groups)
        ]
        for key in reversed(body.get("sorts") or []):
            rows.sort(
                key=self._by(key if isinstance(key, str) else key["propertyName"])
            )
        view = [self._view(r, body.get("properties") or [], []) for r in rows]
        return web.json_response({"total": len(view), **self._page(view, after, limit)})

    @staticmethod
    def _by(name: str) -> Callable[[dict[str, Any]], str]:
        return lambda row: str(row["properties"].get(name, ""))

    @staticmethod
    def _match(row: Mapping[str, Any], f: Mapping[str, Any]) -> bool:
        have, want = row["properties"].get(f["propertyName"]), str(f.get("value", ""))
        if have is None:
            return False
        if f["propertyName"].endswith("date"):
            return _OPS[f["operator"]](parse_timestamp(have), parse_timestamp(want))
        return _OPS[f["operator"]](have, want)

    async def _assoc(self, request: web.Request) -> web.Response:
        kind, oid, to = (request.match_info[k] for k in ("type", "id", "to"))
        obj = self.objects.get(kind, {}).get(oid)
        if obj is None:
            return self.error(404, f"Object {kind}/{oid} not found")
        return web.json_response({"results": obj["_assoc"].get(to, [])})


async def deliver_webhooks(
    url: str,
    batches: Sequence[Sequence[Mapping[str, Any]]],
    secret: str,
    *,
    duplicate: bool = False,
    out_of_order: bool = False,
    bad_signature: bool = False,
    age_s: float = 0.0,
) -> list[int]:
    """POST each event batch signed (v3) as HubSpot would; the statuses.

    ``duplicate`` repeats each batch's first event inside it and sends each
    batch twice; ``out_of_order`` reverses events and batches; ``age_s``
    backdates the timestamp; ``bad_signature`` signs with a wrong secret.
    """
    bodies = [[*b, b[0]] if duplicate and b else list(b) for b in batches]
    if duplicate:
        bodies = [b for b in bodies for _ in range(2)]
    if out_of_order:
        bodies = [list(reversed(b)) for b in reversed(bodies)]
    statuses = []
    async with httpx.AsyncClient(timeout=10.0) as client:
        for events in bodies:
            raw = orjson.dumps(events)
            stamp = str(int((time.time() - age_s) * 1000))
            key = "wrong-" + secret if bad_signature else secret
            headers = {
                SIGNATURE_HEADER: sign(key, "POST", url, raw, stamp),
                TIMESTAMP_HEADER: stamp,
                "Content-Type": "application/json",
            }
            resp = await client.post(url, content=raw, headers=headers)
            statuses.append(resp.status_code)
    return statuses
