"""The HubSpot sandbox's read routes: list, search, read one, associations.

``GET /crm/v3/objects/{type}`` (``limit`` ≤ 100, ``after``, ``properties``,
``associations``); ``POST …/{type}/search`` (``filterGroups`` of AND-ed
EQ/GT/GTE/LT/LTE filters, OR-ed groups; ``sorts``; ``limit``; ``after``);
``GET …/{type}/{id}`` by internal id or by a unique property
(``idProperty``), 404 ``OBJECT_NOT_FOUND`` when none holds it;
``GET …/{type}/{id}/associations/{to}``; ``GET /crm/v3/properties/{type}/{name}``
(the definition, ``hasUniqueValue`` included; 404 when the portal lacks it).
"""

from __future__ import annotations

import datetime as dt
import operator
from typing import TYPE_CHECKING, Any

from aiohttp import web

from baton.connectors.hubspot.values import parse_timestamp

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from baton.connectors.hubspot.sandbox import HubSpotSandbox

__all__ = ["CrmReads", "iso", "view"]

_OPS: dict[str, Callable[[Any, Any], bool]] = dict(zip(("EQ", "GT", "GTE", "LT", "LTE"), (operator.eq, operator.gt, operator.ge, operator.lt, operator.le), strict=True))  # fmt: skip
_ALWAYS = ("hs_object_id", "createdate", "hs_lastmodifieddate")


def iso(stamp: dt.datetime) -> str:
    """HubSpot's timestamp format (UTC, milliseconds, ``Z``)."""
    return (
        stamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{stamp.microsecond // 1000:03d}Z"
    )


def view(
    obj: Mapping[str, Any], props: Sequence[str] = (), assoc: Sequence[str] = ()
) -> dict[str, Any]:
    """The public shape of a stored object (private ``_`` keys dropped)."""
    out = {k: v for k, v in obj.items() if not k.startswith("_")}
    if props:
        keep = {*props, *_ALWAYS}
        out["properties"] = {k: v for k, v in obj["properties"].items() if k in keep}
    links = {
        to: {"results": obj["_assoc"][to]} for to in assoc if obj["_assoc"].get(to)
    }
    if links:
        out["associations"] = links
    return out


def _page(rows: list[dict[str, Any]], after: int, limit: int) -> dict[str, Any]:
    doc: dict[str, Any] = {"results": rows[after : after + limit]}
    if after + limit < len(rows):
        nxt = str(after + limit)
        doc["paging"] = {"next": {"after": nxt, "link": f"?after={nxt}"}}
    return doc


def _split(text: str) -> list[str]:
    return [p for p in text.split(",") if p]


def _by(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda row: str(row["properties"].get(name, ""))


def _match(row: Mapping[str, Any], f: Mapping[str, Any]) -> bool:
    have, want = row["properties"].get(f["propertyName"]), str(f.get("value", ""))
    if have is None:
        return False
    if f["propertyName"].endswith("date"):
        return _OPS[f["operator"]](parse_timestamp(have), parse_timestamp(want))
    return _OPS[f["operator"]](have, want)


class CrmReads:
    """Read handlers over one sandbox's objects."""

    def __init__(self, box: HubSpotSandbox) -> None:
        self.box = box

    def add_routes(self, app: web.Application) -> None:
        """Register the read routes."""
        base = "/crm/v3/objects/{type}"
        app.router.add_get(base, self.list)
        app.router.add_post(f"{base}/search", self.search)
        app.router.add_get(f"{base}/{{id}}", self.read)
        app.router.add_get(f"{base}/{{id}}/associations/{{to}}", self.associations)
        app.router.add_get("/crm/v3/properties/{type}/{name}", self.property)

    async def list(self, request: web.Request) -> web.Response:
        """One page of a type's objects."""
        kind, q = request.match_info["type"], request.query
        if kind not in self.box.objects:
            return self.box.error(404, f"Unknown object type {kind}")
        limit, after = int(q.get("limit", "10")), int(q.get("after", "0"))
        if not 0 < limit <= 100:
            return self.box.error(400, f"limit must be between 1 and 100, got {limit}")
        props, assoc = (
            _split(q.get("properties", "")),
            _split(q.get("associations", "")),
        )
        rows = [view(o, props, assoc) for o in self.box.objects[kind].values()]
        return web.json_response(_page(rows, after, limit))

    async def search(self, request: web.Request) -> web.Response:
        """Objects matching the filter groups, sorted, one page."""
        kind = request.match_info["type"]
        body = await request.json()
        limit, after = int(body.get("limit", 10)), int(body.get("after", 0))
        if kind not in self.box.objects or not 0 < limit <= 100:
            return self.box.error(
                400, f"Invalid search request: limit {limit}, type {kind}"
            )
        groups = body.get("filterGroups") or []  # OR of groups, AND of filters
        rows = [
            r
            for r in self.box.objects[kind].values()
            if not groups
            or any(all(_match(r, f) for f in g["filters"]) for g in groups)
        ]
        for key in reversed(body.get("sorts") or []):
            name = key if isinstance(key, str) else key["propertyName"]
            rows.sort(key=_by(name))
        found = [view(r, body.get("properties") or []) for r in rows]
        return web.json_response({"total": len(found), **_page(found, after, limit)})

    async def read(self, request: web.Request) -> web.Response:
        """One object by internal id or by a unique property's value."""
        kind, key, q = (
            request.match_info["type"],
            request.match_info["id"],
            request.query,
        )
        obj, problem = self.box.resolve(kind, key, q.get("idProperty"))
        if problem is not None:
            return problem
        if obj is None:
            return self.box.not_found(key)
        props, assoc = (
            _split(q.get("properties", "")),
            _split(q.get("associations", "")),
        )
        return web.json_response(view(obj, props, assoc))

    async def associations(self, request: web.Request) -> web.Response:
        """The ids associated with one object."""
        kind, oid, to = (request.match_info[k] for k in ("type", "id", "to"))
        obj = self.box.objects.get(kind, {}).get(oid)
        if obj is None:
            return self.box.error(404, f"Object {kind}/{oid} not found")
        return web.json_response({"results": obj["_assoc"].get(to, [])})

    async def property(self, request: web.Request) -> web.Response:
        """One property's definition (a text property in the sandbox)."""
        kind, name = request.match_info["type"], request.match_info["name"]
        unique = self.box.properties.get(kind, {}).get(name)
        if unique is None:
            return self.box.error(404, f"Property {name} does not exist for {kind}")
        group = {"companies": "companyinformation", "deals": "dealinformation"}
        return web.json_response(
            {
                "name": name,
                "label": name.replace("_", " ").capitalize(),
                "type": "string",
                "fieldType": "text",
                "description": "",
                "groupName": group.get(kind, "lineiteminformation"),
                "options": [],
                "hasUniqueValue": unique,
                "hidden": False,
                "formField": False,
            }
        )
