"""Vendor webhooks through the hub's API: verified, recorded once, refused unsigned."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from contextlib import asynccontextmanager

import httpx
import orjson
from pydantic import SecretStr

from baton.api.app import create_app
from baton.connectors.bamboohr.sandbox import deliver_webhook as bamboohr_deliver
from baton.connectors.hubspot import webhook as hubspot
from baton.connectors.hubspot.sandbox import deliver_webhooks as hubspot_deliver
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


def inbox_accepted(hub) -> int:  # any vendor's accepted inbox rows
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
        recorded = inbox_accepted(hub)
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
        after = inbox_accepted(hub)
    assert ok == [200, 200, 200, 200]
    assert recorded == 2
    assert (forged, stale) == ([401], [401])
    assert (unknown.status_code, unconfigured.status_code) == (404, 503)
    assert after == 2


def hubspot_events(first_id: int) -> list[dict[str, object]]:
    now_ms = int(time.time() * 1000)
    return [
        {"eventId": first_id + i, "subscriptionType": "deal.propertyChange",
         "objectId": 7 + i, "occurredAt": now_ms, "propertyName": "dealstage",
         "propertyValue": "closedwon", "portalId": 62515}
        for i in range(2)
    ]  # fmt: skip


async def post_signed_hubspot(url: str, signed_url: str, events, secret: str) -> int:
    """POST to ``url`` signed over ``signed_url`` (what a proxy's caller signed)."""
    body = orjson.dumps(events)
    stamp = str(int(time.time() * 1000))
    headers = {
        hubspot.SIGNATURE_HEADER: hubspot.sign(secret, "POST", signed_url, body, stamp),
        hubspot.TIMESTAMP_HEADER: stamp,
        "Content-Type": "application/json",
    }
    async with httpx.AsyncClient() as client:
        return (await client.post(url, content=body, headers=headers)).status_code


async def test_hubspot_v3_webhooks_through_the_api_and_behind_a_proxy(
    store_url, refdata_dir, erp
):
    _sandbox, url = erp
    secrets = {"hubspot": [SecretStr("app-secret")]}
    direct = hub_settings(store_url, url, port=0, webhook_secrets=secrets)
    async with running_hub(direct, refdata_dir) as hub, served(hub) as base:
        ok = await hubspot_deliver(
            f"{base}/hubspot", [hubspot_events(1)], "app-secret", duplicate=True
        )
        forged = await hubspot_deliver(
            f"{base}/hubspot", [hubspot_events(5)], "app-secret", bad_signature=True
        )
        stale = await hubspot_deliver(
            f"{base}/hubspot", [hubspot_events(7)], "app-secret", age_s=600
        )
        # signed for the public address: refused while the hub knows only its own
        proxied = await post_signed_hubspot(
            f"{base}/hubspot",
            "https://hub.example.com/api/v1/webhooks/hubspot",
            hubspot_events(9),
            "app-secret",
        )
        recorded = inbox_accepted(hub)
    assert (ok, forged, stale, proxied) == ([200, 200], [401], [401], 401)
    assert recorded == 2  # events 1 and 2, each once
    behind = hub_settings(
        store_url, url, port=0, webhook_secrets=secrets,
        public_url="https://hub.example.com/",
    )  # fmt: skip
    async with running_hub(behind, refdata_dir) as hub, served(hub) as base:
        proxied = await post_signed_hubspot(
            f"{base}/hubspot",
            "https://hub.example.com/api/v1/webhooks/hubspot",
            hubspot_events(9),
            "app-secret",
        )
        after = inbox_accepted(hub)
    assert (proxied, after) == (200, 4)


async def test_bamboohr_webhooks_through_the_api(store_url, refdata_dir, erp):
    _sandbox, url = erp
    settings = hub_settings(
        store_url, url, port=0, webhook_secrets={"bamboohr": [SecretStr("k1")]}
    )
    now = str(int(time.time()))
    employees = [{"id": "4", "action": "Updated", "timestamp": "2026-11-25T10:00:00Z",
                  "changedFields": ["jobTitle"], "fields": {"jobTitle": "Lead"}}]  # fmt: skip
    async with running_hub(settings, refdata_dir) as hub, served(hub) as base:
        ok = await bamboohr_deliver(f"{base}/bamboohr", employees, "k1", now)
        again = await bamboohr_deliver(f"{base}/bamboohr", employees, "k1", now)
        forged = await bamboohr_deliver(f"{base}/bamboohr", employees, "k2", now)
        stale = await bamboohr_deliver(
            f"{base}/bamboohr", employees, "k1", str(int(time.time()) - 600)
        )
        recorded = inbox_accepted(hub)
    assert (ok, again, forged, stale) == (200, 200, 401, 401)
    assert recorded == 1
