"""The events a Pub/Sub sandbox holds: Avro-encoded change events (for tests).

:class:`EventLog` keeps one topic's :class:`ConsumerEvent` messages with
increasing 8-byte replay ids, encoded with
:data:`~baton.connectors.salesforce.pubsub.schema.OPPORTUNITY_CHANGE_EVENT`.
:meth:`EventLog.publish` adds one; :meth:`EventLog.mirror` copies the events
the REST sandbox's store logged (``store.events``: ``{"replayId", "event":
{"ChangeEventHeader", <fields>}}``) that it has not copied yet, so records
added or touched there show up on the bus too. :class:`Faults` holds the
injected :class:`GrpcFault` statuses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from baton.connectors.salesforce.pubsub import codec
from baton.connectors.salesforce.pubsub import pubsub_api_pb2 as pb2
from baton.connectors.salesforce.pubsub.schema import (
    OPPORTUNITY_CHANGE_EVENT,
    OPPORTUNITY_FIELDS,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    import grpc

__all__ = ["FIRST_REPLAY", "EventLog", "Faults", "GrpcFault", "avro_value"]

FIRST_REPLAY = 7_000_000
_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
_USER = "005000000000001AAA"


def avro_value(field: str, value: Any) -> Any:
    """A REST-style value as the sandbox schema's Avro value (None: unusable)."""
    kind = OPPORTUNITY_FIELDS.get(field)
    if value is None or kind is None:
        return None
    if kind == "double":
        return float(value)
    if kind == "long":  # date / dateTime as epoch milliseconds
        text = str(value)
        if len(text) == 10:
            text += "T00:00:00+00:00"
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=dt.UTC)
        return (stamp - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(
            milliseconds=1
        )
    return str(value)


class EventLog:
    """One topic's events (see the module docstring)."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.raw_schema = OPPORTUNITY_CHANGE_EVENT
        self.schema_json = json.dumps(self.raw_schema, sort_keys=True)
        self.schema_id = hashlib.sha256(self.schema_json.encode()).hexdigest()[:22]
        self.schema = codec.parse_schema(self.raw_schema)
        self.events: list[pb2.ConsumerEvent] = []
        self.published: list[dict[str, Any]] = []
        self._mirrored = 0

    def replay_ids(self) -> list[bytes]:
        """Every held replay id, oldest first."""
        return [bytes(e.replay_id) for e in self.events]

    def publish(
        self,
        change_type: str,
        record_ids: Iterable[str],
        fields: Mapping[str, Any] | None = None,
        *,
        changed: Iterable[str] | None = None,
        nulled: Iterable[str] = (),
        origin: str = "",
        entity: str = "Opportunity",
    ) -> bytes:
        """Append one change event; its replay id.

        ``fields`` are REST-style values (converted by :func:`avro_value`;
        unknown fields dropped); ``changed`` defaults to the fields given
        on updates and to none otherwise [kb: what a real CREATE lists].
        """
        n = len(self.events)
        body = {k: avro_value(k, v) for k, v in (fields or {}).items()}
        body = {k: v for k, v in body.items() if v is not None}
        if changed is None:
            changed = list(body) if change_type.endswith("UPDATE") else []
        if change_type.startswith("GAP_"):
            body, changed = {}, []
        header = codec.ChangeHeader(
            entity_name=entity,
            record_ids=tuple(record_ids),
            change_type=change_type,
            change_origin=origin,
            transaction_key=f"{n:08x}-0000-4000-8000-00000000b470",
            sequence_number=1,
            commit_timestamp=_EPOCH + dt.timedelta(seconds=n),
            commit_number=10_716_283_339_728 + n,
            commit_user=_USER,
            changed_fields=tuple(changed),
            nulled_fields=tuple(nulled),
        )
        record = {
            "ChangeEventHeader": codec.header_record(header, self.schema),
            **dict.fromkeys(OPPORTUNITY_FIELDS),
            **body,
        }
        replay = (FIRST_REPLAY + n).to_bytes(8, "big")
        event = pb2.ProducerEvent(
            id=f"e{n:08d}",
            schema_id=self.schema_id,
            payload=codec.encode(record, self.schema),
        )
        self.events.append(pb2.ConsumerEvent(event=event, replay_id=replay))
        self.published.append(record)
        return replay

    def mirror(self, store: object) -> None:
        """Publish the store's logged events not copied yet (see the module doc)."""
        logged = getattr(store, "events", None)
        if not isinstance(logged, list):
            return
        for item in logged[self._mirrored :]:
            event = dict(item.get("event") or {})
            header = event.pop("ChangeEventHeader", {})
            self.publish(
                str(header.get("changeType", "UPDATE")),
                [str(i) for i in header.get("recordIds", [])],
                {k: v for k, v in event.items() if k in OPPORTUNITY_FIELDS},
                entity=str(header.get("entityName", "Opportunity")),
            )
        self._mirrored = len(logged)


@dataclass
class GrpcFault:
    """End the next ``count`` calls of ``method`` with ``code`` (after ``after_events``)."""

    code: grpc.StatusCode
    method: str = "Subscribe"
    message: str = "injected"
    after_events: int = 0
    count: int = 1
    error_code: str = ""


@dataclass
class Faults:
    """Queued faults; :meth:`take` hands out the next one due."""

    queue: list[GrpcFault] = field(default_factory=list)

    def take(self, method: str, delivered: int | None = None) -> GrpcFault | None:
        """The next fault due: at the call's start, or after ``delivered`` events."""
        for fault in self.queue:
            due = (
                fault.after_events == 0
                if delivered is None
                else 0 < fault.after_events <= delivered
            )
            if fault.method == method and fault.count > 0 and due:
                fault.count -= 1
                if fault.count == 0:
                    self.queue.remove(fault)
                return fault
        return None
