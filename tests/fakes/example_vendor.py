"""A minimal vendor for testing the connector SDK: items with external ids."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from baton.connectors.sandbox import VendorSandbox


class ExampleSandbox(VendorSandbox):
    """``/v1/items``: create (POST), look up by externalId, page through (GET)."""

    vendor = "example"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.items: list[dict[str, Any]] = []

    def error(self, status: int, message: str) -> web.Response:
        return web.json_response(
            {"error": {"code": status}, "message": message}, status=status
        )

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/items", self._create)
        app.router.add_get("/v1/items", self._list)

    async def _create(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if not body.get("name"):
            return self.error(422, "Item name is required")
        item = {"id": len(self.items) + 1, **body}
        self.items.append(item)
        await self.after_commit(request)
        return web.json_response(item, status=201)

    async def _list(self, request: web.Request) -> web.Response:
        ext = request.query.get("externalId")
        if ext is not None:
            found = [i for i in self.items if i.get("externalId") == ext]
            return web.json_response({"items": found})
        page = int(request.query.get("page", "1"))
        per = int(request.query.get("per_page", "2"))
        chunk = self.items[(page - 1) * per : page * per]
        more = page * per < len(self.items)
        return web.json_response(
            {"items": chunk, "next_page": page + 1 if more else None}
        )
