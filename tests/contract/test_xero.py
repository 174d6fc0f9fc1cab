"""The Xero connector against its sandbox: auth, paging, limits, errors, webhooks.

Every request body Baton sends and every answer the sandbox gives is
validated against Xero's published specs (``tests.contract.specs``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import time
import uuid
from decimal import Decimal

import httpx
import orjson
import pytest

from baton.connectors.sandbox import Fault
from baton.connectors.xero.client import PROJECTS, xero_message
from baton.connectors.xero.connector import XeroTarget
from baton.connectors.xero.sandbox import XeroSandbox
from baton.engine.errors import Ambiguous, Invalid, RateLimited, Retriable
from baton.engine.limiter import AccountLimiter, RateLimit
from baton.model.commands import PostTimeEntry
from baton.store.ports import DeliveryRow
from tests.contract import specs

PROJECT, TASK, USER = (str(uuid.uuid4()) for _ in range(3))
_TIME = re.compile(rf"^{re.escape(PROJECTS)}/Projects/[^/]+/Time(/[^/]+)?$")


def command(n: int = 1, hours: str = "1.5") -> PostTimeEntry:
    return PostTimeEntry(
        entry_id=f"TE{n:04d}",
        worker_id="W1",
        project_code="P-7",
        work_date=dt.date(2024, 12, 31),
        hours=Decimal(hours),
        pay_code="REG",
        amount=Decimal("150.00"),
        currency="NZD",
        refs={"project": PROJECT, "task": TASK, "user": USER},
    )


def delivery(target: XeroTarget, payload: str, entry_id: str) -> DeliveryRow:
    return DeliveryRow(
        id=f"d-{entry_id}", target=target.name, account=target.account,
        entity="TimeEntry", canonical_id=entry_id, version=1,
        idempotency_key=f"erp:TimeEntry:{entry_id}:v1", partition_key="W1",
        state="pending", maybe_sent=False, attempts=0, first_attempt_at=None,
        next_attempt_at=0.0, payload=payload, amount="150.00", currency="NZD",
        external_ref=None, last_error=None, created_at=0.0, updated_at=0.0,
    )  # fmt: skip


class SpecCheck:
    """httpx hooks validating each Projects request body and answer."""

    def __init__(self) -> None:
        self.spec = specs.load("xero/xero-projects.yaml")
        self.checked = 0

    def _path(self, url: httpx.URL) -> str:
        assert _TIME.match(url.path), url.path
        rest = url.path.removeprefix(PROJECTS).split("/")
        return "/Projects/{projectId}/Time" + (
            "/{timeEntryId}" if len(rest) > 4 else ""
        )

    async def request(self, req: httpx.Request) -> None:
        if req.method == "POST":
            schema = specs.request_schema(self.spec, self._path(req.url), "POST")
            specs.validate(self.spec, schema, orjson.loads(req.content))

    async def response(self, resp: httpx.Response) -> None:
        await resp.aread()
        req = resp.request
        if resp.status_code == 200:
            path = self._path(req.url)
            schema = specs.response_schema(self.spec, path, req.method, 200)
        else:
            schema = self.spec["components"]["schemas"]["Error"]
        specs.validate(self.spec, schema, resp.json())
        self.checked += 1


@contextlib.asynccontextmanager
async def connected(sandbox: XeroSandbox, **kwargs):
    async with sandbox.serving() as base:
        target = XeroTarget(
            base, "tenant-1", client_id="baton", client_secret="secret",
            token_url=f"{base}/connect/token", tz="Pacific/Auckland",
            timeout=kwargs.pop("timeout", 5.0), **kwargs,
        )  # fmt: skip
        check = SpecCheck()
        hooks = target.client.http.client.event_hooks
        hooks["request"].append(check.request)
        hooks["response"].append(check.response)
        try:
            yield target
        finally:
            await target.close()
        assert check.checked > 0


async def post(target: XeroTarget, n: int = 1, hours: str = "1.5") -> str:
    cmd = command(n, hours)
    return await target.apply(delivery(target, target.render(cmd), cmd.entry_id))


async def test_expired_token_is_refreshed_once():
    sandbox = XeroSandbox()
    async with connected(sandbox) as target:
        await post(target, 1)
        sandbox.expire_tokens()
        await post(target, 2)
        fetched = target.client.tokens.fetched
    assert (fetched, sandbox.state.tokens_issued) == (2, 2)
    assert len(sandbox.time_entries) == 2
    assert sandbox.time_entries[0]["dateUtc"] == "2024-12-30T23:00:00Z"  # NZDT noon
    assert sandbox.time_entries[0]["duration"] == 90


async def test_pages_are_followed_and_lookup_finds_the_last_page():
    sandbox = XeroSandbox()
    sandbox.add_entries(
        PROJECT, 7, userId=USER, taskId=TASK, dateUtc="2024-12-30T23:00:00Z"
    )
    async with connected(sandbox) as target:
        ours = await post(target, 9)  # the 8th entry: on page 3 of 3
        pages = [
            [e["timeEntryId"] for e in items]
            async for items in target.client.time_entry_pages(PROJECT, page_size=3)
        ]
        cmd = command(9)
        found = await target.lookup(delivery(target, target.render(cmd), cmd.entry_id))
    assert [len(p) for p in pages] == [3, 3, 2]
    assert pages[-1][-1] == ours
    assert found == ours


async def test_429_pauses_the_shared_limiter_and_the_retry_succeeds():
    sandbox = XeroSandbox()
    limiter = AccountLimiter(None)
    async with connected(sandbox, limiter=limiter) as target:
        sandbox.inject(Fault(prefix=PROJECTS, status=429, retry_after=0.3))
        with pytest.raises(RateLimited) as limited:
            await post(target, 1)
        paused = limiter.paused_until - time.monotonic()
        t0 = time.monotonic()
        ref = await post(target, 1)
        waited = time.monotonic() - t0
    assert limited.value.retry_after == pytest.approx(0.3)
    assert "minute" in limited.value.message  # X-Rate-Limit-Problem
    assert 0.1 < paused <= 0.3
    assert waited >= paused - 0.02
    assert [e["timeEntryId"] for e in sandbox.time_entries] == [ref]


async def test_5xx_is_retriable_and_a_validation_error_carries_xeros_message():
    sandbox = XeroSandbox()
    async with connected(sandbox) as target:
        sandbox.inject(Fault(prefix=PROJECTS, status=503))
        with pytest.raises(Retriable) as unavailable:
            await post(target, 1)
        bad = orjson.loads(target.render(command(2)))
        bad["duration"] = 0  # the mapping never renders this: Xero refuses it
        with pytest.raises(Invalid) as invalid:
            await target.apply(delivery(target, orjson.dumps(bad).decode(), "TE0002"))
    assert unavailable.value.status == 503
    assert invalid.value.rule == "xero.rejected"
    assert "duration: Duration must be between 1 and 59940" in invalid.value.message
    assert sandbox.time_entries == []


def test_accounting_validation_errors_become_the_message():
    spec = specs.load("xero/xero_accounting.yaml")
    op = specs.operation(spec, "/Accounts", "PUT")["responses"]["400"]
    body = op["content"]["application/json"]["example"]
    specs.validate(spec, spec["components"]["schemas"]["Error"], body)
    msg = xero_message(httpx.Response(400, json=body))
    assert msg == (
        "HTTP 400: ValidationException A validation exception occurred: "
        "Please enter a unique Name."
    )


async def test_an_ambiguous_write_is_resolved_by_lookup_without_a_duplicate():
    sandbox = XeroSandbox()
    async with connected(sandbox, timeout=1.0) as target:
        cmd = command(5)
        d = delivery(target, target.render(cmd), cmd.entry_id)
        never_sent = delivery(target, target.render(command(6)), "TE0006")
        await post(target, 4)  # a neighbour that must not match
        sandbox.inject(Fault(prefix=PROJECTS, reset_after_commit=True))
        with pytest.raises(Ambiguous):
            await target.apply(d)
        found = await target.lookup(d)
        missing = await target.lookup(never_sent)
    assert missing is None
    assert [
        e["timeEntryId"] for e in sandbox.time_entries if "TE0005" in e["description"]
    ] == [found]
    assert len(sandbox.time_entries) == 2


async def test_three_callers_share_one_tenant_limiter_without_a_429_storm():
    scale = (
        60.0  # Xero's minute lasts 1 s (a longer window keeps jitter small against it)
    )
    sandbox = XeroSandbox(time_scale=scale)
    sandbox.latency = 0.002
    limiter = AccountLimiter(RateLimit(60, 1.05 * 60.0 / scale, 5))
    async with connected(
        sandbox, limiter=limiter, exhausted_pause=1.0 / scale
    ) as target:
        await post(target, 0)  # token fetched once, outside the measured windows

        async def caller(c: int) -> None:
            for i in range(60):
                while True:  # as the engine would: a 429 pauses the tenant
                    try:
                        await post(target, 1000 * (c + 1) + i, "0.25")
                        break
                    except RateLimited:
                        continue

        t0 = time.monotonic()
        await asyncio.gather(*(caller(c) for c in range(3)))
        elapsed = time.monotonic() - t0
    windows = elapsed / (60.0 / scale)
    use = 180 / (60 * windows)
    assert sandbox.state.rate_limited <= 2
    assert sandbox.state.max_in_flight <= 5
    assert len(sandbox.time_entries) == 181
    assert use >= 0.9 * (windows - 1) / windows, f"used {use:.0%} of the limit"
