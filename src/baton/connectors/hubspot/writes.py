"""Writes to HubSpot CRM v3, each idempotent by a unique property and settled by a lookup.

:class:`HubSpotWriter` serves the CRM workflows (it is not a catalogue
``Target``: Baton's outbox carries time entries only so far):

* :meth:`~HubSpotWriter.upsert_customer`: a canonical ``Customer`` as a
  company, created or updated by Baton's id in a property the portal
  declares unique (``hasUniqueValue``; ``baton_id`` by default) through
  ``POST /crm/v3/objects/companies/batch/upsert`` with one input
  ``{"id": <value>, "idProperty", "properties"}``; each result carries
  ``"new"`` (created or updated).
* :meth:`~HubSpotWriter.write_project_code`: the Baton project code onto a
  closed-won deal (``PATCH /crm/v3/objects/deals/{dealId}``), into a
  configurable property (``baton_project_code`` by default).
* :meth:`~HubSpotWriter.create`: a plain create (``POST
  /crm/v3/objects/{type}``); a unique value another object holds is HubSpot's
  409 ``CONFLICT`` ("… Existing ID: <id>") → :class:`HubSpotConflict`.

Outcomes: a connection lost after sending raises ``Ambiguous``
(``VendorHttp``); settle it with :meth:`~HubSpotWriter.lookup` (``GET
/crm/v3/objects/{type}/{value}?idProperty=…``: the id or None) or
:meth:`~HubSpotWriter.lookup_project_code`, never by sending blindly. Both
writes are idempotent in themselves (the upsert finds the object it made;
setting a property to the same value changes nothing), so a retry after the
lookup cannot duplicate a record. A 400 (``VALIDATION_ERROR``: a property
the portal lacks, an ``idProperty`` not declared unique …) is ``Invalid``
with HubSpot's message, owned by the record's steward; a body that cannot be
rendered is ``Invalid`` (rule ``hubspot.mapping``). A batch answer listing
errors and no result (HTTP 207 [kb]) is ``Invalid`` with those errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from baton.connectors.hubspot.client import hubspot_message
from baton.connectors.hubspot.preflight import require_property
from baton.connectors.hubspot.values import SYSTEM
from baton.connectors.hubspot.write_mapping import (
    ID_PROPERTY,
    company_properties,
    project_code_properties,
    upsert_input,
)
from baton.engine.errors import Invalid

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx

    from baton.connectors.hubspot.client import HubSpotClient
    from baton.model.customer import Customer

__all__ = ["PROJECT_CODE_PROPERTY", "HubSpotConflict", "HubSpotWriter", "Upserted"]

PROJECT_CODE_PROPERTY = "baton_project_code"
_OBJECTS = "/crm/v3/objects"
_CUSTOMER_TEAM = "finance"
_PROJECT_TEAM = "delivery_ops"
_EXISTING = re.compile(r"Existing ID: ?(\d+)")


@dataclass(frozen=True, slots=True)
class Upserted:
    """An upsert's outcome: the object's HubSpot id and whether it is new."""

    id: str
    created: bool


class HubSpotConflict(Invalid):
    """409 ``CONFLICT``: another object holds a unique value.

    Attributes:
        existing_id: the id of the object holding it (from HubSpot's message).
    """

    def __init__(self, message: str, *, existing_id: str | None, team: str) -> None:
        fix = f"object {existing_id} already holds this value: update it instead"
        super().__init__(
            message, rule="hubspot.conflict", owner_team=team, fix=fix, status=409
        )
        self.existing_id = existing_id


def _existing_id(message: str) -> str | None:
    """The id after ``Existing ID:`` in a HubSpot 409 message, or None."""
    found = _EXISTING.search(message)
    return found.group(1) if found else None


def _fix(message: str) -> str:
    if "non-unique" in message:
        return "declare the idProperty unique (hasUniqueValue) in HubSpot"
    if "PROPERTY_DOESNT_EXIST" in message or "does not exist" in message:
        return "create the property in HubSpot (Settings > Properties)"
    return ""


def _unmappable(what: str, exc: ValueError, team: str) -> Invalid:
    return Invalid(f"{SYSTEM}: {what}: {exc}", rule="hubspot.mapping", owner_team=team)


class HubSpotWriter:
    """Writes to one portal (see the module docstring).

    Args:
        client: the portal's client (its limiter and token).
        id_property: the unique property holding Baton's ids.
        project_code_property: the deal property the project code goes to.
    """

    system = SYSTEM

    def __init__(
        self,
        client: HubSpotClient,
        *,
        id_property: str = ID_PROPERTY,
        project_code_property: str = PROJECT_CODE_PROPERTY,
    ) -> None:
        self.client = client
        self.id_property = id_property
        self.project_code_property = project_code_property

    async def _send(
        self, method: str, path: str, team: str, **kwargs: Any
    ) -> httpx.Response:
        try:
            resp = await self.client.http.request(
                method, path, allow=frozenset({409}), **kwargs
            )
        except Invalid as exc:
            raise Invalid(
                exc.message,
                rule=exc.rule,
                owner_team=team,
                fix=exc.fix or _fix(exc.message),
                status=exc.status,
            ) from exc
        if resp.status_code == 409:
            message = f"{SYSTEM}: {hubspot_message(resp)}"
            found = _existing_id(resp.text)  # from the raw body: never truncated
            raise HubSpotConflict(message, existing_id=found, team=team)
        return resp

    async def upsert(
        self,
        object_type: str,
        value: str,
        properties: Mapping[str, str],
        *,
        team: str = "",
    ) -> Upserted:
        """Create or update the object whose unique property holds ``value``.

        Raises:
            baton.engine.errors.DeliveryError: classified (module docstring).
        """
        try:
            item = upsert_input(value, properties, id_property=self.id_property)
        except ValueError as exc:
            raise _unmappable(f"{object_type} {value!r}", exc, team) from exc
        path = f"{_OBJECTS}/{object_type}/batch/upsert"
        resp = await self._send("POST", path, team, json={"inputs": [item]})
        doc = resp.json()
        results = doc.get("results") or []
        if not results:
            errors = "; ".join(str(e.get("message")) for e in doc.get("errors") or [])
            raise Invalid(
                f"{SYSTEM}: upsert of {value!r} failed: {errors or 'no result'}",
                rule="hubspot.rejected",
                owner_team=team,
                fix=_fix(errors),
                status=resp.status_code,
            )
        return Upserted(str(results[0]["id"]), bool(results[0].get("new", False)))

    async def upsert_customer(self, customer: Customer) -> Upserted:
        """Create or update the customer's company; its id and whether it is new."""
        try:
            props = company_properties(customer)
        except ValueError as exc:
            raise _unmappable(f"customer {customer.id}", exc, _CUSTOMER_TEAM) from exc
        return await self.upsert("companies", customer.id, props, team=_CUSTOMER_TEAM)

    async def lookup(
        self, object_type: str, value: str, *, properties: tuple[str, ...] = ()
    ) -> dict[str, Any] | None:
        """The object whose unique property holds ``value``, or None."""
        params = {"idProperty": self.id_property}
        if properties:
            params["properties"] = ",".join(properties)
        path = f"{_OBJECTS}/{object_type}/{quote(value, safe='')}"
        resp = await self.client.http.request(
            "GET", path, params=params, allow=frozenset({404})
        )
        if resp.status_code == 404:
            return None
        doc: dict[str, Any] = resp.json()
        return doc

    async def create(
        self, object_type: str, properties: Mapping[str, str], *, team: str = ""
    ) -> str:
        """Create one object; its id (:class:`HubSpotConflict` on a taken value)."""
        path = f"{_OBJECTS}/{object_type}"
        resp = await self._send("POST", path, team, json={"properties": properties})
        return str(resp.json()["id"])

    async def write_project_code(self, deal_id: str, code: str) -> str:
        """Set the deal's project-code property; the deal's id."""
        try:
            props = project_code_properties(code, self.project_code_property)
        except ValueError as exc:
            raise _unmappable(f"deal {deal_id}", exc, _PROJECT_TEAM) from exc
        path = f"{_OBJECTS}/deals/{quote(deal_id, safe='')}"
        resp = await self._send(
            "PATCH", path, _PROJECT_TEAM, json={"properties": props}
        )
        return str(resp.json()["id"])

    async def lookup_project_code(self, deal_id: str) -> str | None:
        """The deal's project code as HubSpot holds it (None: unset or no deal)."""
        prop = self.project_code_property
        resp = await self.client.http.request(
            "GET",
            f"{_OBJECTS}/deals/{quote(deal_id, safe='')}",
            params={"properties": prop},
            allow=frozenset({404}),
        )
        if resp.status_code == 404:
            return None
        value = (resp.json().get("properties") or {}).get(prop)
        return str(value) if value not in (None, "") else None

    async def health(self) -> None:
        """The portal defines the unique id property and the project-code one."""
        await require_property(self.client, "companies", self.id_property, unique=True)
        await require_property(self.client, "deals", self.project_code_property)

    async def close(self) -> None:
        """Close the client."""
        await self.client.close()
