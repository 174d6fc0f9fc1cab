"""A local HubSpot CRM: companies, deals, line items, errors, limits, webhooks.

The portal's objects, property definitions and counts live here; the routes
in :mod:`.sandbox_reads` (list, search, read by id or unique property,
associations) and :mod:`.sandbox_writes` (create, update, batch upsert by a
unique property). Tokens from ``/oauth/v1/token`` (refresh-token grant) or
private-app tokens; HubSpot's error body
``{"status": "error", "message", "correlationId", "category"}`` and
burst-limit headers. A property declared unique (``hasUniqueValue``) is
enforced on every write: a second object may not hold the same value.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from typing import TYPE_CHECKING, Any

from aiohttp import web

from baton.connectors.hubspot.sandbox_reads import CrmReads, iso
from baton.connectors.hubspot.sandbox_webhooks import deliver_webhooks
from baton.connectors.hubspot.sandbox_writes import CrmWrites
from baton.connectors.sandbox import RateLimitRule, VendorSandbox

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["HUBSPOT_LIMIT", "HubSpotSandbox", "deliver_webhooks", "iso"]

HUBSPOT_LIMIT = RateLimitRule(100, 10.0)
_CATEGORY = {
    400: "VALIDATION_ERROR",
    401: "INVALID_AUTHENTICATION",
    404: "OBJECT_NOT_FOUND",
    409: "CONFLICT",
    429: "RATE_LIMITS",
}
OBJECT_TYPE_IDS = {"companies": "0-2", "deals": "0-3", "line_items": "0-8"}
# the properties each type knows besides HubSpot's own hs_* ones [kb: a subset]
_KNOWN = {
    "companies": "name domain country city phone industry hs_parent_company_id",
    "deals": "dealname amount deal_currency_code dealstage pipeline closedate "
    "hubspot_owner_id hs_deal_stage_probability hs_is_closed hs_is_closed_won",
    "line_items": "name hs_sku amount hs_line_item_currency_code "
    "hs_position_on_quote recurringbillingfrequency quantity price",
}


class HubSpotSandbox(VendorSandbox):
    """HubSpot CRM objects of one portal (see the module docstring).

    Args:
        refresh_tokens: refresh tokens the token endpoint accepts.
        private_tokens: private-app tokens accepted without expiry.
        limit: default the Free/Starter private-app burst limit.
        unique: properties declared with ``hasUniqueValue`` on every type.
        custom: other custom properties, by object type.
        kwargs: as :class:`~baton.connectors.sandbox.VendorSandbox`.

    Attributes:
        created: objects created through the API, by type.
        updated: objects updated through the API, by type.
    """

    vendor = "hubspot"
    token_path = "/oauth/v1/token"  # noqa: S105 - a URL path, not a secret
    portal_id = 62515

    def __init__(
        self,
        *,
        refresh_tokens: Sequence[str] = ("refresh-1",),
        private_tokens: Sequence[str] = ("pat",),
        limit: RateLimitRule | None = HUBSPOT_LIMIT,
        unique: Sequence[str] = ("baton_id",),
        custom: Mapping[str, Sequence[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(limit=limit, **kwargs)
        self.refresh_tokens = set(refresh_tokens)
        self.tokens.update(dict.fromkeys(private_tokens, float("inf")))
        self.objects: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in _KNOWN}
        # property name → hasUniqueValue, by object type
        self.properties: dict[str, dict[str, bool]] = {
            t: {**dict.fromkeys(names.split(), False), **dict.fromkeys(unique, True)}
            for t, names in _KNOWN.items()
        }
        for kind, names in (custom or {"deals": ["baton_project_code"]}).items():
            self.properties[kind].update(dict.fromkeys(names, False))
        self.created: Counter[str] = Counter()
        self.updated: Counter[str] = Counter()
        self._ids = 1000

    def error(
        self, status: int, message: str, *, errors: Sequence[Any] = ()
    ) -> web.Response:
        """HubSpot's error body."""
        category = _CATEGORY.get(status, "ERROR")
        body: dict[str, Any] = {"status": "error", "message": message}
        body.update(correlationId=str(uuid.uuid4()), category=category)
        if errors:
            body["errors"] = list(errors)
        return web.json_response(body, status=status)

    def not_found(self, key: str) -> web.Response:
        """HubSpot's 404 for an object id or unique value no object holds."""
        return self.error(
            404, f"Object not found. objectId are usually numeric. ({key})"
        )

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

    def holding(self, object_type: str, prop: str, value: str) -> list[dict[str, Any]]:
        """The objects whose ``prop`` is ``value`` (tests count them)."""
        rows = self.objects.get(object_type, {}).values()
        return [o for o in rows if o["properties"].get(prop) == value]

    def resolve(
        self, kind: str, key: str, id_property: str | None
    ) -> tuple[dict[str, Any] | None, web.Response | None]:
        """The object ``key`` names (internal id, or ``id_property``'s value).

        Returns the object or None, and an error answer when the request is
        malformed (unknown type, an ``id_property`` not declared unique).
        """
        if kind not in self.objects:
            return None, self.error(400, f"Unable to infer object type from: {kind}")
        if id_property in (None, "", "hs_object_id"):
            return self.objects[kind].get(key), None
        assert id_property is not None
        if not self.properties[kind].get(id_property, False):
            return None, self.error(400, self.not_unique(kind, id_property))
        found = self.holding(kind, id_property, key)
        return (found[0] if found else None), None

    def not_unique(self, kind: str, prop: str) -> str:
        """HubSpot's message for an ``idProperty`` without unique values."""
        type_id = OBJECT_TYPE_IDS.get(kind, kind)
        return (
            f"Unable to perform update/upsert by non-unique {type_id} property "
            f"{prop} in portal ID {self.portal_id}"
        )

    def routes(self, app: web.Application) -> None:
        """The CRM v3 object routes (reads and writes)."""
        CrmReads(self).add_routes(app)
        CrmWrites(self).add_routes(app)

    async def _token(self, request: web.Request) -> web.Response:  # refresh grant
        form = await request.post()
        refresh = str(form.get("refresh_token"))
        if (
            form.get("grant_type") == "refresh_token"
            and refresh not in self.refresh_tokens
        ):
            return self.error(400, "BAD_REFRESH_TOKEN: refresh token is invalid")
        return await super()._token(request)
