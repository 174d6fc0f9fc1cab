"""The Salesforce connector against its sandbox, and its fields against the WSDL list."""

from __future__ import annotations

import json
import time
from contextlib import asynccontextmanager
from decimal import Decimal

import httpx
import pytest

from baton.connectors.salesforce.client import SalesforceClient
from baton.connectors.salesforce.connector import SalesforceSource
from baton.connectors.salesforce.mapping import FIELDS, SalesforceOrg
from baton.connectors.salesforce.sandbox import SalesforceSandbox
from baton.connectors.sandbox import Fault
from baton.engine.errors import Fatal, Invalid, RateLimited, Retriable
from baton.engine.limiter import AccountLimiter
from baton.model import OpportunityStage
from tests.contract import specs

ORG = SalesforceOrg(currency="EUR", legal_entity_id="LE-DE")
DATA = "/services/data/v62.0"


def seeded(opportunities: int = 7, **kwargs: object) -> SalesforceSandbox:
    sandbox = SalesforceSandbox(**kwargs)  # type: ignore[arg-type]
    top = sandbox.add("Account", Name="Zoë Holding", ParentId=None, BillingCountry="DE")
    child = sandbox.add("Account", Name="東京 KK", ParentId=top, BillingCountry="JP")
    for i in range(opportunities):
        won = i % 2 == 0
        sandbox.add(
            "Opportunity", AccountId=child, Name=f"Deal {i} – Zoë", IsClosed=won,
            IsWon=won, StageName="Closed Won" if won else "Prospecting",
            Amount=1250.5 + i, Probability=100 if won else 10,
            CloseDate=f"2024-12-{31 - i:02d}", OwnerId="005000000000001AAA",
        )  # fmt: skip
    return sandbox


@asynccontextmanager
async def source(sandbox: SalesforceSandbox, *, limiter=None, batch_size: int = 3):
    async with sandbox.serving() as base:
        client = SalesforceClient("baton", "secret", login_url=base, limiter=limiter)
        client.limit_pause, client.near_limit_pause = 0.3, 0.1
        src = SalesforceSource(client, ORG, batch_size=batch_size)
        try:
            yield src
        finally:
            await src.close()


async def read_all(src: SalesforceSource, stream: str, cursor: str | None = None):
    return [page async for page in src.stream(stream).read(cursor)]


async def test_an_expired_session_is_refreshed_once_and_a_refused_refresh_is_fatal():
    sandbox = seeded(1)
    async with source(sandbox) as src:
        await read_all(src, "accounts")
        stale = await src.client.tokens.token()
        sandbox.expire_tokens()
        async with httpx.AsyncClient() as raw:
            resp = await raw.get(
                f"{src.client.tokens.instance_url}{DATA}/sobjects/Account/x",
                headers={"Authorization": f"Bearer {stale}"},
            )
        assert resp.status_code == 401
        assert resp.json()[0]["errorCode"] == "INVALID_SESSION_ID"
        pages = await read_all(src, "accounts")  # 401 → new token → success
        assert src.client.tokens.fetched == 2
        assert len([r for p in pages for r in p.records]) == 2
        sandbox.expire_tokens()
        sandbox.clients = {}  # the connected app was revoked
        with pytest.raises(Fatal, match="token refused"):
            await read_all(src, "accounts")


async def test_opportunities_are_read_over_four_pages_following_next_records_url():
    sandbox = seeded(7, batch_size=2)
    async with source(sandbox) as src:
        pages = await read_all(src, "opportunities")
    assert [len(p.records) for p in pages] == [2, 2, 2, 1]
    assert [p.cursor for p in pages] == [None, None, None, "2024-01-01T00:00:09Z"]
    assert sum(n for k, n in sandbox.state.requests.items() if "/query/01g" in k) == 3
    opps = [r.data for p in pages for r in p.records]
    assert opps[0].stage is OpportunityStage.CLOSED_WON
    assert opps[1].stage is OpportunityStage.PROSPECTING
    assert opps[0].amount is not None
    assert opps[0].amount.amount == Decimal("1250.5")
    assert str(opps[0].amount) == "1250.5 EUR"
    first = pages[0].records[0]
    assert first.event_id == (
        f"salesforce:Opportunity:{first.source_id}:2024-01-01T00:00:03.000Z"
    )


