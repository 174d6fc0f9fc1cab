"""HubSpot connector against its sandbox: auth, paging, increments, errors, webhooks."""

from __future__ import annotations

import datetime as dt
import time

import httpx
import orjson
import pytest

from baton.connectors.http import StaticToken
from baton.connectors.hubspot.client import HubSpotClient, HubSpotOAuth
from baton.connectors.hubspot.connector import HubSpotSource
from baton.connectors.hubspot.sandbox import HubSpotSandbox
from baton.connectors.hubspot.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    parse,
    sign,
    verify,
)
from baton.connectors.sandbox import Fault
from baton.connectors.webhooks import WebhookRejectedError
from baton.engine.errors import Invalid, RateLimited, Retriable
from baton.engine.limiter import AccountLimiter
from baton.model.commercial import OpportunityStage
from tests.contract import specs

T0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def seeded(deals: int = 7) -> HubSpotSandbox:
    box = HubSpotSandbox(limit=None)
    acme = box.add("companies", {"name": "Acme"}, modified=T0)
    for i in range(deals):
        stage = "closedwon" if i == 0 else "qualifiedtobuy"
        box.add(
            "deals",
            {
                "dealname": f"d{i}",
                "amount": "1000.10",
                "deal_currency_code": "EUR",
                "dealstage": stage,
                "closedate": "2025-03-31T00:00:00Z",
            },
            associations={"companies": [acme["id"]]},
            modified=T0 + dt.timedelta(minutes=i),
        )
    return box


async def collect(source: HubSpotSource, stream: str, cursor: str | None):
    pages = [p async for p in source.stream(stream).read(cursor)]
    return pages, [r for p in pages for r in p.records]


async def test_oauth_token_expiry_refreshes_on_401():
    box = seeded(2)
    async with box.serving() as base, httpx.AsyncClient() as token_http:
        tokens = HubSpotOAuth(
            f"{base}/oauth/v1/token", "baton", "secret", "refresh-1", http=token_http
        )
        source = HubSpotSource(HubSpotClient(base, tokens))
        try:
            await collect(source, "companies", None)
            box.expire_tokens()
            _, records = await collect(source, "companies", None)
        finally:
            await source.close()
    assert tokens.fetched == 2
    assert box.state.requests["GET /crm/v3/objects/companies"] == 3  # one 401
    assert [r.data.name for r in records] == ["Acme"]


async def test_full_read_follows_cursor_paging_and_maps_deals():
    box = seeded(7)
    async with box.serving() as base:
        source = HubSpotSource(HubSpotClient(base, StaticToken("pat")), page_size=3)
        try:
            pages, records = await collect(source, "deals", None)
        finally:
            await source.close()
    assert len(pages) == 3
    assert [p.cursor for p in pages] == [None, None, "2025-01-01T00:06:00Z"]
    assert [r.data.name for r in records] == [f"d{i}" for i in range(7)]
    won = records[0]
    assert won.data.stage is OpportunityStage.CLOSED_WON
    assert str(won.data.amount) == "1000.10 EUR"
    assert won.event_id == f"hubspot:deals:{won.source_id}:2025-01-01T00:00:00Z"


async def test_incremental_read_returns_only_changed_deals():
    box = seeded(5)
    changed = list(box.objects["deals"])[3]
    async with box.serving() as base:
        source = HubSpotSource(HubSpotClient(base, StaticToken("pat")), page_size=2)
        try:
            full, _ = await collect(source, "deals", None)
            box.touch("deals", changed, dealstage="closedlost")
            pages, records = await collect(source, "deals", full[-1].cursor)
        finally:
            await source.close()
    # inclusive filter: the deal at the old cursor comes back with the same event id
    fresh = [r for r in records if r.source_id == changed]
    assert [r.data.stage for r in fresh] == [OpportunityStage.CLOSED_LOST]
    assert {r.source_id for r in records} <= {changed, list(box.objects["deals"])[4]}
    assert pages[-1].cursor > full[-1].cursor


async def test_429_pauses_the_shared_limiter_and_the_retry_succeeds():
    box = seeded(1)
    limiter = AccountLimiter(None)
    box.inject(Fault(prefix="/crm/v3/objects/companies", status=429, retry_after=0.2))
    async with box.serving() as base:
        client = HubSpotClient(base, StaticToken("pat"), limiter=limiter)
        try:
            with pytest.raises(RateLimited) as limited:
                await client.http.request("GET", "/crm/v3/objects/companies")
            assert limiter.paused_until > time.monotonic()
            t0 = time.monotonic()
            doc = (await client.http.request("GET", "/crm/v3/objects/companies")).json()
            waited = time.monotonic() - t0
        finally:
            await client.close()
    assert limited.value.retry_after == pytest.approx(0.2)
    assert waited >= 0.1
    assert [c["properties"]["name"] for c in doc["results"]] == ["Acme"]


