"""The BambooHR connector against its sandbox: auth, reads, throttling, webhooks."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time

import pytest

from baton.config import ConfigError
from baton.connectors import catalog
from baton.connectors.bamboohr.client import BambooHRClient
from baton.connectors.bamboohr.connector import BambooHRSource
from baton.connectors.bamboohr.sandbox import BambooHRSandbox, webhook_request
from baton.connectors.bamboohr.webhook import parse, verify
from baton.connectors.sandbox import Fault
from baton.connectors.webhooks import WebhookRejectedError
from baton.engine.errors import Fatal, RateLimited, Retriable
from baton.engine.limiter import AccountLimiter, LimiterRegistry, RateLimit
from baton.model.common import WorkerType


def seeded() -> BambooHRSandbox:
    sandbox = BambooHRSandbox()
    for i in range(1, 6):
        sandbox.put(
            str(i),
            last_changed=f"2024-01-0{i}T00:00:00+00:00",
            firstName=f"Ånne-{i}",
            lastName="Søren",
            jobTitle="Consultant",
            hireDate="2023-12-31",
            supervisorEId="1",
            employmentHistoryStatus="Contractor" if i == 5 else "Full-Time",
        )
    return sandbox


async def read_all(source: BambooHRSource, cursor: str | None):
    return [page async for page in source.workers.read(cursor)]


async def test_a_bad_api_key_is_fatal_with_bamboohrs_message():
    sandbox = seeded()
    async with sandbox.serving() as base:
        source = BambooHRSource(BambooHRClient("acme", "wrong", base_url=base))
        try:
            with pytest.raises(Fatal) as refused:
                await read_all(source, None)
        finally:
            await source.close()
    assert refused.value.status == 401
    assert "Invalid API key or company domain" in refused.value.message


async def test_full_read_then_changed_since_reads_only_the_changes():
    sandbox = seeded()
    async with sandbox.serving() as base:
        source = BambooHRSource(
            BambooHRClient("acme", "key-1", base_url=base), page_size=2
        )
        try:
            full = await read_all(source, None)
            start = full[-1].cursor
            sandbox.put("2", jobTitle="Manager")
            sandbox.put("4", lastName="Nguyễn")
            sandbox.delete("3")
            changed = await read_all(source, start)
            again = await read_all(source, changed[-1].cursor)
        finally:
            await source.close()
    # full read: 5 employees in 3 pages, the cursor only on the last page
    assert [len(p.records) for p in full] == [2, 2, 1]
    assert [p.cursor for p in full[:-1]] == [None, None]
    workers = {r.source_id: r.data for p in full for r in p.records}
    assert workers["5"].worker_type is WorkerType.CONTRACTOR
    assert workers["2"].manager_id == "bamboohr:employee:1"
    assert workers["1"].manager_id is None  # supervises themself: top of the tree
    assert start is not None
    # incremental: only 2 and 4, the deletion reported, the cursor advanced
    records = [r for p in changed for r in p.records]
    assert sorted(r.source_id for r in records) == ["2", "4"]
    assert source.workers.deleted == ["3"]
    new = changed[-1].cursor
    assert new is not None
    assert dt.datetime.fromisoformat(new) > dt.datetime.fromisoformat(start)
    assert new == sandbox.deleted["3"]  # BambooHR's ``latest``, verbatim
    by_id = {r.source_id: r for r in records}
    assert by_id["2"].data.role_id == "bamboohr:role:Manager"
    stamp = sandbox.employees["4"]["lastChanged"]
    assert by_id["4"].event_id == f"bamboohr:employee:4:{stamp}"
    # since is inclusive: the newest change comes back with the same event id
    assert {r.event_id for p in again for r in p.records} <= {
        r.event_id for r in records
    }


async def test_termination_dates_reach_the_worker_and_a_rehires_old_one_is_dropped():
    sandbox = seeded()
    async with sandbox.serving() as base:
        source = BambooHRSource(BambooHRClient("acme", "key-1", base_url=base))
        try:
            start = (await read_all(source, None))[-1].cursor
            assert start is not None
            sandbox.put("2", status="Inactive", terminationDate="2024-06-30")
            sandbox.put("3", terminationDate="2023-01-31")  # an earlier employment
            sandbox.put("4", terminationDate="0000-00-00")  # BambooHR's empty date
            first = await read_all(source, start)
            sandbox.put("2", terminationDate="2024-07-31")  # moved
            moved = await read_all(source, first[-1].cursor)
        finally:
            await source.close()
    ends = {r.source_id: r.data.termination_date for p in first for r in p.records}
    assert ends == {"2": dt.date(2024, 6, 30), "3": None, "4": None}
    before = {r.source_id: r.event_id for p in first for r in p.records}
    after = {r.source_id: r for p in moved for r in p.records}
    assert after["2"].data.termination_date == dt.date(2024, 7, 31)
    assert after["2"].event_id != before["2"]


async def test_configured_from_settings_the_health_check_passes_and_a_bad_key_is_fatal():
    sandbox = seeded()
    async with sandbox.serving() as base:
        common = {"kind": "bamboohr", "url": base, "company": "acme"}
        configured = catalog.configure(
            {
                "hris": {**common, "api_key": "key-1", "page_size": 2},
                "bad": {**common, "api_key": "wrong"},
                "other": {
                    **common,
                    "company": "globex",
                    "api_key": "k",
                    "rate_limit": {"requests": 5, "per_seconds": 1, "concurrency": 2},
                },
            }
        )
        limits = catalog.limits(configured)
        limiters = LimiterRegistry(limits)
        built = {n: catalog.build_source(c, limiters) for n, c in configured.items()}
        try:
            ok = await catalog.check("hris", "bamboohr", built["hris"])
            refused = await catalog.check("bad", "bamboohr", built["bad"])
        finally:
            for connector in built.values():
                await connector.close()
    assert (ok.ok, ok.detail) == (True, "ok")
    assert not refused.ok
    assert refused.detail.startswith("Fatal")
    assert "Invalid API key" in refused.detail
    # no published limit: only the configured one, per company
    assert limits == {"bamboohr:globex": RateLimit(5, 1.0, 2)}
    assert configured["hris"].account == configured["bad"].account == "bamboohr:acme"
    assert sandbox.state.requests["GET /api/gateway.php/acme/v1/meta/fields"] == 2
    with pytest.raises(ConfigError, match=r"connectors\.x\.api_key"):
        catalog.configure({"x": {"kind": "bamboohr", "company": "acme"}})


async def test_a_throttled_503_pauses_the_shared_limiter_and_the_retry_succeeds():
    sandbox = seeded()
    limiter = AccountLimiter(None)
    sandbox.inject(Fault(prefix="/api", status=503, retry_after=0.3))
    async with sandbox.serving() as base:
        client = BambooHRClient("acme", "key-1", base_url=base, limiter=limiter)
        try:
            with pytest.raises(RateLimited) as throttled:
                await client.directory()
            paused = limiter.paused_until - time.monotonic()
            employees, _date = await client.directory()
        finally:
            await client.close()
    assert throttled.value.retry_after == pytest.approx(0.3)
    assert throttled.value.status == 503
    assert 0.1 < paused <= 0.3
    assert len(employees) == 5


async def test_a_5xx_is_retriable_with_the_vendors_message():
    sandbox = seeded()
    sandbox.inject(Fault(prefix="/api", status=500))
    async with sandbox.serving() as base:
        client = BambooHRClient("acme", "key-1", base_url=base)
        try:
            with pytest.raises(Retriable) as failed:
                await client.directory()
        finally:
            await client.close()
    assert not isinstance(failed.value, RateLimited)
    assert failed.value.status == 500
    assert "injected 500" in failed.value.message


def test_webhook_signatures_rotation_and_staleness():
    now = 1_750_000_000.0
    event = {"id": "7", "action": "Updated", "timestamp": "2025-07-01T12:00:00+00:00"}
    body, headers = webhook_request([event], "new-key", f"{now:.0f}")
    verify(headers, body, ["old-key", "new-key"], now + 100)  # rotation: either key
    assert [e.event_id for e in parse(body)] == [
        "bamboohr:employee:7:2025-07-01T12:00:00+00:00"
    ]
    with pytest.raises(WebhookRejectedError, match="does not match"):
        verify(headers, body, ["other-key"], now)
    with pytest.raises(WebhookRejectedError, match="does not match"):
        verify(headers, body + b" ", ["new-key"], now)  # body altered
    with pytest.raises(WebhookRejectedError, match="does not match"):
        verify(
            {**headers, "X-BambooHR-Timestamp": f"{now + 1:.0f}"},
            body,
            ["new-key"],
            now,
        )
    with pytest.raises(WebhookRejectedError, match="tolerance"):
        verify(headers, body, ["new-key"], now + 301)


def test_the_signature_is_hex_hmac_sha256_of_body_then_timestamp():
    body, stamp = b'{"employees":[]}', "1700000000"
    expected = hmac.new(b"k", body + stamp.encode(), hashlib.sha256).hexdigest()
    headers = {"x-bambohr-ignored": "", "X-BambooHR-Timestamp": stamp}
    verify({**headers, "X-BambooHR-Signature": expected.upper()}, body, ["k"], 1.7e9)
