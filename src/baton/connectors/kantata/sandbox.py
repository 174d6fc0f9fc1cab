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
minute per change), so tests control what "newer" means.
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
        record.update(changes, updated_at=self._stamp())
        return record

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
