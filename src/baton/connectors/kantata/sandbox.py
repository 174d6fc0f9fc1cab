"""A local Kantata OX: keyed-map pages, ``updated_after``, writes, change feed.

One aiohttp app on :class:`baton.connectors.sandbox.VendorSandbox` (tokens,
limits, faults) built from three layers:

* :mod:`.sandbox_base`: the collections, the sandbox clock and Kantata's list
  shape and filters (including ``external_reference_*`` and
  ``include=external_references``), ``counts()``;
* :mod:`.sandbox_feed`: ``GET /api/v1/subscribed_events.json``;
* :mod:`.sandbox_writes`: workspaces, participations (and their rate),
  external references, ``users/me``.

This module adds the seed helpers tests use and
``POST /api/v1/time_entries.json`` with Kantata's required fields. Records
get increasing ``updated_at`` stamps from the sandbox clock (one minute per
change), so tests control what "newer" means.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .sandbox_base import COLLECTIONS
from .sandbox_feed import SUBJECTS
from .sandbox_writes import KantataWriteRoutes

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["COLLECTIONS", "KantataSandbox"]

_REQUIRED = ("workspace_id", "date_performed", "time_in_minutes")
_FEED_KINDS = {collection: kind for kind, (collection, _) in SUBJECTS.items()}


class KantataSandbox(KantataWriteRoutes):
    """Kantata's API v1 list, create and feed endpoints (see the module docstring)."""

    # -- seed helpers ----------------------------------------------------------
    def add(self, collection: str, **fields: Any) -> dict[str, Any]:
        """Store a record with a fresh id (and timestamps); return it.

        A time entry or workspace also records its ``<kind>:created`` event.
        """
        record = self.store(collection, **fields)
        if kind := _FEED_KINDS.get(collection):
            self.emit_event(record["id"], f"{kind}:created", previous=None)
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
        record.update(changes, updated_at=self.stamp())
        if kind := _FEED_KINDS.get(collection):
            self.emit_event(rid, f"{kind}:updated", previous=previous)
        return record

    def delete_time_entry(self, rid: str) -> dict[str, Any]:
        """Remove a time entry and record its ``time_entry:deleted`` event."""
        previous = self.data["time_entries"].pop(rid)
        self.stamp()
        return self.emit_event(rid, "time_entry:deleted", previous=previous)

    # -- the vendor's shape ----------------------------------------------------
    def routes(self, app: web.Application) -> None:
        app.router.add_get("/api/v1/users/me.json", self.me)
        app.router.add_get("/api/v1/users/me", self.me)
        for name in COLLECTIONS:
            app.router.add_get(f"/api/v1/{name}.json", self.list_records)
            app.router.add_get(f"/api/v1/{name}", self.list_records)
        app.router.add_post("/api/v1/time_entries.json", self._create_time_entry)
        app.router.add_post("/api/v1/workspaces.json", self.create_workspace)
        app.router.add_post("/api/v1/participations.json", self.create_participation)
        app.router.add_put(
            "/api/v1/participations/{id}.json", self.update_participation
        )
        app.router.add_get("/api/v1/subscribed_events.json", self.list_events)
        app.router.add_get("/api/v1/subscribed_events", self.list_events)

    async def _create_time_entry(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request, "time_entry")
        if not isinstance(body, dict):
            return self.error(422, "time_entry is required")
        missing = [f for f in _REQUIRED if body.get(f) in (None, "")]
        if missing:
            return self.error(422, f"{', '.join(missing)} can't be blank")
        if body["workspace_id"] not in self.data["workspaces"]:
            return self.error(422, "Workspace must be one you participate in")
        record = self.add_time_entry(**body)
        await self.after_commit(request)
        return self.one("time_entries", record)