async def test_an_incremental_read_returns_only_records_modified_after_the_cursor():
    sandbox = seeded(5)
    async with source(sandbox) as src:
        full = await read_all(src, "opportunities")
        ids = list(sandbox.objects["Opportunity"])
        sandbox.touch("Opportunity", ids[1], StageName="Closed Won", IsWon=True)
        sandbox.touch("Opportunity", ids[3], Amount=12345678901234.5)
        again = await read_all(src, "opportunities", full[-1].cursor)
    records = {r.source_id: r.data for p in again for r in p.records}
    assert set(records) == {ids[1], ids[3]}
    assert records[ids[1]].stage is OpportunityStage.CLOSED_WON
    assert str(records[ids[3]].amount) == "12345678901234.5 EUR"
    assert again[-1].cursor == "2024-01-01T00:00:09Z"


async def test_request_limit_exceeded_pauses_the_shared_limiter():
    sandbox = seeded(1, api_max=3)
    limiter = AccountLimiter(None)
    async with source(sandbox, limiter=limiter) as src:
        await read_all(src, "accounts")  # api-usage 1/3
        await read_all(src, "contracts")  # 2/3: under 95 %, no pause
        assert limiter.paused_until < time.monotonic()
        await read_all(src, "opportunity_line_items")  # 3/3: near the max
        assert limiter.paused_until > time.monotonic()
        with pytest.raises(RateLimited) as limited:
            await read_all(src, "accounts")  # 403 REQUEST_LIMIT_EXCEEDED
        sandbox.api_max, sandbox.api_used = 100, 0
        sandbox.inject(Fault(prefix=DATA, status=429, retry_after=0.2))
        with pytest.raises(RateLimited):
            await read_all(src, "accounts")
        t0 = time.monotonic()
        await read_all(src, "accounts")  # as the engine would retry
        waited = time.monotonic() - t0
    assert limited.value.status == 403
    assert limited.value.retry_after == pytest.approx(0.3)
    assert "REQUEST_LIMIT_EXCEEDED" in limited.value.message
    assert waited >= 0.15


async def test_a_5xx_is_retriable_and_a_400_carries_salesforces_error_code():
    sandbox = seeded(1)
    sandbox.inject(Fault(prefix=f"{DATA}/query", status=503))
    async with source(sandbox) as src:
        with pytest.raises(Retriable) as unavailable:
            await read_all(src, "accounts")
        with pytest.raises(Invalid) as invalid:
            async for _ in src.client.query("SELECT Id, Bogus FROM Account"):
                pass
    assert unavailable.value.status == 503
    assert not isinstance(unavailable.value, RateLimited)
    assert invalid.value.rule == "salesforce.rejected"
    assert invalid.value.message == (
        "salesforce: HTTP 400: INVALID_FIELD: No such column 'Bogus' on entity 'Account'."
    )


