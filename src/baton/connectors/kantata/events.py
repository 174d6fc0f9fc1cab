"""Kantata's change feed ``GET /api/v1/subscribed_events`` as a time-entry stream.

Kantata records each change as a *subscribed event* (gem catalogue
attributes ``id``, ``event_type``, ``subject_type``, ``subject_id``,
``subject_changed_at``, ``current_payload``/``payload``,
``previous_payload``, ``payload_changes``, ``change_summary``,
``created_at`` …). The stream asks only for ``time_entry:created``,
``time_entry:updated`` and ``time_entry:deleted`` (``event_types=``) and,
for each event in feed order:

* created/updated: yields the entry's canonical :class:`TimeEntry`, mapped
  from the event's payload when it carries every field the mapping reads;
  when the payload is missing or partial (a *gap*) the entry is fetched by
  id (``only=<id>``). An entry gone by then is reported as deleted.
* deleted: reports the subject id in :attr:`KantataEventStream.deleted`
  (each once) and yields nothing — the canonical model has no deletion.

``event_id`` is ``kantata:event:<event id>``: an event read twice is one
inbox duplicate.

**Cursor.** The catalogue names no filter; Kantata's API reference documents
``created_after`` (ISO 8601) as the feed's only time filter and no id
filter, so the cursor is the last event's ``created_at`` plus the ids of the
events already read in that same second: ``<created_at> <id>,<id>…``. A
resumed read asks from one second before that stamp and drops the events
already read there, so an event created in the cursor's second after the
last read is not lost and none is repeated. ``subject_changed_at`` is not a
cursor: Kantata says events may be generated late, so it can lag
``created_at``.

Kantata keeps events for 7–9 days: a cursor older than that resumes with a
gap the feed cannot fill (re-read the ``time_entries`` stream).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from baton.connectors.base import Page, Record
from baton.engine.errors import Invalid

from . import mapping
from .client import reassemble

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    from .client import KantataClient

__all__ = [
    "EVENT_FIELDS",
    "EVENT_TYPES",
    "PAYLOAD_FIELDS",
    "KantataEventStream",
    "format_cursor",
    "parse_cursor",
]

EVENT_TYPES = ("time_entry:created", "time_entry:updated", "time_entry:deleted")
#: every subscribed-event attribute the stream reads (tests hold it to the catalogue)
EVENT_FIELDS = (
    "id",
    "event_type",
    "subject_type",
    "subject_id",
    "created_at",
    "current_payload",
    "payload",
)
#: the time-entry fields :func:`mapping.time_entry` reads: a payload without one is a gap
PAYLOAD_FIELDS = (
    "id",
    "user_id",
    "workspace_id",
    "story_id",
    "date_performed",
    "time_in_minutes",
    "billable",
    "notes",
    "approved",
    "active_submission_id",
)
_SUBJECT = "TimeEntry"
_OVERLAP = dt.timedelta(seconds=1)


def parse_cursor(cursor: str) -> tuple[dt.datetime, frozenset[str]]:
    """``<created_at> <id>,<id>…`` as the stamp and the ids read in its second."""
    stamp, _, ids = cursor.partition(" ")
    return dt.datetime.fromisoformat(stamp), frozenset(filter(None, ids.split(",")))


def format_cursor(stamp: str, ids: list[str]) -> str:
    """The cursor after an event created at ``stamp`` (see the module docstring)."""
    return f"{stamp} {','.join(ids)}"


def _payload(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """The event's current payload (an object, or JSON text), or None."""
    for key in ("current_payload", "payload"):
        value = event.get(key)
        if isinstance(value, str) and value:
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError:
                return None
        if isinstance(value, dict):
            return value
    return None


def _complete(payload: Mapping[str, Any] | None) -> bool:
    return payload is not None and all(f in payload for f in PAYLOAD_FIELDS)


@dataclass
class KantataEventStream:
    """Time entries read from the change feed (see the module docstring).

    Attributes:
        deleted: ids of time entries the feed reported deleted (each once).
        fetched: ids fetched to fill a gap (for observability and tests).
    """

    client: KantataClient
    context: mapping.KantataContext
    name: str = "subscribed_events"
    entity: str = "TimeEntry"
    per_page: int = 200
    deleted: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)

    def _record(self, event_id: str, raw: Mapping[str, Any]) -> Record:
        rid = str(raw["id"])
        try:
            data = mapping.time_entry(raw, self.context)
        except (ValueError, KeyError, TypeError) as exc:
            raise Invalid(
                f"kantata time_entry {rid} cannot be mapped: {exc}",
                rule="kantata.mapping",
                owner_team="delivery_ops",
                fix=f"correct time_entry {rid} in Kantata; it is read again once updated",
            ) from exc
        return Record(self.entity, rid, f"{mapping.SYSTEM}:event:{event_id}", data)

    def _delete(self, subject_id: str) -> None:
        if subject_id not in self.deleted:
            self.deleted.append(subject_id)

    async def _fetch(self, subject_id: str) -> dict[str, Any] | None:
        self.fetched.append(subject_id)
        doc = await self.client.get("time_entries", {"only": subject_id, "per_page": 1})
        for raw in reassemble(doc):
            if str(raw["id"]) == subject_id:
                return raw
        return None

    async def _resolve(self, event: Mapping[str, Any]) -> Record | None:
        subject_id = str(event["subject_id"])
        if str(event["event_type"]).endswith(":deleted"):
            self._delete(subject_id)
            return None
        raw = _payload(event)
        if not _complete(raw):  # a gap: the current record is authoritative
            raw = await self._fetch(subject_id)
            if raw is None:  # gone since the event was recorded
                self._delete(subject_id)
                return None
        assert raw is not None
        return self._record(str(event["id"]), raw)

    async def read(self, cursor: str | None) -> AsyncIterator[Page]:
        """Pages of events after ``cursor`` in feed order; ``None``: the whole feed."""
        params: dict[str, Any] = {"event_types": ",".join(EVENT_TYPES)}
        since: dt.datetime | None = None
        done: frozenset[str] = frozenset()
        last_stamp: str | None = None
        last_ids: list[str] = []
        if cursor is not None:
            since, done = parse_cursor(cursor)
            params["created_after"] = (since - _OVERLAP).isoformat()
            last_stamp, last_ids = since.isoformat(), sorted(done)
        async for page in self.client.pages(
            "subscribed_events", params, per_page=self.per_page
        ):
            records: list[Record] = []
            for event in page.records:
                eid, stamp = str(event["id"]), str(event["created_at"])
                when = dt.datetime.fromisoformat(stamp)
                if since is not None and (
                    when < since or (when == since and eid in done)
                ):
                    continue  # read before: the overlap
                if str(event.get("subject_type", _SUBJECT)) == _SUBJECT:
                    record = await self._resolve(event)
                    if record is not None:
                        records.append(record)
                if last_stamp is not None and (
                    dt.datetime.fromisoformat(last_stamp) == when
                ):
                    last_ids.append(eid)
                else:
                    last_ids = [eid]
                last_stamp = stamp
            if records or last_stamp is not None:
                yield Page(
                    records,
                    format_cursor(last_stamp, last_ids) if last_stamp else cursor,
                )
