"""Xero webhooks: signed with ``x-xero-signature``, rotated keys, stale, duplicated, reordered."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import jsonschema
from aiohttp import web

from baton.connectors.webhooks import WebhookRejectedError
from baton.connectors.xero.sandbox import deliver_webhooks, webhook_body
from baton.connectors.xero.webhook import parse, verify
from tests.contract import specs


def _event(when: dt.datetime) -> dict[str, object]:
    rid = str(uuid.uuid4())
    return {
        "resourceUrl": f"https://api.xero.com/api.xro/2.0/Invoices/{rid}",
        "resourceId": rid, "tenantId": str(uuid.uuid4()), "tenantType": "ORGANISATION",
        "eventCategory": "INVOICE", "eventType": "UPDATE",
        "eventDateUtc": when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
    }  # fmt: skip


async def test_webhooks_signed_rotated_stale_duplicated_and_out_of_order():
    seen: list[str] = []
    rejected: list[str] = []

    async def receive(request: web.Request) -> web.Response:
        raw = await request.read()
        try:  # rotation: the old and the new key are both accepted
            verify(request.headers, raw, ["old", "key"], now=time.time())
        except WebhookRejectedError as exc:
            rejected.append(str(exc))
            return web.Response(status=401)
        seen.extend(e.event_id for e in parse(raw).events)
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hooks/xero", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/hooks/xero"  # type: ignore[union-attr]
    now = dt.datetime.now(dt.UTC)
    bodies = [webhook_body([_event(now)], 1), webhook_body([_event(now)], 2)]
    stale = webhook_body([_event(now - dt.timedelta(minutes=10))], 3)
    try:
        ok = await deliver_webhooks(
            url, bodies, "key", duplicate=True, out_of_order=True
        )
        forged = await deliver_webhooks(url, bodies[:1], "key", bad_signature=True)
        replayed = await deliver_webhooks(url, [stale], "key")
    finally:
        await runner.cleanup()
    # OpenAPI 3.1 (const, oneOf) is JSON Schema 2020-12, not specs.validate's draft 4
    spec = specs.load("xero/xero-webhooks.yaml")
    envelope = {**spec, "$ref": "#/components/schemas/WebhookEvent"}
    for body in [*bodies, stale]:
        jsonschema.Draft202012Validator(envelope).validate(body)
    assert (ok, forged, replayed) == ([200] * 4, [401], [401])
    assert rejected == [
        "signature does not match",
        "timestamp 600 s away (tolerance 300 s)",
    ]
    assert len(seen) == 4
    assert len(set(seen)) == 2  # the inbox dedupes on event_id
    assert seen[0] == seen[1] != seen[2]  # newest first, each twice
