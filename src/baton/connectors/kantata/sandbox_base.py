"""The local Kantata OX's state and list shape (see :mod:`.sandbox` for the whole).

Holds one map per collection, the sandbox clock (one :attr:`~KantataBase.tick`,
a minute unless a test sets it, per change) and Kantata's list answer:
``count``, ``meta``, ordered ``results`` of ``{key, id}`` and one map per
collection keyed by id — deliberately *not* in result order, so a client
must follow ``results``. Lists take ``page``/``per_page`` (max 200),
``updated_after``, ``order=updated_at:asc``, ``only=<id>,…``,
``workspace_id=`` (required for participations), ``include_archived=true``
(archived workspaces are hidden without it) and the
``external_reference_service_name`` / ``_service_model`` /
``_service_model_ref`` filters; ``include=external_references`` side-loads
the matching references under their own top-level key. Errors are
``{"errors": [{"type", "message"}]}``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from aiohttp import web

from baton.connectors.sandbox import VendorSandbox

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["COLLECTIONS", "MAX_PER_PAGE", "KantataBase"]

COLLECTIONS = (
    "time_entries",
    "users",
    "workspaces",
    "stories",
    "expenses",
    "participations",
    "external_references",
)
MAX_PER_PAGE = 200
# collections whose records carry no timestamps (participations have them:
# the docs filter them by created_after; the gem catalogue omits them)
_UNSTAMPED = frozenset({"users"})
# collections Kantata lists only within one workspace (documented as required)
_PER_WORKSPACE = frozenset({"participations"})
_REF_FILTERS = ("service_name", "service_model", "service_model_ref")


class KantataBase(VendorSandbox):
    """Collections, clock, list endpoint and error body of the Kantata sandbox."""

    vendor = "kantata"
    token_path = "/oauth/token"  # noqa: S105 - a URL path, not a secret

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data: dict[str, dict[str, dict[str, Any]]] = {c: {} for c in COLLECTIONS}
        self.clock = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
        self.tick = dt.timedelta(minutes=1)  # the clock's step per change
        self._next_id = 1000
        # False: ignore the external_reference_* filters, as a server that
        # does not know them would (the client must check what it gets)
        self.reference_filters = True

    def counts(self) -> dict[str, int]:
        """Records held per collection."""
        return {name: len(rows) for name, rows in self.data.items()}

    def stamp(self) -> str:
        """Advance the sandbox clock one :attr:`tick`; its new time."""
        self.clock += self.tick
        return self.clock.isoformat()

    def store(self, collection: str, **fields: Any) -> dict[str, Any]:
        """Store a record with a fresh id (and timestamps); return it."""
        self._next_id += 1
        record: dict[str, Any] = {"id": str(self._next_id)}
        if collection not in _UNSTAMPED:
            now = self.stamp()
            record |= {"created_at": now, "updated_at": now}
        record.update(fields)
        self.data[collection][record["id"]] = record
        return record

    # -- the vendor's shape ----------------------------------------------------
    def error(self, status: int, message: str) -> web.Response:
        kind = "validation" if status == 422 else "system"
        return web.json_response(
            {"errors": [{"type": kind, "message": message}]}, status=status
        )

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

    @classmethod
    def page_of(
        cls, key: str, rows: list[dict[str, Any]], page: int, per: int
    ) -> dict[str, Any]:
        """Page ``page`` of ``rows`` (``per`` a page) in the list shape."""
        chunk = rows[(page - 1) * per : page * per]
        meta = {
            "count": len(rows),
            "page_count": max(1, -(-len(rows) // per)),
            "page_number": page,
            "page_size": per,
        }
        return cls.envelope(key, chunk, meta)

    def one(self, key: str, record: dict[str, Any]) -> web.Response:
        """A single record (a create's or an update's answer)."""
        meta = {"count": 1, "page_count": 1, "page_number": 1, "page_size": 1}
        return web.json_response(self.envelope(key, [record], meta))

    def _references(self, subject: Mapping[str, Any]) -> list[dict[str, Any]]:
        refs = self.data["external_references"]
        return [refs[r] for r in subject.get("external_reference_ids", []) if r in refs]

    def _narrow(
        self, rows: list[dict[str, Any]], query: Mapping[str, str]
    ) -> list[dict[str, Any]]:
        if only := query.get("only"):
            ids = set(only.split(","))
            rows = [r for r in rows if r["id"] in ids]
        if workspace := query.get("workspace_id"):
            rows = [r for r in rows if str(r.get("workspace_id")) == workspace]
        wanted = {
            f: query[f"external_reference_{f}"]
            for f in _REF_FILTERS
            if f"external_reference_{f}" in query
        }
        if wanted and self.reference_filters:
            rows = [
                r
                for r in rows
                if any(
                    all(str(ref.get(f)) == v for f, v in wanted.items())
                    for ref in self._references(r)
                )
            ]
        return rows

    async def list_records(self, request: web.Request) -> web.Response:
        """``GET /api/v1/<collection>.json`` with the filters in the module docstring."""
        key = request.path.removeprefix("/api/v1/").removesuffix(".json")
        query = request.query
        try:
            page = int(query.get("page", "1"))
            per = min(int(query.get("per_page", "20")), MAX_PER_PAGE)
            after = query.get("updated_after")
            since = dt.datetime.fromisoformat(after) if after else None
        except ValueError as exc:
            return self.error(400, f"invalid filter: {exc}")
        if page < 1 or per < 1:
            return self.error(400, "page and per_page must be positive")
        if key in _PER_WORKSPACE and not query.get("workspace_id"):
            return self.error(400, "workspace_id is required")  # status [kb]
        rows = self._narrow(list(self.data[key].values()), query)
        if key == "workspaces" and query.get("include_archived") != "true":
            rows = [r for r in rows if not r.get("archived")]
        if since is not None:
            rows = [
                r for r in rows if dt.datetime.fromisoformat(r["updated_at"]) > since
            ]
        if query.get("order") == "updated_at:asc":
            rows.sort(key=lambda r: (r.get("updated_at", ""), int(r["id"])))
        else:
            rows.sort(key=lambda r: int(r["id"]))
        doc = self.page_of(key, rows, page, per)
        if "external_references" in query.get("include", "").split(","):
            doc["external_references"] = {
                ref["id"]: ref
                for record in doc[key].values()
                for ref in self._references(record)
            }
        return web.json_response(doc)
