"""The HubSpot sandbox's write routes: create, update, batch upsert.

* ``POST /crm/v3/objects/{type}`` ``{"properties"}`` → 201; a value of a
  unique property another object holds → 409 ``CONFLICT`` ``Company already
  exists. Existing ID: <id>`` with a detail naming the property (the shape
  of HubSpot's contact conflict; for custom unique properties [kb]).
* ``PATCH …/{type}/{id}`` (``idProperty`` optional) → 200; 404 when none.
* ``POST …/{type}/batch/upsert`` ``{"inputs": [{"id", "idProperty",
  "properties"}]}`` → 200 ``{"status": "COMPLETE", "results": [… "new"]}``:
  the object holding ``id`` in ``idProperty`` is updated, else created
  holding it. ``idProperty`` must be declared unique (else 400, HubSpot's
  message); a value twice in one batch → 400.

A property the portal does not define → 400 ``VALIDATION_ERROR`` ``Property
values were not valid: [...]`` with ``PROPERTY_DOESNT_EXIST`` (the 2021
spec says such properties are ignored; current HubSpot refuses them [kb]).
Each write calls ``after_commit`` once stored, so injected resets land
after the work is done.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from baton.connectors.hubspot.sandbox_reads import iso, view

if TYPE_CHECKING:
    from collections.abc import Mapping

    from baton.connectors.hubspot.sandbox import HubSpotSandbox

__all__ = ["CrmWrites"]

_READ_ONLY = frozenset({"hs_object_id", "createdate", "hs_lastmodifieddate"})
_MAX_BATCH = 100
_NOUN = {"companies": "company", "deals": "deal", "line_items": "line item"}


class CrmWrites:
    """Write handlers over one sandbox's objects."""

    def __init__(self, box: HubSpotSandbox) -> None:
        self.box = box

    def add_routes(self, app: web.Application) -> None:
        """Register the write routes."""
        base = "/crm/v3/objects/{type}"
        app.router.add_post(base, self.create)
        app.router.add_patch(f"{base}/{{id}}", self.update)
        app.router.add_post(f"{base}/batch/upsert", self.upsert)

    def _invalid(self, kind: str, props: Mapping[str, Any]) -> web.Response | None:
        known = self.box.properties[kind]
        bad = [
            {
                "isValid": False,
                "message": f'Property "{name}" does not exist',
                "error": "PROPERTY_DOESNT_EXIST",
                "name": name,
            }
            for name in props
            if name not in known and name not in _READ_ONLY
        ]
        bad += [
            {
                "isValid": False,
                "message": f'Property "{name}" must be a string',
                "error": "INVALID_STRING",
                "name": name,
            }
            for name, value in props.items()
            if not isinstance(value, str)
        ]
        if not bad:
            return None
        text = orjson.dumps(bad).decode()
        return self.box.error(400, f"Property values were not valid: {text}")

    def _conflict(
        self, kind: str, props: Mapping[str, str], own_id: str | None
    ) -> web.Response | None:
        for name, value in props.items():
            if not self.box.properties[kind].get(name, False):
                continue
            for other in self.box.holding(kind, name, value):
                if other["id"] != own_id:
                    noun = _NOUN.get(kind, kind)
                    found = f"already exists. Existing ID: {other['id']}"
                    detail = f"A {noun} with {name} {value} {found}"
                    return self.box.error(
                        409,
                        f"{noun.capitalize()} {found}",
                        errors=[{"message": detail, "in": name}],
                    )
        return None

    def _store(
        self, kind: str, props: Mapping[str, str], obj: dict[str, Any] | None
    ) -> dict[str, Any]:
        writable = {k: v for k, v in props.items() if k not in _READ_ONLY}
        if obj is None:
            self.box.created[kind] += 1
            return self.box.add(kind, writable)
        self.box.updated[kind] += 1
        self.box.touch(kind, obj["id"], **writable)
        return obj

    async def create(self, request: web.Request) -> web.Response:
        """Create one object (409 on a taken unique value)."""
        kind = request.match_info["type"]
        if kind not in self.box.objects:
            return self.box.error(400, f"Unable to infer object type from: {kind}")
        body = await request.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            return self.box.error(400, "Invalid input JSON: properties is required")
        problem = self._invalid(kind, props) or self._conflict(kind, props, None)
        if problem is not None:
            return problem
        obj = self._store(kind, props, None)
        await self.box.after_commit(request)
        return web.json_response(view(obj), status=201)

    async def update(self, request: web.Request) -> web.Response:
        """Update one object's properties (by id or unique value)."""
        kind, key = request.match_info["type"], request.match_info["id"]
        obj, problem = self.box.resolve(kind, key, request.query.get("idProperty"))
        if problem is not None:
            return problem
        if obj is None:
            return self.box.not_found(key)
        body = await request.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            return self.box.error(400, "Invalid input JSON: properties is required")
        problem = self._invalid(kind, props) or self._conflict(kind, props, obj["id"])
        if problem is not None:
            return problem
        self._store(kind, props, obj)
        await self.box.after_commit(request)
        return web.json_response(view(obj))

    async def upsert(self, request: web.Request) -> web.Response:
        """Create or update each input by its unique property's value."""
        kind = request.match_info["type"]
        if kind not in self.box.objects:
            return self.box.error(400, f"Unable to infer object type from: {kind}")
        started = dt.datetime.now(dt.UTC)
        body = await request.json()
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list) or not 0 < len(inputs) <= _MAX_BATCH:
            return self.box.error(400, "inputs must hold 1 to 100 objects")
        plan, problem = self._plan(kind, inputs, request.query.get("idProperty"))
        if problem is not None:
            return problem
        results = []
        for key, prop, props, obj in plan:
            stored = self._store(kind, {**props, prop: key}, obj)
            results.append({**view(stored), "new": obj is None})
        await self.box.after_commit(request)
        return web.json_response(
            {
                "status": "COMPLETE",
                "results": results,
                "requestedAt": iso(started),
                "startedAt": iso(started),
                "completedAt": iso(dt.datetime.now(dt.UTC)),
            }
        )

    def _plan(
        self, kind: str, inputs: list[Any], default_prop: str | None
    ) -> tuple[list[tuple[str, str, dict[str, str], Any]], web.Response | None]:
        plan: list[tuple[str, str, dict[str, str], Any]] = []
        seen: set[tuple[str, str]] = set()
        for item in inputs:
            key, prop = str(item.get("id", "")), item.get("idProperty") or default_prop
            props = item.get("properties")
            if not key or not prop or not isinstance(props, dict):
                return [], self.box.error(
                    400, "each input needs id, idProperty, properties"
                )
            if (prop, key) in seen:
                return [], self.box.error(
                    400, f"Duplicate IDs found in batch input: {key}"
                )
            seen.add((prop, key))
            obj, problem = self.box.resolve(kind, key, prop)
            own = obj["id"] if obj is not None else None
            problem = (
                problem
                or self._invalid(kind, props)
                or self._conflict(kind, props, own)
            )
            if problem is not None:
                return [], problem
            plan.append((key, prop, props, obj))
        return plan, None
