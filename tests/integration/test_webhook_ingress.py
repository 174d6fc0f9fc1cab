"""Vendor webhooks through the hub's API: verified, recorded once, refused unsigned."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from contextlib import asynccontextmanager

import httpx
from pydantic import SecretStr

from baton.api.app import create_app
from baton.connectors.xero.sandbox import deliver_webhooks, webhook_body
from baton.serve import server_for
from tests.conftest import hub_settings, running_hub


def xero_event(when: dt.datetime) -> dict[str, object]:
    rid = str(uuid.uuid4())
    return {
        "resourceUrl": f"https://api.xero.com/api.xro/2.0/Invoices/{rid}",
        "resourceId": rid,
        "tenantId": "tenant-1",
        "tenantType": "ORGANISATION",
        "eventCategory": "INVOICE",
        "eventType": "UPDATE",
        "eventDateUtc": when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
    }


@asynccontextmanager
async def served(hub):
    server = server_for(hub.settings, create_app(hub, manage_hub=False))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/api/v1/webhooks"
    finally:
        server.should_exit = True
        await task


def xero_inbox(hub) -> int:
    return hub.store.counts()["inbox"].get("accepted", 0)


async def test_xero_webhooks_are_verified_and_recorded_once(
    store_url, refdata_dir, erp
):
    _sandbox, url = erp
    settings = hub_settings(
        store_url,
        url,
        port=0,
        webhook_secrets={"xero": [SecretStr("old"), SecretStr("new")]},
    )
    now = dt.datetime.now(dt.UTC)
    bodies = [webhook_body([xero_event(now)], 1), webhook_body([xero_event(now)], 2)]
    async with running_hub(settings, refdata_dir) as hub, served(hub) as base:
        ok = await deliver_webhooks(
            f"{base}/xero", bodies, "new", duplicate=True, out_of_order=True
        )
        recorded = xero_inbox(hub)
        forged = await deliver_webhooks(
            f"{base}/xero", [webhook_body([xero_event(now)])], "new", bad_signature=True
        )
        stale = await deliver_webhooks(
            f"{base}/xero",
            [webhook_body([xero_event(now - dt.timedelta(minutes=10))])],
            "old",
        )
        async with httpx.AsyncClient() as client:
            unknown = await client.post(f"{base}/nobody", content=b"{}")
            unconfigured = await client.post(f"{base}/hubspot", content=b"[]")
        after = xero_inbox(hub)
    assert ok == [200, 200, 200, 200]
    assert recorded == 2
    assert (forged, stale) == ([401], [401])
    assert (unknown.status_code, unconfigured.status_code) == (404, 503)
    assert after == 2
