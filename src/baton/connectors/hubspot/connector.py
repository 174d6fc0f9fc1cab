"""The HubSpot source: companies, deals and line items as canonical records.

A full read (cursor ``None``) lists ``/crm/v3/objects/<type>`` with the
associations the mapping needs; HubSpot lists by id, not by modification,
so only the last page carries a cursor (the newest ``hs_lastmodifieddate``
seen) and a read stopped halfway restarts from scratch.

An incremental read searches ``hs_lastmodifieddate >= cursor`` sorted
ascending, so every page may carry the newest timestamp it holds. The
filter is inclusive: records modified exactly at the cursor come back with
the same ``event_id`` (``hubspot:<object>:<id>:<hs_lastmodifieddate>``) and
the inbox drops them. Search returns no associations: they are read per
changed deal or line item; a search stops at 10 000 results, so the read
restarts from the newest timestamp before reaching it.

Objects that cannot be mapped land in :attr:`HubSpotStream.rejected`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baton.connectors.base import Page, Record
from baton.connectors.hubspot import mapping
from baton.connectors.hubspot.client import SEARCH_CAP

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import AsyncIterator, Callable, Mapping, Sequence

    from baton.connectors.hubspot.client import HubSpotClient
    from baton.model.common import CanonicalModel

__all__ = ["HubSpotSource", "HubSpotStream"]

_MODIFIED = "hs_lastmodifieddate"


def _iso(stamp: dt.datetime) -> str:
    return stamp.isoformat().replace("+00:00", "Z")


class HubSpotStream:
    """One HubSpot object type read as canonical records."""

    def __init__(
        self,
        client: HubSpotClient,
        name: str,
        entity: str,
        properties: Sequence[str],
        association: str | None,
        to_canonical: Callable[[Mapping[str, Any]], CanonicalModel],
        *,
        page_size: int = 100,
    ) -> None:
        self.name = name
        self.entity = entity
        self.properties = (*properties, _MODIFIED)
        self.association = association
        self.page_size = page_size
        self.rejected: list[tuple[str, str]] = []
        self._client = client
        self._map = to_canonical

    async def read(self, cursor: str | None) -> AsyncIterator[Page]:
        """Pages from ``cursor`` on (see the module docstring)."""
        if cursor is None:
            async for page in self._full():
                yield page
            return
        async for page in self._changed(cursor):
            yield page

    async def _full(self) -> AsyncIterator[Page]:
        assoc = (self.association,) if self.association else ()
        newest: dt.datetime | None = None
        pending: list[Record] | None = None
        async for objects in self._client.pages(
            self.name,
            properties=self.properties,
            associations=assoc,
            limit=self.page_size,
        ):
            if pending is not None:
                yield Page(pending, None)
            for obj in objects:
                stamp = mapping.modified_at(obj)
                newest = stamp if newest is None else max(newest, stamp)
            pending = self._records(objects)
        yield Page(pending or [], _iso(newest) if newest else None)

    async def _changed(self, cursor: str) -> AsyncIterator[Page]:
        since = mapping.parse_timestamp(cursor)
        after = 0
        while True:
            ms = int(since.timestamp() * 1000)
            body = {
                "filterGroups": [
                    {
                        "filters": [
                            {
                                "propertyName": _MODIFIED,
                                "operator": "GTE",
                                "value": str(ms),
                            }
                        ]
                    }
                ],
                "sorts": [_MODIFIED],
                "properties": list(self.properties),
                "limit": self.page_size,
                "after": after,
            }
            doc = await self._client.search(self.name, body)
            objects = list(doc.get("results") or [])
            for obj in objects:
                since = max(since, mapping.modified_at(obj))
                if self.association:
                    found = await self._client.associations(
                        self.name, str(obj["id"]), self.association
                    )
                    obj["associations"] = {self.association: {"results": found}}
            yield Page(self._records(objects), _iso(since))
            nxt = ((doc.get("paging") or {}).get("next") or {}).get("after")
            if nxt in (None, ""):
                return
            after = int(nxt)
            if after + self.page_size > SEARCH_CAP:  # restart from the newest
                after = 0

    def _records(self, objects: Sequence[Mapping[str, Any]]) -> list[Record]:
        records = []
        for obj in objects:
            try:
                data = self._map(obj)
                event = mapping.event_id(self.name, obj)
            except ValueError as exc:
                self.rejected.append((str(obj.get("id")), str(exc).splitlines()[0]))
                continue
            records.append(Record(self.entity, str(obj["id"]), event, data))
        return records


class HubSpotSource:
    """HubSpot CRM as a :class:`~baton.connectors.base.Source`.

    Args:
        client: the portal's client.
        portal: currency, time zone and custom deal stages for mapping.
        name: the source's name in configuration.
        page_size: objects per page (≤ 100).
    """

    system = mapping.SYSTEM

    def __init__(
        self,
        client: HubSpotClient,
        portal: mapping.HubSpotPortal | None = None,
        *,
        name: str = "hubspot",
        page_size: int = 100,
    ) -> None:
        self.client = client
        self.name = name
        self.portal = portal or mapping.HubSpotPortal()
        p = self.portal
        streams = (
            HubSpotStream(
                client,
                "companies",
                "Customer",
                ("name", "domain", "country", "hs_parent_company_id"),
                None,
                mapping.company_to_customer,
                page_size=page_size,
            ),
            HubSpotStream(
                client,
                "deals",
                "Opportunity",
                (
                    "dealname",
                    "amount",
                    "deal_currency_code",
                    "dealstage",
                    "closedate",
                    "hubspot_owner_id",
                    "hs_deal_stage_probability",
                    "hs_is_closed",
                    "hs_is_closed_won",
                ),
                "companies",
                lambda o: mapping.deal_to_opportunity(o, p),
                page_size=page_size,
            ),
            HubSpotStream(
                client,
                "line_items",
                "ContractLine",
                (
                    "name",
                    "hs_sku",
                    "amount",
                    "hs_line_item_currency_code",
                    "hs_position_on_quote",
                    "recurringbillingfrequency",
                ),
                "deals",
                lambda o: mapping.line_item_to_contract_line(o, p),
                page_size=page_size,
            ),
        )
        self._streams = {s.name: s for s in streams}

    def streams(self) -> Sequence[HubSpotStream]:
        """Companies, deals, line items (parents before children)."""
        return list(self._streams.values())

    def stream(self, name: str) -> HubSpotStream:
        """One stream by name (raises KeyError)."""
        return self._streams[name]

    async def health(self) -> None:
        """One cheap authenticated read: ``GET /crm/v3/objects/deals?limit=1``."""
        await self.client.http.request(
            "GET", "/crm/v3/objects/deals", params={"limit": 1}
        )

    async def close(self) -> None:
        """Close the client."""
        await self.client.close()