async def test_change_events_resume_from_the_replay_id_and_gaps_are_fetched():
    sandbox = seeded(3, gap_every=4)  # events 1000-1002: the three creates
    async with source(sandbox, batch_size=3) as src:
        stream = src.stream("opportunity_changes")
        pages = stream.read(None)
        first = await anext(pages)
        await pages.aclose()  # the stored cursor: replay id 1002
        ids = list(sandbox.objects["Opportunity"])
        sandbox.touch(
            "Opportunity", ids[0], StageName="Closed Lost", IsWon=False
        )  # gap
        sandbox.touch("Opportunity", ids[1], Probability=50)  # 1004
        resumed = await read_all(src, "opportunity_changes", first.cursor)
        nothing = await read_all(src, "opportunity_changes", resumed[-1].cursor)
    gap = sandbox.events[3]["event"]
    assert gap["ChangeEventHeader"]["changeType"] == "GAP_UPDATE"
    assert "StageName" not in gap
    assert first.cursor == "1002"
    assert [r.source_id for r in first.records] == ids
    assert [(p.cursor, [r.source_id for r in p.records]) for p in resumed] == [
        ("1004", [ids[0], ids[1]])
    ]
    assert resumed[0].records[0].data.stage is OpportunityStage.CLOSED_LOST
    assert sandbox.state.requests[f"GET {DATA}/sobjects/Opportunity/{ids[0]}"] == 2
    assert nothing == []


async def test_a_composite_write_with_all_or_none_rolls_back_and_reports_each_item():
    sandbox = seeded(0)
    accounts = len(sandbox.objects["Account"])
    writes = [
        {"method": "POST", "url": f"{DATA}/sobjects/Account", "referenceId": "acc",
         "body": {"Name": "Ñandú GmbH"}},
        {"method": "POST", "url": f"{DATA}/sobjects/Opportunity", "referenceId": "opp",
         "body": {"Name": "no stage"}},
    ]  # fmt: skip
    async with source(sandbox) as src:
        rolled_back = await src.client.composite(writes, all_or_none=True)
        assert len(sandbox.objects["Account"]) == accounts
        assert sum(sandbox.created.values()) == accounts  # the counts roll back too
        partial = await src.client.composite(writes, all_or_none=False)
    assert not rolled_back.ok
    acc, opp = rolled_back.items
    assert (acc.reference_id, acc.status) == ("acc", 400)
    assert acc.errors[0].startswith(
        "PROCESSING_HALTED: The transaction was rolled back"
    )
    assert opp.errors == (
        "REQUIRED_FIELD_MISSING: Required fields are missing: [StageName, CloseDate]",
    )
    assert [i.status for i in partial.items] == [201, 400]
    assert len(sandbox.objects["Account"]) == accounts + 1


async def test_accounts_keep_their_hierarchy_and_a_loop_is_broken():
    sandbox = seeded(0)
    a, b = list(sandbox.objects["Account"])
    sandbox.touch("Account", a, ParentId=b)  # b → a → b
    async with source(sandbox) as src:
        pages = await read_all(src, "accounts")
        rejected = src.stream("accounts").rejected  # type: ignore[union-attr]
    customers = {r.source_id: r.data for p in pages for r in p.records}
    assert customers[b].parent_id == f"salesforce:account:{a}"
    assert customers[a].parent_id is None
    assert rejected == [(a, f"ParentId {b} closes a loop: dropped")]


def wsdl_fields() -> dict[str, set[str]]:
    doc = json.loads((specs.SPECS / "salesforce" / WSDL).read_text(encoding="utf-8"))
    base = {f["name"] for f in doc["sObject"]}
    return {k: base | {f["name"] for f in v} for k, v in doc.items() if k != "_about"}


def missing(spec: dict[str, set[str]], org: SalesforceOrg) -> dict[str, list[str]]:
    out = {s: [f for f in org.fields(s) if f not in spec.get(s, set())] for s in FIELDS}
    return {s: fields for s, fields in out.items() if fields}


WSDL = "sobjects-standard-fields.enterprise-wsdl-v40.json"


def test_every_field_the_mapping_reads_is_a_standard_field():
    spec = wsdl_fields()
    assert missing(spec, ORG) == {}
    multi = SalesforceOrg("EUR", "LE-DE", multi_currency=True)
    assert {f for fields in missing(spec, multi).values() for f in fields} == {
        "CurrencyIsoCode"
    }
    spec["Opportunity"].discard("StageName")  # the check can fail
    assert missing(spec, ORG) == {"Opportunity": ["StageName"]}
