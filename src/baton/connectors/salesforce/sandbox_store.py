"""The in-memory records and change events of the Salesforce sandbox.

Each change moves a fake clock one second on (``SystemModstamp``) and, for
opportunities, appends a change event with the next replay id; with
``gap_every`` = N every N-th event is a ``GAP_*`` event without fields.
``GET /pubsub/fetch`` returns the events after a replay id (a JSON stand-in
for the Pub/Sub API's ``Fetch``: ``events[{replayId, event}]``,
``latestReplayId``). Events of changes made through the REST API name the
caller in ``changeOrigin`` (``com/salesforce/api/rest/62.0;client=<id>``);
changes made by the tests directly (:meth:`SalesforceStore.add`,
:meth:`SalesforceStore.touch`) leave it empty, as UI changes do.

:attr:`SalesforceStore.created` and :attr:`SalesforceStore.updated` count
the writes per record id, so tests can assert "created once, updated twice".
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from typing import Any

from aiohttp import web

__all__ = ["PREFIX", "SalesforceStore"]

PREFIX = {
    "Account": "001",
    "Opportunity": "006",
    "OpportunityLineItem": "00k",
    "Contract": "800",
}
_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


class SalesforceStore:
    """Records by sObject and id, the event log, and the event feed."""

    data = "/services/data/v62.0"

    def store_init(self, gap_every: int | None) -> None:
        """Empty records and events."""
        self.gap_every = gap_every
        self.objects: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in PREFIX}
        self.events: list[dict[str, Any]] = []
        self.created: Counter[str] = Counter()
        self.updated: Counter[str] = Counter()
        self._ticks = itertools.count(1)
        self._ids = itertools.count(1)

    def _stamp(self) -> str:
        at = _EPOCH + dt.timedelta(seconds=next(self._ticks))
        return at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")

    def add(self, sobject: str, **fields: Any) -> str:
        """Store a record (``Id``, ``SystemModstamp`` set); return its id."""
        return self.insert(sobject, fields)

    def touch(self, sobject: str, sf_id: str, **changes: Any) -> None:
        """Change a record (new ``SystemModstamp``; an UPDATE event)."""
        self.change(sobject, sf_id, changes)

    def insert(self, sobject: str, fields: dict[str, Any], origin: str = "") -> str:
        """Store a record made by ``origin`` (a ``changeOrigin``); return its id."""
        sf_id = f"{PREFIX[sobject]}{next(self._ids):012d}AAA"
        record = {
            "Id": sf_id,
            "IsDeleted": False,
            **fields,
            "SystemModstamp": self._stamp(),
        }
        self.objects[sobject][sf_id] = record
        self.created[sf_id] += 1
        self._emit(sobject, [sf_id], "CREATE", record, origin)
        return sf_id

    def change(
        self, sobject: str, sf_id: str, changes: dict[str, Any], origin: str = ""
    ) -> None:
        """Change a record on behalf of ``origin`` (a ``changeOrigin``)."""
        record = self.objects[sobject][sf_id]
        record.update(changes, SystemModstamp=self._stamp())
        self.updated[sf_id] += 1
        self._emit(sobject, [sf_id], "UPDATE", changes, origin)

    def _emit(
        self,
        sobject: str,
        ids: list[str],
        change: str,
        body: dict[str, Any],
        origin: str = "",
    ) -> None:
        if sobject != "Opportunity":
            return
        replay = 1000 + len(self.events)
        if self.gap_every and (len(self.events) + 1) % self.gap_every == 0:
            change, body = f"GAP_{change}", {}
        header = {"entityName": sobject, "recordIds": ids, "changeType": change,
                  "changeOrigin": origin, "commitTimestamp": replay * 1000}  # fmt: skip
        event = {
            "ChangeEventHeader": header,
            **{k: v for k, v in body.items() if k != "Id"},
        }
        self.events.append({"replayId": str(replay), "event": event})

    def _view(
        self, sobject: str, record: dict[str, Any], fields: list[str]
    ) -> dict[str, Any]:
        url = f"{self.data}/sobjects/{sobject}/{record['Id']}"
        return {
            "attributes": {"type": sobject, "url": url},
            **{f: record.get(f) for f in fields},
        }

    async def _fetch(self, request: web.Request) -> web.Response:
        q = request.query
        after = int(q["replayId"]) if q.get("replayPreset") == "CUSTOM" else -1
        wanted = int(q.get("numRequested", "100"))
        events = [e for e in self.events if int(e["replayId"]) > after][:wanted]
        latest = self.events[-1]["replayId"] if self.events else None
        return web.json_response({"events": events, "latestReplayId": latest})
