"""The Workday connector against its sandbox: OAuth, paging, throttling, errors, spec."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import TYPE_CHECKING

import pytest

from baton.connectors.sandbox import Fault
from baton.connectors.workday.client import WorkdayClient
from baton.connectors.workday.connector import WorkdaySource
from baton.connectors.workday.sandbox import WorkdaySandbox
from baton.engine.errors import Invalid, RateLimited, Retriable
from baton.engine.limiter import AccountLimiter
from baton.model.common import WorkerType
from tests.contract import specs

if TYPE_CHECKING:
    from typing import Any

STAFFING = "/ccx/api/staffing/v6/acme"


def seeded(n: int = 7) -> WorkdaySandbox:
    sandbox = WorkdaySandbox()
    sandbox.put_organization("org-1", ["w1"])
    for i in range(1, n + 1):
        sandbox.put(
            f"w{i}",
            first=f"Ånne-{i}",
            last="Nguyễn",
            hire_date="2023-12-31" if i % 2 else "2024-02-29",
            contingent=i in (3, 6),
            org="org-1",
            job_profile="jp-cons",
            location="loc-sf",
            email=f"w{i}@example.com",
        )
    return sandbox


def client(base: str, **kwargs: object) -> WorkdayClient:
    return WorkdayClient(
        base,
        "acme",
        "baton",
        "secret",
        refresh_token="refresh-1",
        **kwargs,  # type: ignore[arg-type]
    )


async def read(source: WorkdaySource, stream: str, cursor: str | None = None):
    target = source.workers if stream == "workers" else source.contingent_workers
    return [page async for page in target.read(cursor)]


async def test_paging_over_three_pages_and_unchanged_workers_repeat_their_event_ids():
    sandbox = seeded()
    async with sandbox.serving() as base:
        source = WorkdaySource(client(base), page_size=3)
        try:
            first = await read(source, "workers")
            again = await read(source, "workers")
            sandbox.put(
                "w2", first="Zoë", last="Nguyễn", hire_date="2024-02-29", org="org-1"
            )
            changed = await read(source, "workers")
        finally:
            await source.close()
    # 7 workers, 3 per page: 3 pages; contingent workers filtered out
    assert [p.cursor for p in first] == ["offset:3", "offset:6", None]
    assert sandbox.state.requests[f"GET {STAFFING}/workers"] == 9
    ids = [r.source_id for p in first for r in p.records]
    assert ids == ["w1", "w2", "w4", "w5", "w7"]
    events = [r.event_id for p in first for r in p.records]
    assert events == [r.event_id for p in again for r in p.records]
    new = {r.source_id: r.event_id for p in changed for r in p.records}
    assert new["w2"] != events[1]
    assert new["w4"] == events[2]
    workers = {r.source_id: r.data for p in first for r in p.records}
    assert workers["w2"].manager_id == "workday:worker:w1"
    assert workers["w1"].manager_id is None  # manages their own organization
    assert workers["w2"].given_name == "Ånne-2"
    assert workers["w2"].hire_date == dt.date(2024, 2, 29)


async def test_contingent_workers_map_to_contractors_with_manager_and_dates():
    sandbox = seeded()
    async with sandbox.serving() as base:
        source = WorkdaySource(client(base), page_size=100)
        try:
            pages = await read(source, "contingent_workers")
        finally:
            await source.close()
    records = {r.source_id: r.data for p in pages for r in p.records}
    assert sorted(records) == ["w3", "w6"]
    w3 = records["w3"]
    assert w3.worker_type is WorkerType.CONTRACTOR
    assert w3.employee_number == "C-w3"
    assert w3.manager_id == "workday:worker:w1"
    assert (w3.hire_date, w3.termination_date) == (dt.date(2023, 12, 31), None)
    assert (w3.role_id, w3.location_id) == (
        "workday:jobProfile:jp-cons",
        "workday:location:loc-sf",
    )
    # one organization call per read, however many workers sit in it
    assert sandbox.state.requests[f"GET {STAFFING}/supervisoryOrganizations/org-1"] == 1


async def test_an_expired_token_gets_a_401_then_a_refresh_then_success():
    sandbox = seeded(2)
    async with sandbox.serving() as base:
        wd = client(base)
        try:
            await wd.workers(0)
            sandbox.expire_tokens()
            total, data = await wd.workers(0)
        finally:
            await wd.close()
    assert (total, len(data)) == (2, 2)
    assert wd.tokens.fetched == sandbox.state.tokens_issued == 2
    assert sandbox.state.requests[f"GET {STAFFING}/workers"] == 3  # ok, 401, ok


async def test_a_429_with_retry_after_pauses_the_shared_limiter_and_the_retry_succeeds():
    sandbox = seeded(2)
    limiter = AccountLimiter(None)
    sandbox.inject(Fault(prefix=f"{STAFFING}/workers", status=429, retry_after=0.3))
    async with sandbox.serving() as base:
        wd = client(base, limiter=limiter)
        try:
            with pytest.raises(RateLimited) as throttled:
                await wd.workers(0)
            paused = limiter.paused_until - time.monotonic()
            started = time.monotonic()
            total, _ = await wd.workers(0)
            waited = time.monotonic() - started
        finally:
            await wd.close()
    assert throttled.value.retry_after == pytest.approx(0.3)
    assert 0.1 < paused <= 0.3
    assert waited >= paused - 0.05  # the retry waited for the pause
    assert total == 2


async def test_a_throttling_503_is_rate_limited_and_a_500_is_retriable():
    sandbox = seeded(1)
    sandbox.inject(Fault(prefix=STAFFING, status=503, retry_after=0.2))
    sandbox.inject(Fault(prefix=STAFFING, status=500))
    async with sandbox.serving() as base:
        wd = client(base, limiter=AccountLimiter(None))
        try:
            with pytest.raises(RateLimited):
                await wd.workers(0)
            with pytest.raises(Retriable) as failed:
                await wd.workers(0)
        finally:
            await wd.close()
    assert not isinstance(failed.value, RateLimited)
    assert failed.value.status == 500
    assert "injected 500" in failed.value.message


async def test_a_400_is_invalid_with_workdays_message():
    sandbox = seeded(1)
    async with sandbox.serving() as base:
        wd = client(base)
        try:
            with pytest.raises(Invalid) as refused:
                await wd.get("/staffing/v6/acme/workers", {"limit": 500})
        finally:
            await wd.close()
    assert refused.value.status == 400
    assert refused.value.rule == "workday.rejected"
    assert "limit must be between 1 and 100" in refused.value.message


async def test_every_sandbox_answer_validates_against_the_published_specs():
    sandbox = seeded()
    async with sandbox.serving() as base:
        source = WorkdaySource(client(base), page_size=3)
        try:
            for name in ("workers", "contingent_workers"):
                await read(source, name)
            await source.client.get("/staffing/v6/acme/workers/w1")
        finally:
            await source.close()
    seen = {path for _, path, _ in sandbox.answers}
    assert seen == {
        "/workers",
        "/workers/{ID}",
        "/workers/{ID}/serviceDates",
        "/supervisoryOrganizations/{ID}",
        "/people/{ID}/legalName",
    }
    for spec_name, path, body in sandbox.answers:
        spec = specs.load(f"workday/{spec_name}.openapi.yaml")
        schema = specs.response_schema(spec, path, "get")
        specs.validate(spec, schema, body)
        declared(spec, schema, body)
    spec = specs.load("workday/workday-staffing-v6.openapi.yaml")
    error = sandbox.error(400, "bad").text
    assert error is not None
    schema = specs.response_schema(spec, "/workers", "get", 400)
    specs.validate(spec, schema, json.loads(error))
    declared(spec, schema, json.loads(error))


def properties(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The declared properties of ``schema`` (refs and allOf followed)."""
    while "$ref" in schema:
        schema = specs._deref(spec, schema)
    found = dict(schema.get("properties") or {})
    for part in schema.get("allOf") or ():
        found.update(properties(spec, part))
    return found


def declared(spec: dict[str, Any], schema: dict[str, Any], body: Any) -> None:
    """Every key of ``body`` is a property the spec names (a rename fails)."""
    if isinstance(body, list):
        items = specs._deref(spec, schema).get("items") or {}
        for item in body:
            declared(spec, items, item)
    elif isinstance(body, dict):
        props = properties(spec, schema)
        assert set(body) <= set(props), set(body) - set(props)
        for key, value in body.items():
            declared(spec, props[key], value)
