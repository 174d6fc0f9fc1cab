"""Read endpoints: deliveries, quarantine, dead letters, status; and replays."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException

from baton.api.deps import HubDep
from baton.api.schemas import (
    DeadLetterPublic,
    DeliveryPublic,
    QuarantinePublic,
    ReplayItemPublic,
    ReplayReportPublic,
    ReplayRequest,
    StatusPublic,
    json_or_text,
)
from baton.workflows.replay import Replayer, ReplayError, Selection

if TYPE_CHECKING:
    from baton.store.ports import DeliveryRow, QuarantineRow

router = APIRouter(tags=["operations"])


def _with_payload(row: DeliveryRow | QuarantineRow) -> dict[str, Any]:
    doc = dataclasses.asdict(row)
    doc["payload"] = json_or_text(row.payload)
    return doc


@router.get("/deliveries", response_model=list[DeliveryPublic])
async def list_deliveries(
    hub: HubDep, state: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Newest deliveries first; ``state`` = pending | confirmed | quarantined | dead."""
    rows = await asyncio.to_thread(hub.store.list_deliveries, state, min(limit, 1000))
    return [_with_payload(r) for r in rows]


@router.get("/deliveries/{delivery_id}", response_model=DeliveryPublic)
async def get_delivery(hub: HubDep, delivery_id: str) -> dict[str, Any]:
    """One delivery."""
    row = await asyncio.to_thread(hub.store.get_delivery, delivery_id)
    if row is None:
        raise HTTPException(404, f"no delivery {delivery_id}")
    return _with_payload(row)


@router.get("/quarantine", response_model=list[QuarantinePublic])
async def list_quarantine(
    hub: HubDep,
    status: str = "open",
    owner_team: str | None = None,
    rule: str | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Quarantined records, oldest first, by status, owner team and rule."""
    rows = await asyncio.to_thread(
        hub.store.list_quarantine, status, owner_team, rule, min(limit, 10_000)
    )
    return [_with_payload(r) for r in rows]


@router.get("/quarantine/{item_id}", response_model=QuarantinePublic)
async def get_quarantine(hub: HubDep, item_id: str) -> dict[str, Any]:
    """One quarantined record."""
    row = await asyncio.to_thread(hub.store.get_quarantine, item_id)
    if row is None:
        raise HTTPException(404, f"no quarantine item {item_id}")
    return _with_payload(row)


@router.get("/dead-letters", response_model=list[DeadLetterPublic])
async def list_dead_letters(
    hub: HubDep, status: str = "open", limit: int = 1000
) -> list[dict[str, Any]]:
    """Deliveries that gave up, oldest first."""
    rows = await asyncio.to_thread(
        hub.store.list_dead_letters, status, min(limit, 10_000)
    )
    return [dataclasses.asdict(r) for r in rows]


async def _replay(hub: HubDep, req: ReplayRequest, kind: str) -> ReplayReportPublic:
    replayer = Replayer(hub.store, hub.time_entries)
    sel = Selection(req.ids, req.rule, req.owner_team, req.all)
    try:
        if kind == "quarantine":
            plans = await asyncio.to_thread(
                lambda: replayer.quarantine(
                    sel, dry_run=req.dry_run, actor="api", payload=req.payload
                )
            )
        else:
            plans = await asyncio.to_thread(
                lambda: replayer.dead_letters(sel, dry_run=req.dry_run, actor="api")
            )
    except ReplayError as exc:
        raise HTTPException(400, str(exc)) from exc
    if not req.dry_run:
        await hub.dispatcher.recover()
    items = [ReplayItemPublic(**dataclasses.asdict(p)) for p in plans]
    return ReplayReportPublic(dry_run=req.dry_run, items=items)


@router.post("/quarantine/replay", response_model=ReplayReportPublic)
async def replay_quarantine(hub: HubDep, req: ReplayRequest) -> ReplayReportPublic:
    """Replay (or preview with ``dry_run``) quarantined records."""
    return await _replay(hub, req, "quarantine")


@router.post("/dead-letters/replay", response_model=ReplayReportPublic)
async def replay_dead_letters(hub: HubDep, req: ReplayRequest) -> ReplayReportPublic:
    """Replay (or preview with ``dry_run``) dead letters."""
    return await _replay(hub, req, "dead_letter")


@router.get("/status", response_model=StatusPublic)
async def status(hub: HubDep) -> StatusPublic:
    """Counts by state, in-memory backlog, uptime, reference data loaded."""
    counts = await asyncio.to_thread(hub.store.counts)
    return StatusPublic(
        counts=counts,
        backlog=hub.dispatcher.backlog,
        uptime_seconds=round(time.time() - hub.started_at, 1),
        refdata=hub.refdata.counts(),
    )
