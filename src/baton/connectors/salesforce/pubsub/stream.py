"""``opportunity_changes`` over the Pub/Sub API: change events as Records.

Reads ``/data/OpportunityChangeEvent`` after the stored replay id (``None``:
the earliest retained event) and yields one page per ``FetchResponse``, its
cursor the base64 of the last event's replay id (or of the latest replay id
an empty keep-alive reports). The records are those of the JSON feed's
:class:`~baton.connectors.salesforce.connector.ChangeStream`: update bodies
carry only the changed fields, gap events (``GAP_*``) none, and currency
fields arrive as Avro doubles, so every changed record id is fetched
(``fetch``, e.g. ``GET sobjects/Opportunity/<id>``) and mapped whole by
``to_record`` (the ``opportunities`` stream's), giving the same
``event_id`` as that stream for that version. An id changed twice in one
batch is fetched once; deletes (``DELETE``, ``GAP_DELETE``) are noted in
:attr:`PubSubChangeStream.deleted` and not fetched; a record gone by the time
it is fetched (404) is noted in :attr:`PubSubChangeStream.missing`, and
wildcard ids (``006*``, after a field-type change) and undecodable events in
:attr:`PubSubChangeStream.rejected` — re-read the ``opportunities`` stream
for those. The decoded headers of the last read (``changedFields`` … as
names) are kept in :attr:`PubSubChangeStream.headers`.

A cursor the bus rejects (older than 72 h) raises ``Invalid``; clearing the
cursor restarts from ``EARLIEST``.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from baton.connectors.base import Page, Record
from baton.connectors.salesforce.pubsub import codec
from baton.engine.errors import Invalid

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence

    from baton.connectors.salesforce.pubsub.messages import ReceivedEvent
    from baton.connectors.salesforce.pubsub.subscriber import PubSubSubscriber

__all__ = ["CDC_TOPIC", "PubSubChangeStream", "plan"]

CDC_TOPIC = "/data/OpportunityChangeEvent"


def plan(headers: Sequence[codec.ChangeHeader]) -> tuple[list[str], list[str]]:
    """``(ids to fetch in first-seen order, ids deleted)`` for one batch (pure).

    An id deleted after its last change in the batch is not fetched;
    wildcard ids are left out of both.
    """
    fetch: dict[str, None] = {}
    deleted: list[str] = []
    for header in headers:
        for sf_id in header.record_ids:
            if "*" in sf_id:
                continue
            if header.is_delete:
                fetch.pop(sf_id, None)
                deleted.append(sf_id)
            else:
                fetch[sf_id] = None
    return list(fetch), deleted


class PubSubChangeStream:
    """Opportunity change events as canonical records (see the module docstring).

    Args:
        subscriber: the org's Pub/Sub API subscriber.
        fetch: reads one Opportunity by id (the REST client's ``record``).
        to_record: maps a fetched record (the ``opportunities`` stream's
            ``record``; None: rejected there).
        topic: the change-event channel.
        batch_size: events per ``FetchRequest`` (at most 100).
        max_events: events per read at most.
        idle_wait: seconds without a response that end a read.
        deleted: where deleted ids are noted (the opportunities stream's list).
    """

    name = "opportunity_changes"
    entity = "Opportunity"

    def __init__(
        self,
        subscriber: PubSubSubscriber,
        *,
        fetch: Callable[[str], Awaitable[Mapping[str, Any]]],
        to_record: Callable[[Mapping[str, Any]], Record | None],
        topic: str = CDC_TOPIC,
        batch_size: int = 100,
        max_events: int = 1000,
        idle_wait: float = 5.0,
        deleted: list[str] | None = None,
    ) -> None:
        self.subscriber = subscriber
        self.topic = topic
        self.batch_size = batch_size
        self.max_events = max_events
        self.idle_wait = idle_wait
        self.deleted = deleted if deleted is not None else []
        self.fetched: list[str] = []
        self.missing: list[str] = []
        self.rejected: list[tuple[str, str]] = []
        self.headers: list[codec.ChangeHeader] = []
        self._fetch = fetch
        self._to_record = to_record

    async def health(self) -> None:
        """``GetTopic`` on the topic: raises unless it can be subscribed to."""
        await self.subscriber.health(self.topic)

    async def read(self, cursor: str | None) -> AsyncIterator[Page]:
        """Pages of changed opportunities after the replay id in ``cursor``.

        Raises:
            baton.engine.errors.Invalid: the cursor is not a replay id or the
                bus no longer holds it (clear it to restart from EARLIEST).
        """
        start = None
        if cursor:
            try:
                start = codec.decode_cursor(cursor)
            except ValueError as exc:
                raise Invalid(
                    f"salesforce pubsub: {exc}",
                    rule="salesforce.pubsub",
                    owner_team="",
                    fix="clear the stream's cursor to read from EARLIEST",
                ) from exc
        self.headers = []
        batches = self.subscriber.subscribe(
            self.topic,
            start,
            batch_size=self.batch_size,
            max_events=self.max_events,
            idle_wait=self.idle_wait,
        )
        async with contextlib.aclosing(batches):  # ends the call when we stop
            async for batch in batches:
                events = batch.events
                last = events[-1].replay_id if events else batch.latest_replay_id
                moved = codec.encode_cursor(last) if last else cursor
                records = await self._records(events)
                if records or moved != cursor:
                    cursor = moved
                    yield Page(records, cursor)

    async def _records(self, events: Sequence[ReceivedEvent]) -> list[Record]:
        headers = []
        for event in events:
            where = codec.encode_cursor(event.replay_id)
            if event.payload is None:
                self.rejected.append((where, event.error))
                continue
            try:
                header = codec.change_header(
                    event.payload["ChangeEventHeader"], event.schema
                )
            except (KeyError, TypeError, ValueError) as exc:
                self.rejected.append((where, f"no usable ChangeEventHeader: {exc}"))
                continue
            wild = [i for i in header.record_ids if "*" in i]
            if wild:
                self.rejected.append((where, f"wildcard ids {wild}: re-read"))
            headers.append(header)
        self.headers.extend(headers)
        ids, deleted = plan(headers)
        self.deleted.extend(deleted)
        out = []
        for sf_id in ids:
            try:
                raw = await self._fetch(sf_id)
            except Invalid as exc:
                if exc.status != 404:
                    raise
                self.missing.append(sf_id)
                continue
            self.fetched.append(sf_id)
            record = self._to_record(raw)
            if record is not None:
                out.append(record)
        return out
