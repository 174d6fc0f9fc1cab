"""The NetSuite target: approved time entries become ``timeBill`` records.

* ``render``: the mapped body (:func:`~.mapping.time_bill_body`), as stored
  in the outbox.
* ``apply``: ``POST /services/rest/record/v1/timeBill``; NetSuite answers 204
  with the new record's URL in ``Location``, whose last segment is returned.
  If NetSuite refuses the create because the external id is already taken
  (``DUP_RCRD``: an earlier attempt committed), the existing record's id is
  returned instead, so a resend never makes a second record.
* ``lookup``: ``GET /services/rest/record/v1/timeBill/eid:<externalId>`` —
  200 → the record's id, 404 ``NONEXISTENT_ID`` → None. The record API is
  used rather than SuiteQL: it reads the committed record directly, costs one
  request and needs no query text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

from baton.connectors.netsuite.client import DuplicateRecord
from baton.connectors.netsuite.mapping import RECORD_TYPE, MappingError, time_bill_body
from baton.engine.errors import Invalid

if TYPE_CHECKING:
    from baton.connectors.netsuite.client import NetSuiteClient
    from baton.model.commands import Command
    from baton.store.ports import DeliveryRow

__all__ = ["NetSuiteTarget"]


class NetSuiteTarget:
    """Posts time bills to one NetSuite account and finds them by external id.

    Args:
        client: the account's client (its limiter is the account's).
        account: the NetSuite account id (the limiter's key).
        name: the target's name in configuration.
    """

    system = "netsuite"
    self_limited = True  # NetSuiteClient takes the account limiter per HTTP call

    def __init__(
        self, client: NetSuiteClient, *, account: str, name: str = "erp"
    ) -> None:
        self.client = client
        self.account = account
        self.name = name

    def render(self, command: Command) -> str:
        """The JSON body to POST for ``command``.

        Raises:
            Invalid: the command cannot be a NetSuite time bill (rule
                ``netsuite.mapping``).
        """
        try:
            body = time_bill_body(command)
        except MappingError as exc:
            raise Invalid(
                str(exc), rule="netsuite.mapping", owner_team="finance"
            ) from exc
        return orjson.dumps(body).decode()

    async def apply(self, delivery: DeliveryRow) -> str:
        """Create the time bill; return NetSuite's internal id."""
        body = orjson.loads(delivery.payload)
        try:
            return await self.client.create(RECORD_TYPE, body)
        except DuplicateRecord:
            found = await self.lookup(delivery)
            if found is None:
                raise
            return found

    async def lookup(self, delivery: DeliveryRow) -> str | None:
        """NetSuite's id for this delivery's external id, or None if absent."""
        doc = await self.client.get_by_external_id(RECORD_TYPE, _external_id(delivery))
        return None if doc is None else str(doc["id"])

    async def health(self) -> None:
        """One authenticated SuiteQL read (:meth:`~.client.NetSuiteClient.probe`)."""
        await self.client.probe()

    async def close(self) -> None:
        """Close the client's connections."""
        await self.client.close()


def _external_id(delivery: DeliveryRow) -> str:
    """The external id in the stored body (the canonical id if absent)."""
    try:
        doc = orjson.loads(delivery.payload)
    except orjson.JSONDecodeError:
        return delivery.canonical_id
    ext = doc.get("externalId") if isinstance(doc, dict) else None
    return str(ext) if ext else delivery.canonical_id
