"""Liveness and readiness."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from baton.api.deps import HubDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(hub: HubDep) -> JSONResponse | dict[str, object]:
    """The store answers and at least one target is configured."""

    def _ping() -> None:
        with hub.store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    problems = []
    try:
        await asyncio.to_thread(_ping)
    except Exception as exc:  # any failure means not ready
        problems.append(f"store: {str(exc).splitlines()[0]}")
    if not hub.targets:
        problems.append("no ERP target configured (--erp-url or approved_time.target)")
    if problems:
        return JSONResponse({"status": "not ready", "problems": problems}, 503)
    pulls = {
        name: {"runs": p.runs, "last_at": p.last_at, "last_error": p.last_error}
        for name, p in hub.pulls.items()
    }
    return {"status": "ready", "refdata": hub.refdata.counts(), "pulls": pulls}