async def test_5xx_is_retriable_and_400_is_invalid_with_hubspots_message():
    box = seeded(1)
    box.inject(Fault(prefix="/crm/v3/objects/deals", status=503))
    async with box.serving() as base:
        client = HubSpotClient(base, StaticToken("pat"))
        try:
            with pytest.raises(Retriable) as unavailable:
                await client.http.request("GET", "/crm/v3/objects/deals")
            with pytest.raises(Invalid) as invalid:
                await client.http.request(
                    "GET", "/crm/v3/objects/deals", params={"limit": 500}
                )
        finally:
            await client.close()
    assert unavailable.value.status == 503
    assert invalid.value.rule == "hubspot.rejected"
    assert "VALIDATION_ERROR: limit must be between 1 and 100" in invalid.value.message
    assert "correlationId" in invalid.value.message


def signed(body: bytes, secret: str, stamp_s: float) -> dict[str, str]:
    stamp = str(int(stamp_s * 1000))
    uri = "https://hub.example/hooks/hubspot"
    return {
        SIGNATURE_HEADER: sign(secret, "POST", uri, body, stamp),
        TIMESTAMP_HEADER: stamp,
    }


def test_webhook_signature_staleness_and_duplicates():
    uri, now = "https://hub.example/hooks/hubspot", 1_750_000_000.0
    events = [
        {
            "eventId": 2,
            "subscriptionType": "deal.propertyChange",
            "objectId": 7,
            "occurredAt": 1_750_000_000_500,
            "propertyName": "dealstage",
            "propertyValue": "closedwon",
            "portalId": 62515,
        },
        {
            "eventId": 1,
            "subscriptionType": "deal.creation",
            "objectId": 7,
            "occurredAt": 1_750_000_000_000,
            "portalId": 62515,
        },
    ]
    body = orjson.dumps([*events, events[0]])
    verify("POST", uri, signed(body, "new", now), body, ["old", "new"], now)
    with pytest.raises(WebhookRejectedError, match="does not match"):
        verify("POST", uri, signed(body, "wrong", now), body, ["new"], now)
    with pytest.raises(WebhookRejectedError, match="does not match"):
        verify("POST", uri + "?x=1", signed(body, "new", now), body, ["new"], now)
    with pytest.raises(WebhookRejectedError, match="tolerance"):
        verify("POST", uri, signed(body, "new", now - 301), body, ["new"], now)
    parsed = parse(body)
    assert [(e.id, e.subscription_type) for e in parsed] == [
        (1, "deal.creation"),
        (2, "deal.propertyChange"),
    ]
    assert parsed[1].property_value == "closedwon"


async def test_sandbox_bodies_match_hubspots_published_schemas():
    box = seeded(3)
    box.add(
        "line_items", {"name": "Fee", "amount": "10"}, associations={"deals": ["1002"]}
    )
    async with box.serving() as base, httpx.AsyncClient(base_url=base) as http:
        auth = {"Authorization": "Bearer x"}
        box.tokens["x"] = time.monotonic() + 60
        got = {}
        for kind, spec in (
            ("companies", "company"),
            ("deals", "deal"),
            ("line_items", "lineitem"),
        ):
            resp = await http.get(
                f"/crm/v3/objects/{kind}",
                params={"limit": 2, "associations": "deals,companies"},
                headers=auth,
            )
            got[kind] = (spec, resp.json())
        search = {
            "filterGroups": [],
            "sorts": ["hs_lastmodifieddate"],
            "properties": ["dealname"],
            "limit": 2,
            "after": 0,
        }
        found = (
            await http.post("/crm/v3/objects/deals/search", json=search, headers=auth)
        ).json()
        bad = (
            await http.get("/crm/v3/objects/deals", params={"limit": 0}, headers=auth)
        ).json()
        prop = (
            await http.get("/crm/v3/properties/companies/baton_id", headers=auth)
        ).json()
    for kind, (name, doc) in got.items():
        spec = specs.load(f"hubspot/hubspot.crm.{name}.openapi.yaml")
        specs.validate(
            spec, specs.response_schema(spec, f"/crm/v3/objects/{kind}", "GET"), doc
        )
    deal = specs.load("hubspot/hubspot.crm.deal.openapi.yaml")
    path = "/crm/v3/objects/deals/search"
    specs.validate(deal, specs.request_schema(deal, path, "POST"), search)
    specs.validate(deal, specs.response_schema(deal, path, "POST"), found)
    specs.validate(deal, deal["components"]["schemas"]["Error"], bad)
    props = specs.load("hubspot/hubspot.crm.property.openapi.yaml")
    path = "/crm/v3/properties/{objectType}/{propertyName}"
    specs.validate(props, specs.response_schema(props, path, "GET"), prop)
    assert prop["hasUniqueValue"] is True
    assert found["total"] == 3
    assert found["paging"]["next"]["after"] == "2"
