"""Serve a hub over HTTP with uvicorn (uvloop + httptools when present)."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

import uvicorn

from baton.api.app import create_app
from baton.bootstrap import build

if TYPE_CHECKING:
    from baton.config import Settings

__all__ = ["run_server", "server_for"]


def server_for(settings: Settings, app: object) -> uvicorn.Server:
    """A uvicorn server for ``app`` on the configured host and port."""
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=settings.host,
        port=settings.port,
        loop="auto",
        http="auto",
        access_log=False,
        log_level=settings.log_level,
        lifespan="on",
        backlog=2048,
        proxy_headers=False,
    )
    return uvicorn.Server(config)


def run_server(settings: Settings) -> None:
    """Build the hub and serve it until SIGINT/SIGTERM."""
    hub = build(settings)
    app = create_app(hub)
    # Everything built so far lives as long as the process: keep it out of
    # the collector's generations so full collections stay short (tail latency).
    gc.collect()
    gc.freeze()
    server_for(settings, app).run()
