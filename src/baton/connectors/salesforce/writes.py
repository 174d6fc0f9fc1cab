"""Writes to Salesforce, one record at a time, each settled by a lookup.

:class:`SalesforceWriter` serves the workflows (it is not a catalogue
``Target``: Baton's outbox carries time entries only so far, and these
writes are sent by the CRM workflows directly):

* :meth:`~SalesforceWriter.upsert_customer`: a canonical ``Customer`` as an
  Account, upserted by external id (``PATCH sobjects/Account/<field>/<value>``,
  the field ``Baton_Id__c`` by default, the value the customer's canonical
  id). 201 ``{"id", "success", "errors", "created": true}`` on create, 200
  with ``"created": false`` on update (API 46.0 and later; a 204 of older
  versions is settled by a lookup).
* :meth:`~SalesforceWriter.write_project_code`: the project code onto a won
  Opportunity (``PATCH sobjects/Opportunity/<Id>``, 204), into a custom field
  (``Baton_Project_Code__c`` by default), so a closed deal no longer waits
  days for its code.

Outcomes: a connection lost after sending raises ``Ambiguous``
(``VendorHttp``). Settle it with :meth:`~SalesforceWriter.lookup` (``GET
sobjects/<type>/<field>/<value>``: the Id or None) or
:meth:`~SalesforceWriter.lookup_project_code`, never by sending blindly. Both
writes are idempotent in themselves (an upsert by external id finds the
record it made; setting a field to the same value changes nothing), so a
retry after the lookup cannot duplicate a record. A value matching several
records is Salesforce's 300: ``Invalid`` naming the records, for a person to
merge them. A 4xx is ``Invalid`` with Salesforce's ``errorCode`` and message
(``FIELD_CUSTOM_VALIDATION_EXCEPTION``, ``REQUIRED_FIELD_MISSING`` …), owned
by the team that stewards the record; a body that cannot be rendered is
``Invalid`` too (rule ``salesforce.mapping``). An undeclared external-id
field or sObject is ``Fatal`` (404 "Provided external ID field does not
exist or is not accessible" [kb]): configuration, not data. Values containing ``/`` or ending in a file
extension (``.json``) are refused by Salesforce's URL parsing [kb]; use ids
without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from baton.connectors.salesforce import bodies
from baton.connectors.salesforce.values import MappingError
from baton.engine.errors import Fatal, Invalid, Retriable

if TYPE_CHECKING:
    from collections.abc import Mapping

    from baton.connectors.salesforce.client import SalesforceClient
    from baton.model import Customer

__all__ = ["ACCOUNT_EXTERNAL_ID", "PROJECT_CODE_FIELD", "SalesforceWriter", "Upserted"]

ACCOUNT_EXTERNAL_ID = "Baton_Id__c"
PROJECT_CODE_FIELD = "Baton_Project_Code__c"
_CUSTOMER_TEAM = "finance"
_PROJECT_TEAM = "delivery_ops"


@dataclass(frozen=True, slots=True)
class Upserted:
    """An upsert's outcome: the record's Salesforce Id and whether it is new."""

    id: str
    created: bool


def _several(sobject: str, field: str, value: str, doc: Any) -> Invalid:
    urls = [str(u) for u in doc] if isinstance(doc, list) else []
    ids = ", ".join(u.rsplit("/", 1)[-1] for u in urls) or "ids not given"
    return Invalid(
        f"salesforce: {sobject}.{field} = {value!r} matches {len(urls) or 'several'} "
        f"records ({ids}); merge them or clear the duplicates' {field}",
        rule="salesforce.duplicate_external_id",
        owner_team="",
        fix=f"keep one {sobject} with {field} = {value!r}",
        status=300,
    )


def _message(doc: Any) -> str:
    first = doc[0] if isinstance(doc, list) and doc else {}
    message = first.get("message") if isinstance(first, dict) else None
    return str(message or "no such resource")


def _owned(exc: Invalid, team: str) -> Invalid:
    return Invalid(
        exc.message, rule=exc.rule, owner_team=team, fix=exc.fix, status=exc.status
    )


class SalesforceWriter:
    """Writes to one org (see the module docstring).

    Args:
        client: the org's client (its limiter, session and ``Sforce-Call-Options``).
        account_external_id_field: the Account's external-id field.
        project_code_field: the Opportunity's project-code field.
    """

    def __init__(
        self,
        client: SalesforceClient,
        *,
        account_external_id_field: str = ACCOUNT_EXTERNAL_ID,
        project_code_field: str = PROJECT_CODE_FIELD,
    ) -> None:
        self.client = client
        self.account_field = account_external_id_field
        self.project_code_field = project_code_field

    def _path(self, sobject: str, *parts: str) -> str:
        tail = "/".join(quote(p, safe="") for p in parts)
        return f"{self.client.data_path}/sobjects/{sobject}/{tail}"

    async def upsert(
        self, sobject: str, field: str, value: str, body: Mapping[str, Any]
    ) -> Upserted:
        """Create or update the ``sobject`` whose ``field`` is ``value``.

        Raises:
            baton.engine.errors.DeliveryError: ``Ambiguous`` when the answer was
            lost; ``Invalid`` on a 300 or a refusal.
        """
        value = bodies.external_id_value(value)
        path = self._path(sobject, field, value)
        status, doc = await self.client.send(
            "PATCH", path, json_body=dict(body), allow=frozenset({300, 404})
        )
        if status == 300:
            raise _several(sobject, field, value, doc)
        if status == 404:
            raise Fatal(f"salesforce: {sobject}.{field}: {_message(doc)}", status=404)
        if isinstance(doc, dict) and doc.get("id"):
            return Upserted(str(doc["id"]), bool(doc.get("created", status == 201)))
        found = await self.lookup(sobject, field, value)  # a 204 (API < 46.0)
        if found is None:
            raise Retriable(f"salesforce: upserted {sobject} {value!r} not found")
        return Upserted(found, created=False)

    async def lookup(self, sobject: str, field: str, value: str) -> str | None:
        """The Id of the ``sobject`` whose ``field`` is ``value``; None if none.

        Raises:
            baton.engine.errors.DeliveryError: ``Invalid`` when several match.
        """
        path = self._path(sobject, field, bodies.external_id_value(value))
        status, doc = await self.client.send(
            "GET", f"{path}?fields=Id", allow=frozenset({300, 404})
        )
        if status == 300:
            raise _several(sobject, field, value, doc)
        if status == 404:
            if "external ID field" in _message(doc):
                msg = f"salesforce: {sobject}.{field}: {_message(doc)}"
                raise Fatal(msg, status=404)
            return None
        if not isinstance(doc, dict) or not doc.get("Id"):
            raise Retriable(f"salesforce: {sobject} by {field} has no Id")
        return str(doc["Id"])

    async def update(
        self, sobject: str, record_id: str, body: Mapping[str, Any]
    ) -> str:
        """``PATCH sobjects/<sobject>/<Id>``; the Id.

        Raises:
            baton.engine.errors.DeliveryError: ``Ambiguous`` when the answer was
            lost; ``Invalid`` on a refusal or an unknown Id.
        """
        path = self._path(sobject, bodies.sf_id(record_id))
        await self.client.send("PATCH", path, json_body=dict(body))
        return record_id

    async def upsert_customer(
        self, customer: Customer, *, parent_sf_id: str | None = None
    ) -> Upserted:
        """``customer`` as an Account, by external id = its canonical id.

        Raises:
            baton.engine.errors.DeliveryError: as :meth:`upsert`; ``Invalid``
            owned by finance.
        """
        try:
            body = bodies.customer_to_account(customer, parent_sf_id=parent_sf_id)
            return await self.upsert("Account", self.account_field, customer.id, body)
        except MappingError as exc:
            raise Invalid(
                f"salesforce: customer {customer.id}: {exc}",
                rule="salesforce.mapping",
                owner_team=_CUSTOMER_TEAM,
            ) from exc
        except Invalid as exc:
            raise _owned(exc, _CUSTOMER_TEAM) from exc

    async def lookup_customer(self, customer_id: str) -> str | None:
        """The Account Id holding ``customer_id`` in the external-id field."""
        return await self.lookup("Account", self.account_field, customer_id)

    async def write_project_code(self, opportunity_id: str, code: str) -> str:
        """Set the project code on Opportunity ``opportunity_id``; its Id.

        Raises:
            baton.engine.errors.DeliveryError: as :meth:`update`; ``Invalid``
            owned by delivery ops.
        """
        try:
            body = bodies.project_code_body(self.project_code_field, code)
            return await self.update("Opportunity", opportunity_id, body)
        except MappingError as exc:
            raise Invalid(
                f"salesforce: opportunity {opportunity_id}: {exc}",
                rule="salesforce.mapping",
                owner_team=_PROJECT_TEAM,
            ) from exc
        except Invalid as exc:
            raise _owned(exc, _PROJECT_TEAM) from exc

    async def lookup_project_code(self, opportunity_id: str, code: str) -> str | None:
        """The Opportunity's Id if it already holds ``code``, else None."""
        field = self.project_code_field
        path = self._path("Opportunity", bodies.sf_id(opportunity_id))
        doc = await self.client.request("GET", f"{path}?fields={field}")
        held = doc.get(field) if isinstance(doc, dict) else None
        return opportunity_id if held == code else None

    async def health(self) -> None:
        """One cheap authenticated read (``GET limits``)."""
        await self.client.limits()

    async def close(self) -> None:
        """Close the client."""
        await self.client.close()
