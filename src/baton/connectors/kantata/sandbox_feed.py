"""The local Kantata OX's change feed ``GET /api/v1/subscribed_events.json``.

Every time entry or workspace the sandbox adds or touches records a
``<kind>:created``/``:updated`` event carrying the record as
``current_payload`` and ``payload`` (with ``previous_payload`` and
``payload_changes``); a deleted time entry records ``time_entry:deleted``, and
:meth:`KantataFeed.emit_event` records any event, e.g. one without payload
(a gap). The feed is ordered by ``created_at`` then id and filtered by
``created_after`` (exclusive) and ``event_types``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from .sandbox_base import MAX_PER_PAGE, KantataBase

__all__ = ["SUBJECTS", "KantataFeed"]

#: event prefix → (collection, ``subject_type``)
SUBJECTS = {
    "time_entry": ("time_entries", "TimeEntry"),
    "workspace": ("workspaces", "Workspace"),
}


class KantataFeed(KantataBase):
    """The sandbox's subscribed events (see the module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.events: dict[str, dict[str, Any]] = {}
        self._next_event = 5000

    def emit_event(
        self,
        subject_id: str,
        event_type: str,
        *,
        payload: Any = "current",
        previous: dict[str, Any] | None = None,
        created_at: str | None = None,
    ) -> dict[str, Any]:
        """Record a subscribed event about record ``subject_id``; return it.

        The subject's kind is the event type's prefix (``time_entry``,
        ``workspace``). ``payload="current"`` copies the record as it is now
        (``None`` once deleted); pass ``None`` or a partial dict to simulate a
        gap. ``created_at`` defaults to the sandbox clock.
        """
        collection, subject_type = SUBJECTS[event_type.partition(":")[0]]
        if isinstance(payload, str) and payload == "current":
            current = self.data[collection].get(subject_id)
            payload = dict(current) if current is not None else None
        changes = (
            {
                k: [previous.get(k), v]
                for k, v in payload.items()
                if previous.get(k) != v
            }
            if isinstance(payload, dict) and previous is not None
            else None
        )
        self._next_event += 1
        stamp = created_at or self.clock.isoformat()
        event: dict[str, Any] = {
            "id": str(self._next_event),
            "account_id": 1,
            "user_id": 3,
            "event_type": event_type,
            "subject_type": subject_type,
            "subject_id": int(subject_id),
            "subject_changed_at": self.clock.isoformat(),
            "current_payload": payload,
            "payload": payload,
            "previous_payload": previous,
            "payload_changes": changes,
            "change_summary": event_type.partition(":")[2],
            "created_at": stamp,
            "updated_at": stamp,
        }
        self.events[event["id"]] = event
        return event

    async def list_events(self, request: web.Request) -> web.Response:
        """``GET /api/v1/subscribed_events.json`` (see the module docstring)."""
        query = request.query
        try:
            page = int(query.get("page", "1"))
            per = min(int(query.get("per_page", "20")), MAX_PER_PAGE)
            after = query.get("created_after")
            since = dt.datetime.fromisoformat(after) if after else None
        except ValueError as exc:
            return self.error(400, f"invalid filter: {exc}")
        if page < 1 or per < 1:
            return self.error(400, "page and per_page must be positive")
        rows = list(self.events.values())
        if since is not None:
            rows = [
                r for r in rows if dt.datetime.fromisoformat(r["created_at"]) > since
            ]
        if types := query.get("event_types"):
            wanted = set(types.split(","))
            rows = [r for r in rows if r["event_type"] in wanted]
        rows.sort(
            key=lambda r: (dt.datetime.fromisoformat(r["created_at"]), int(r["id"]))
        )
        return web.json_response(self.page_of("subscribed_events", rows, page, per))
