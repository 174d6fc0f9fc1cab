"""The FastAPI application factory."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI

from baton import __version__
from baton.api.ingress import HotPath
from baton.api.routes import health, records, time_entries, webhooks

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from baton.bootstrap import Hub

__all__ = ["create_app"]


def create_app(hub: Hub, *, manage_hub: bool = True) -> HotPath:
    """The ASGI app serving ``hub``; with ``manage_hub`` it starts and stops it.

    The time-entry ingress is answered by :class:`HotPath` before the
    framework's middleware; everything else (and the lifespan) is FastAPI's,
    reachable as ``create_app(hub).app``.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if manage_hub:
            await hub.start()
        try:
            yield
        finally:
            if manage_hub:
                await hub.stop()

    app = FastAPI(
        title="Baton",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.hub = hub
    app.include_router(health.router)
    app.include_router(time_entries.router, prefix="/api/v1")
    app.include_router(records.router, prefix="/api/v1")
    app.include_router(webhooks.router, prefix="/api/v1")
    return HotPath(app, hub)
