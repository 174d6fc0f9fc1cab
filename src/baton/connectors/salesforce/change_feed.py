"""``opportunity_changes`` from the JSON change feed (the sandbox's stand-in).

Reads Change Data Capture events of ``/data/OpportunityChangeEvent`` after
the stored replay id (``None``: the earliest retained) and yields one page
per fetched batch, its cursor the batch's last replay id. CDC bodies of
updates carry only the changed fields and gap events (``GAP_*``) none, so
every changed record id is fetched (``GET sobjects/Opportunity/<id>``) and
mapped whole; its ``event_id`` is the same as the ``opportunities`` stream's
for that version. Deletes are noted in :attr:`SalesforceStream.deleted`
(nothing to map). The real org's events come over the Pub/Sub API
(:mod:`.pubsub`), which yields the same records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baton.connectors.base import Page, Record

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    from baton.connectors.salesforce.connector import SalesforceSource, SalesforceStream

__all__ = ["CDC_TOPIC", "ChangeStream"]

CDC_TOPIC = "/data/OpportunityChangeEvent"


class ChangeStream:
    """``opportunity_changes``: CDC events by replay id (see the module docstring)."""

    name = "opportunity_changes"
    entity = "Opportunity"

    def __init__(
        self, source: SalesforceSource, opportunities: SalesforceStream
    ) -> None:
        self._source = source
        self._opportunities = opportunities
        self.fetched: list[str] = []

    async def read(self, cursor: str | None) -> AsyncIterator[Page]:
        """Pages of changed opportunities after replay id ``cursor``."""
        client = self._source.client
        while True:
            events, _ = await client.events(
                CDC_TOPIC, cursor, num_requested=self._source.batch_size
            )
            if not events:
                return
            records: list[Record] = []
            for event in events:
                records.extend(await self._resolve(event.get("event") or {}))
                cursor = str(event["replayId"])
            yield Page(records, cursor)

    async def _resolve(self, payload: Mapping[str, Any]) -> list[Record]:
        header = payload.get("ChangeEventHeader") or {}
        change = str(header.get("changeType", ""))
        ids = [str(i) for i in header.get("recordIds") or []]
        if change.endswith("DELETE"):
            self._opportunities.deleted.extend(ids)
            return []
        out = []
        for sf_id in ids:
            if "*" in sf_id:  # a wildcard (field-type conversion): re-read instead
                continue
            raw = await self._source.client.record("Opportunity", sf_id)
            self.fetched.append(sf_id)
            record = self._opportunities.record(raw)
            if record is not None:
                out.append(record)
        return out
