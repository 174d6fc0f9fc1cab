"""The generic REST ERP target: configured by one URL.

``POST {url}`` with the mapped body creates a record; ``GET {url}?externalId=X``
answers 200 with the record or 404, which settles ambiguous outcomes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

from baton.connectors.generic_rest.client import RestClient, classify
from baton.connectors.generic_rest.mapping import time_entry_body

if TYPE_CHECKING:
    from baton.model.commands import Command
    from baton.store.ports import DeliveryRow

__all__ = ["GenericRestTarget"]


class GenericRestTarget:
    """Posts time entries to a REST endpoint and reads them back by external id.

    Args:
        url: the collection URL, e.g. ``http://127.0.0.1:18080/erp/time-entries``.
        name: the target's name in configuration.
        account: the account the rate limiter is shared by (default: the URL's host).
        timeout: seconds before a request's outcome is treated as ambiguous.
    """

    system = "generic-erp"

    def __init__(
        self,
        url: str,
        *,
        name: str = "erp",
        account: str | None = None,
        timeout: float = 10.0,
        max_connections: int = 100,
    ) -> None:
        self.url = url
        self.name = name
        self.account = account or url.split("/")[2]
        self._client = RestClient(timeout=timeout, max_connections=max_connections)

    def render(self, command: Command) -> str:
        """The JSON body to POST for ``command``."""
        return orjson.dumps(time_entry_body(command)).decode()

    async def apply(self, delivery: DeliveryRow) -> str:
        """POST the stored body; return the ERP's id for it."""
        status, body, headers = await self._client.send(
            "POST", self.url, delivery.payload.encode()
        )
        classify(status, body, headers, write=True)
        return _erp_id(body, delivery.canonical_id)

    async def lookup(self, delivery: DeliveryRow) -> str | None:
        """The ERP's id for this delivery's external id, or None if absent."""
        status, body, headers = await self._client.send(
            "GET", self.url, params={"externalId": delivery.canonical_id}
        )
        if status == 404:
            return None
        classify(status, body, headers)
        return _erp_id(body, delivery.canonical_id)

    async def health(self) -> None:
        """One read by an external id no delivery has: 404 or 200 both mean up."""
        status, body, headers = await self._client.send(
            "GET", self.url, params={"externalId": "baton-health-check"}
        )
        if status != 404:
            classify(status, body, headers)

    async def close(self) -> None:
        """Close the connection pool."""
        await self._client.close()


def _erp_id(body: bytes, fallback: str) -> str:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return fallback
    if isinstance(doc, dict):
        for key in ("erp_id", "id", "externalId"):
            if key in doc:
                return str(doc[key])
    return fallback
