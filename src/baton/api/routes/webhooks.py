"""``POST /api/v1/webhooks/{vendor}``: signed vendor notifications into the inbox.

The signature is checked on the raw body before anything is stored (401
otherwise); each event is then recorded once under ``(vendor, event id)``,
so a vendor's retries and duplicates are answered without a second row.

A vendor that signs the URL (HubSpot v3) signed the address it called; behind
a proxy that is ``settings.public_url`` plus the path and query, not the URL
the hub sees.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from baton.api.deps import HubDep
from baton.api.routes.time_entries import _read_capped
from baton.connectors.receivers import RECEIVERS
from baton.connectors.webhooks import WebhookRejectedError
from baton.model.ids import new_id
from baton.store.ports import IngestItem

router = APIRouter(tags=["webhooks"])


@router.post("/webhooks/{vendor}")
async def receive_webhook(vendor: str, request: Request, hub: HubDep) -> JSONResponse:
    """Verify a vendor's webhook and record its events (duplicates ignored)."""
    receiver = RECEIVERS.get(vendor)
    if receiver is None:
        return JSONResponse({"error": f"no webhook receiver for {vendor!r}"}, 404)
    secrets = [
        s.get_secret_value() for s in hub.settings.webhook_secrets.get(vendor, [])
    ]
    if not secrets:
        return JSONResponse(
            {"error": f"no webhook secret configured for {vendor}"}, 503
        )
    body = await _read_capped(request, hub.settings.max_body_bytes)
    if body is None:
        return JSONResponse({"error": "body too large"}, 413)
    url = str(request.url)
    if hub.settings.public_url is not None:
        query = f"?{request.url.query}" if request.url.query else ""
        url = hub.settings.public_url.rstrip("/") + request.url.path + query
    try:
        events = receiver(
            request.method,
            url,
            request.headers,
            body,
            secrets,
            time.time(),
        )
    except WebhookRejectedError as exc:
        return JSONResponse({"outcome": "rejected", "error": str(exc)}, 401)
    except ValueError as exc:
        return JSONResponse({"outcome": "invalid", "error": str(exc)}, 400)
    counts = {"received": 0, "duplicates": 0}
    for e in events:
        item = IngestItem(new_id(), vendor, e.event_id, None, e.kind, e.payload)
        res = await hub.committer.submit("ingest", item)
        counts["duplicates" if res.outcome == "duplicate" else "received"] += 1
    return JSONResponse(counts)
