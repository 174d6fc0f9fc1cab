"""The NetSuite connector against its sandbox: auth, SuiteQL paging, limits, faults."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import jsonschema
import orjson
import pytest

from baton.connectors.netsuite.client import DEFAULT_LIMIT, RECORD_PATH, NetSuiteClient
from baton.connectors.netsuite.connector import NetSuiteTarget
from baton.connectors.netsuite.mapping import time_bill_from_netsuite
from baton.connectors.netsuite.sandbox import NetSuiteSandbox
from baton.connectors.sandbox import Fault
from baton.engine.errors import Ambiguous, Invalid, RateLimited, Retriable
from baton.engine.limiter import AccountLimiter
from baton.model.commands import PostTimeEntry
from baton.store.ports import DeliveryRow
from tests.contract.specs import SPECS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

STITCH = SPECS / "netsuite" / "stitch-tap-netsuite-v2"


@asynccontextmanager
async def running(
    sandbox: NetSuiteSandbox,
    limiter: AccountLimiter | None = None,
    timeout: float = 5.0,
) -> AsyncIterator[NetSuiteTarget]:
    async with sandbox.serving() as base:
        client = NetSuiteClient(
            base,
            client_id="baton",
            client_secret="secret",
            limiter=limiter,
            timeout=timeout,
        )
        target = NetSuiteTarget(client, account="TSTDRV1")
        try:
            yield target
        finally:
            await target.close()


def delivery(target: NetSuiteTarget, n: int, **changes: Any) -> DeliveryRow:
    cmd = PostTimeEntry(
        entry_id=f"te-{n}",
        worker_id="w-1",
        project_code="PRJ-1",
        work_date=dt.date(2026, 1, 31),
        hours=Decimal("1.5"),
        pay_code="REG",
        amount=Decimal("150.00"),
        currency="USD",
        refs={"employee": "57", "job": "812", "pay_item": "9"},
    )
    payload = {**orjson.loads(target.render(cmd)), **changes}
    return DeliveryRow(
        id=f"d-{n}", target="erp", account=target.account, entity="TimeEntry",
        canonical_id=cmd.entry_id, version=1, idempotency_key=f"erp:TimeEntry:{cmd.entry_id}:v1",
        partition_key="w-1", state="pending", maybe_sent=False, attempts=0,
        first_attempt_at=None, next_attempt_at=0.0, payload=orjson.dumps(payload).decode(),
        amount="150.00", currency="USD", external_ref=None, last_error=None,
        created_at=0.0, updated_at=0.0,
    )  # fmt: skip


def bills(sandbox: NetSuiteSandbox) -> list[dict[str, Any]]:
    return list(sandbox.table("timeBill").values())


async def test_an_expired_token_is_refreshed_once() -> None:
    sandbox = NetSuiteSandbox()
    async with running(sandbox) as target:
        first = await target.apply(delivery(target, 1))
        sandbox.expire_tokens()
        second = await target.apply(delivery(target, 2))
        fetched = target.client.tokens.fetched
    assert fetched == sandbox.state.tokens_issued == 2
    assert (
        sandbox.state.requests["POST /services/rest/record/v1/timeBill"] == 3
    )  # 1 x 401
    assert [b["id"] for b in bills(sandbox)] == [first, second]


async def test_suiteql_pages_are_followed_to_the_end() -> None:
    sandbox = NetSuiteSandbox()
    async with running(sandbox) as target:
        for n in range(7):
            await target.apply(delivery(target, n))
        pages = [
            page
            async for page in target.client.suiteql(
                "SELECT id, externalid, trandate, hours FROM timebill", page_size=3
            )
        ]
    assert [len(p) for p in pages] == [3, 3, 1]
    rows = [time_bill_from_netsuite(r) for p in pages for r in p]
    assert [r.entry_id for r in rows] == [f"te-{n}" for n in range(7)]
    assert {(r.hours, r.employee, r.customer) for r in rows} == {
        (Decimal("1.5"), "57", "812")
    }
    assert sandbox.state.requests["POST /services/rest/query/v1/suiteql"] == 3


async def test_a_429_pauses_the_shared_limiter_and_the_retry_succeeds() -> None:
    sandbox = NetSuiteSandbox()
    limiter = AccountLimiter(DEFAULT_LIMIT)
    async with running(sandbox, limiter) as target:
        sandbox.inject(Fault(prefix=RECORD_PATH, status=429, retry_after=0.3))
        with pytest.raises(RateLimited) as limited:
            await target.apply(delivery(target, 1))
        paused = limiter.paused_until - time.monotonic()
        t0 = time.monotonic()
        found = await target.apply(delivery(target, 1))  # as the engine retries
        waited = time.monotonic() - t0
    assert limited.value.retry_after == pytest.approx(0.3)
    assert "CONCURRENCY_LIMIT_EXCEEDED" in limited.value.message
    assert 0.1 < paused <= 0.3
    assert waited >= paused - 0.02
    assert [b["id"] for b in bills(sandbox)] == [found]


async def test_5xx_is_retriable_and_commits_nothing() -> None:
    sandbox = NetSuiteSandbox()
    async with running(sandbox) as target:
        sandbox.inject(Fault(prefix=RECORD_PATH, status=503))
        with pytest.raises(Retriable) as unavailable:
            await target.apply(delivery(target, 1))
        assert bills(sandbox) == []
        await target.apply(delivery(target, 1))
    assert unavailable.value.status == 503
    assert len(bills(sandbox)) == 1


async def test_a_validation_error_carries_netsuites_detail() -> None:
    sandbox = NetSuiteSandbox()
    async with running(sandbox) as target:
        with pytest.raises(Invalid) as invalid:
            await target.apply(delivery(target, 1, employee=None))
    assert invalid.value.rule == "netsuite.rejected"
    assert invalid.value.status == 400
    assert "Please enter value(s) for: employee. [USER_ERROR]" in invalid.value.message
    assert bills(sandbox) == []


async def test_an_ambiguous_create_is_settled_by_lookup_without_a_second_record() -> (
    None
):
    sandbox = NetSuiteSandbox()
    sandbox.inject(Fault(prefix=RECORD_PATH, reset_after_commit=True))
    async with running(sandbox) as target:
        row = delivery(target, 1)
        with pytest.raises(Ambiguous):
            await target.apply(row)
        found = await target.lookup(row)
        assert await target.lookup(delivery(target, 2)) is None
        again = await target.apply(row)  # a blind resend: DUP_RCRD, then lookup
    assert found is not None
    assert again == found
    assert sandbox.refused_duplicates == 1
    assert [b["id"] for b in bills(sandbox)] == [found]


async def test_ten_concurrent_applies_keep_within_five_in_flight() -> None:
    sandbox = NetSuiteSandbox()
    sandbox.service_time = 0.05
    async with running(sandbox, AccountLimiter(DEFAULT_LIMIT)) as target:
        await target.apply(delivery(target, 0))  # the token, outside the burst
        ids = await asyncio.gather(
            *(target.apply(delivery(target, n)) for n in range(1, 11))
        )
    assert len(set(ids)) == 10
    assert sandbox.state.rate_limited == 0
    assert sandbox.state.max_in_flight == 5  # used fully, never more
    # control: without the limiter the sandbox does refuse the sixth
    unlimited = NetSuiteSandbox()
    unlimited.service_time = 0.05
    async with running(unlimited) as target:
        await target.apply(delivery(target, 0))
        results = await asyncio.gather(
            *(target.apply(delivery(target, n)) for n in range(1, 11)),
            return_exceptions=True,
        )
    assert any(isinstance(r, RateLimited) for r in results)


def stitch_schema(name: str) -> dict[str, Any]:
    """A stitch record schema made strict: ``varies`` → any, no unknown fields."""
    if not STITCH.is_dir():
        pytest.fail(f"NetSuite schemas not found at {STITCH} (set BATON_VENDOR_SPECS)")
    doc = json.loads((STITCH / f"{name}.json").read_text(encoding="utf-8"))
    props = {}
    for field, spec in doc["properties"].items():
        types = [t.strip() for t in spec.get("type", []) if t.strip() != "varies"]
        varies = len(types) < len(spec.get("type", []))
        props[field] = {} if varies or not types else {"type": types}
    schema = {"type": "object", "properties": props, "additionalProperties": False}
    jsonschema.Draft7Validator.check_schema(schema)
    return schema


async def test_created_time_bills_match_netsuites_record_schema() -> None:
    sandbox = NetSuiteSandbox()
    async with running(sandbox) as target:
        await target.apply(delivery(target, 1))
    schema = stitch_schema("TimeBill")
    for bill in bills(sandbox):
        body = {k: v for k, v in bill.items() if k != "id"}  # id is NetSuite's
        jsonschema.validate(body, schema)
    with pytest.raises(jsonschema.ValidationError):  # the check can fail
        jsonschema.validate({"tranDAte": "2026-01-31"}, schema)
