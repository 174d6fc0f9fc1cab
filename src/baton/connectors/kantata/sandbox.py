"""A local Kantata OX: keyed-map pages, ``updated_after``, its error body.

Serves ``GET /api/v1/<collection>.json`` for time entries, users,
workspaces, stories, expenses and participations with Kantata's list shape
(``count``, ``meta``, ordered ``results`` of ``{key, id}``, one map per
collection keyed by id — deliberately *not* in result order, so a client
must follow ``results``), the ``page``/``per_page`` (max 200) and
``updated_after`` filters, ``order=updated_at:asc``, and
``POST /api/v1/time_entries.json`` with Kantata's required fields. Errors
are ``{"errors": [{"type", "message"}]}``.

Records get increasing ``updated_at`` stamps from a sandbox clock (one
minute per change), so tests control what "newer" means. ``only=<id>,…``
narrows any list to those ids.

The change feed ``GET /api/v1/subscribed_events.json`` serves the events the
seed helpers record: every time entry added or touched records a
``time_entry:created``/``:updated`` event carrying the entry as
``current_payload`` and ``payload`` (with ``previous_payload`` and
``payload_changes``); :meth:`KantataSandbox.delete_time_entry` records a
``:deleted`` one and :meth:`KantataSandbox.emit_event` any event, e.g. one
without payload (a gap). The feed is ordered by ``created_at`` then id and
filtered by ``created_after`` (exclusive) and ``event_types``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from baton.connectors.sandbox import VendorSandbox

__all__ = ["COLLECTIONS", "KantataSandbox"]

COLLECTIONS = (
    "time_entries",
    "users",
    "workspaces",
    "stories",
    "expenses",
    "participations",
)
_REQUIRED = ("workspace_id", "date_performed", "time_in_minutes")
_MAX_PER_PAGE = 200


class KantataSandbox(VendorSandbox):
    """Kantata's API v1 list and create endpoints (see the module docstring)."""

    vendor = "kantata"
    token_path = "/oauth/token"  # noqa: S105 - a URL path, not a secret

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data: dict[str, dict[str, dict[str, Any]]] = {c: {} for c in COLLECTIONS}
        self.clock = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
        self._next_id = 1000
        self.events: dict[str, dict[str, Any]] = {}
        self._next_event = 5000

    # -- seed helpers ----------------------------------------------------------
    def _stamp(self) -> str:
        self.clock += dt.timedelta(minutes=1)
        return self.clock.isoformat()

    def add(self, collection: str, **fields: Any) -> dict[str, Any]:
        """Store a record with a fresh id (and timestamps); return it."""
        self._next_id += 1
        record: dict[str, Any] = {"id": str(self._next_id)}
        if collection != "users":  # Kantata users carry no timestamps
            now = self._stamp()
            record |= {"created_at": now, "updated_at": now}
        record.update(fields)
        self.data[collection][record["id"]] = record
        if collection == "time_entries":
            self.emit_event(record["id"], "time_entry:created", previous=None)
        return record

    def add_time_entry(self, **fields: Any) -> dict[str, Any]:
        """A time entry with plausible defaults (90 minutes, USD 200/h)."""
        defaults: dict[str, Any] = {
            "workspace_id": "2838383",
            "user_id": "3",
            "story_id": None,
            "date_performed": "2026-11-02",
            "time_in_minutes": 90,
            "billable": True,
            "notes": "",
            "rate_in_cents": 20000,
            "currency": "USD",
            "currency_symbol": "$",
            "currency_base_unit": 100,
            "approved": False,
            "is_invoiced": False,
            "active_submission_id": None,
        }
        return self.add("time_entries", **{**defaults, **fields})

    def seed_catalogue(self) -> None:
        """One workspace, user, story, expense and approved time entry."""
        ws = self.add(
            "workspaces",
            title="Rollout",
            archived=False,
            start_date="2026-11-01",
            currency="USD",
            currency_base_unit=100,
            price_in_cents=500000,
            status={"color": "green", "message": "Active", "key": 305},
            primary_maven_id="3",
            participant_ids=["3"],
        )
        self.add("users", full_name="Ada Lovelace", email_address="ada@example.com")
        self.add("stories", title="Design", workspace_id=ws["id"], billable=True)
        self.add(
            "expenses",
            workspace_id=ws["id"],
            user_id="3",
            date="2026-11-03",
            category="Travel",
            amount_in_cents=4599,
            currency="USD",
            is_billable=True,
            notes="Taxi",
        )
        self.add_time_entry(workspace_id=ws["id"], approved=True)

    def touch(self, collection: str, rid: str, **changes: Any) -> dict[str, Any]:
        """Change a record and bump its ``updated_at``."""
        record = self.data[collection][rid]
        previous = dict(record)
        record.update(changes, updated_at=self._stamp())
        if collection == "time_entries":
            self.emit_event(rid, "time_entry:updated", previous=previous)
        return record

    def delete_time_entry(self, rid: str) -> dict[str, Any]:
        """Remove a time entry and record its ``time_entry:deleted`` event."""
        previous = self.data["time_entries"].pop(rid)
        self._stamp()
        return self.emit_event(rid, "time_entry:deleted", previous=previous)

    def emit_event(
        self,
        subject_id: str,
        event_type: str,
        *,
        payload: Any = "current",
        previous: dict[str, Any] | None = None,
        created_at: str | None = None,
    ) -> dict[str, Any]:
        """Record a subscribed event about time entry ``subject_id``; return it.

        ``payload="current"`` copies the entry as it is now (``None`` once
        deleted); pass ``None`` or a partial dict to simulate a gap.
        ``created_at`` defaults to the sandbox clock.
        """
        if isinstance(payload, str) and payload == "current":
            current = self.data["time_entries"].get(subject_id)
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
            "subject_type": "TimeEntry",
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

    # -- the vendor's shape ----------------------------------------------------
    def error(self, status: int, message: str) -> web.Response:
        kind = "validation" if status == 422 else "system"
        return web.json_response(
            {"errors": [{"type": kind, "message": message}]}, status=status
        )

    def routes(self, app: web.Application) -> None:
        for name in COLLECTIONS:
            app.router.add_get(f"/api/v1/{name}.json", self._list)
            app.router.add_get(f"/api/v1/{name}", self._list)
        app.router.add_post("/api/v1/time_entries.json", self._create_time_entry)
        app.router.add_get("/api/v1/subscribed_events.json", self._events)
        app.router.add_get("/api/v1/subscribed_events", self._events)

    @staticmethod
    def _page(
        key: str, rows: list[dict[str, Any]], page: int, per: int
    ) -> dict[str, Any]:
        chunk = rows[(page - 1) * per : page * per]
        meta = {
            "count": len(rows),
            "page_count": max(1, -(-len(rows) // per)),
            "page_number": page,
            "page_size": per,
        }
        return KantataSandbox.envelope(key, chunk, meta)

    async def _events(self, request: web.Request) -> web.Response:
        query = request.query
        try:
            page = int(query.get("page", "1"))
            per = min(int(query.get("per_page", "20")), _MAX_PER_PAGE)
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
        return web.json_response(self._page("subscribed_events", rows, page, per))

    @staticmethod
    def envelope(
        key: str, records: list[dict[str, Any]], meta: dict[str, int]
    ) -> dict[str, Any]:
        """Kantata's list body: ordered ``results``, records in a keyed map."""
        keyed = {
            r["id"]: r for r in sorted(records, key=lambda r: r["id"], reverse=True)
        }
        return {
            "count": meta["count"],
            "meta": meta,
            "results": [{"key": key, "id": r["id"]} for r in records],
            key: keyed,
        }

    async def _list(self, request: web.Request) -> web.Response:
        key = request.path.removeprefix("/api/v1/").removesuffix(".json")
        query = request.query
        try:
            page = int(query.get("page", "1"))
            per = min(int(query.get("per_page", "20")), _MAX_PER_PAGE)
            after = query.get("updated_after")
            since = dt.datetime.fromisoformat(after) if after else None
        except ValueError as exc:
            return self.error(400, f"invalid filter: {exc}")
        if page < 1 or per < 1:
            return self.error(400, "page and per_page must be positive")
        rows = list(self.data[key].values())
        if only := query.get("only"):
            ids = set(only.split(","))
            rows = [r for r in rows if r["id"] in ids]
        if since is not None:
            rows = [
                r for r in rows if dt.datetime.fromisoformat(r["updated_at"]) > since
            ]
        if query.get("order") == "updated_at:asc":
            rows.sort(key=lambda r: (r["updated_at"], int(r["id"])))
        else:
            rows.sort(key=lambda r: int(r["id"]))
        chunk = rows[(page - 1) * per : page * per]
        meta = {
            "count": len(rows),
            "page_count": max(1, -(-len(rows) // per)),
            "page_number": page,
            "page_size": per,
        }
        return web.json_response(self.envelope(key, chunk, meta))

    async def _create_time_entry(self, request: web.Request) -> web.StreamResponse:
        doc = await request.json()
        body = doc.get("time_entry") if isinstance(doc, dict) else None
        if not isinstance(body, dict):
            return self.error(422, "time_entry is required")
        missing = [f for f in _REQUIRED if body.get(f) in (None, "")]
        if missing:
            return self.error(422, f"{', '.join(missing)} can't be blank")
        if body["workspace_id"] not in self.data["workspaces"]:
            return self.error(422, "Workspace must be one you participate in")
        record = self.add_time_entry(**body)
        await self.after_commit(request)
        meta = {"count": 1, "page_count": 1, "page_number": 1, "page_size": 1}
        return web.json_response(self.envelope("time_entries", [record], meta))
