"""The Salesforce source: accounts, opportunities, line items, contracts, CDC.

SOQL streams select :data:`~baton.connectors.salesforce.mapping.FIELDS`
``WHERE SystemModstamp > <cursor> ORDER BY SystemModstamp, Id`` (no
``WHERE`` on a full read) and yield one page per query batch. Pages before
the last carry the cursor the read started from; the last carries the newest
``SystemModstamp`` seen, truncated to the second (SOQL dateTime literal), so
records of that second come back once more with the same ``event_id``
(``salesforce:<sObject>:<Id>:<SystemModstamp>``) and the inbox dedupes them.

``opportunity_changes`` reads Change Data Capture events: from the Pub/Sub
API (gRPC, :mod:`.pubsub`) when the source is given a subscriber, else from
the JSON change feed (:mod:`.change_feed`).

Records that cannot be mapped go to :attr:`SalesforceStream.rejected` and the
read goes on; a ``ParentId`` that would close an account loop is dropped and
noted there too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baton.connectors.base import Page, Record
from baton.connectors.salesforce import mapping
from baton.connectors.salesforce.change_feed import CDC_TOPIC, ChangeStream

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping, Sequence

    from baton.connectors.salesforce.client import SalesforceClient
    from baton.connectors.salesforce.pubsub import PubSubChangeStream, PubSubSubscriber
    from baton.model import CanonicalModel

__all__ = ["CDC_TOPIC", "ChangeStream", "SalesforceSource", "SalesforceStream"]


class SalesforceStream:
    """One sObject read by SOQL as canonical records."""

    def __init__(
        self,
        source: SalesforceSource,
        name: str,
        entity: str,
        sobject: str,
        to_canonical: Callable[[Mapping[str, Any]], CanonicalModel],
    ) -> None:
        self.name = name
        self.entity = entity
        self.sobject = sobject
        self.rejected: list[tuple[str, str]] = []
        self.deleted: list[str] = []
        self._source = source
        self._map = to_canonical

    def soql(self, cursor: str | None) -> str:
        """The query for a read from ``cursor`` (re-formatted: never raw text)."""
        fields = ", ".join(self._source.org.fields(self.sobject))
        where = ""
        if cursor:
            since = mapping.format_cursor(mapping.parse_timestamp(cursor))
            where = f" WHERE SystemModstamp > {since}"
        order = " ORDER BY SystemModstamp, Id"
        return f"SELECT {fields} FROM {self.sobject}{where}{order}"  # noqa: S608

    async def read(self, cursor: str | None) -> AsyncIterator[Page]:
        """Pages changed since ``cursor`` (see the module docstring)."""
        newest = mapping.parse_timestamp(cursor) if cursor else None
        async for records, done in self._source.client.query(self.soql(cursor)):
            page = []
            for raw in records:
                stamp = mapping.parse_timestamp(str(raw["SystemModstamp"]))
                newest = stamp if newest is None else max(newest, stamp)
                record = self.record(raw)
                if record is not None:
                    page.append(record)
            if done and newest is not None:
                yield Page(page, mapping.format_cursor(newest))
            else:
                yield Page(page, cursor)

    def record(self, raw: Mapping[str, Any]) -> Record | None:
        """One raw record as a canonical ``Record`` (None: rejected)."""
        try:
            data = self._map(raw)
        except ValueError as exc:
            self.rejected.append((str(raw.get("Id")), str(exc).splitlines()[0]))
            return None
        return Record(
            entity=self.entity,
            source_id=str(raw["Id"]),
            event_id=mapping.event_id(self.sobject, raw),
            data=data,
        )


class SalesforceSource:
    """Salesforce as a :class:`~baton.connectors.base.Source`.

    Args:
        client: the org's client.
        org: corporate currency, legal entity, multi-currency flag.
        name: the source's name in configuration.
        batch_size: events per CDC fetch.
        pubsub: when given, ``opportunity_changes`` subscribes to the Pub/Sub
            API (gRPC) instead of the JSON change feed.
    """

    system = mapping.SYSTEM

    def __init__(
        self,
        client: SalesforceClient,
        org: mapping.SalesforceOrg,
        *,
        name: str = "salesforce",
        batch_size: int = 100,
        pubsub: PubSubSubscriber | None = None,
    ) -> None:
        self.client = client
        self.org = org
        self.name = name
        self.batch_size = batch_size
        self.parents: dict[str, str | None] = {}
        opportunities = SalesforceStream(
            self,
            "opportunities",
            "Opportunity",
            "Opportunity",
            lambda raw: mapping.opportunity_to_opportunity(raw, org),
        )
        self.pubsub = pubsub
        streams: list[SalesforceStream | ChangeStream | PubSubChangeStream] = [
            SalesforceStream(self, "accounts", "Customer", "Account", self._account),
            opportunities,
            SalesforceStream(
                self,
                "opportunity_line_items",
                "ContractLine",
                "OpportunityLineItem",
                lambda raw: mapping.line_item_to_contract_line(raw, org),
            ),
            SalesforceStream(
                self,
                "contracts",
                "Contract",
                "Contract",
                lambda raw: mapping.contract_to_contract(raw, org),
            ),
            self._changes(opportunities),
        ]
        self._streams = {s.name: s for s in streams}

    def _changes(
        self, opportunities: SalesforceStream
    ) -> ChangeStream | PubSubChangeStream:
        if self.pubsub is None:
            return ChangeStream(self, opportunities)
        from baton.connectors.salesforce.pubsub import PubSubChangeStream

        async def fetch(sf_id: str) -> dict[str, Any]:
            return await self.client.record("Opportunity", sf_id)

        return PubSubChangeStream(
            self.pubsub,
            fetch=fetch,
            to_record=opportunities.record,
            batch_size=min(self.batch_size, 100),
            deleted=opportunities.deleted,
        )

    def _account(self, raw: Mapping[str, Any]) -> CanonicalModel:
        sf_id, parent = str(raw["Id"]), raw.get("ParentId")
        parent = str(parent) if parent else None
        loop = parent is not None and parent != sf_id
        loop = loop and mapping.closes_cycle(self.parents, sf_id, str(parent))
        customer = mapping.account_to_customer(raw, drop_parent=loop)
        if loop:
            accounts = self._streams["accounts"]
            assert isinstance(accounts, SalesforceStream)
            accounts.rejected.append(
                (sf_id, f"ParentId {parent} closes a loop: dropped")
            )
        self.parents[sf_id] = None if loop else parent
        return customer

    def streams(
        self,
    ) -> Sequence[SalesforceStream | ChangeStream | PubSubChangeStream]:
        """Accounts, opportunities, line items, contracts, opportunity changes."""
        return list(self._streams.values())

    def stream(self, name: str) -> SalesforceStream | ChangeStream | PubSubChangeStream:
        """One stream by name (raises KeyError)."""
        return self._streams[name]

    async def health(self) -> None:
        """``GET limits`` (and ``GetTopic`` with Pub/Sub); raises classified errors."""
        await self.client.limits()
        if self.pubsub is not None:
            from baton.connectors.salesforce.pubsub import CDC_TOPIC

            await self.pubsub.health(CDC_TOPIC)

    async def close(self) -> None:
        """Close the client (and the Pub/Sub channel)."""
        if self.pubsub is not None:
            await self.pubsub.close()
        await self.client.close()
