"""The Harvest connector against its sandbox, and the sandbox against Harvest's spec."""

from __future__ import annotations

import time
from contextlib import asynccontextmanager

import httpx
import pytest

from baton.config import ConfigError
from baton.connectors import catalog
from baton.connectors.harvest.client import DEFAULT_LIMIT, HarvestClient
from baton.connectors.harvest.connector import HarvestSource
from baton.connectors.harvest.mapping import HarvestAccount
from baton.connectors.harvest.sandbox import HarvestSandbox
from baton.connectors.sandbox import Fault
from baton.engine.errors import Fatal, Invalid, RateLimited, Retriable
from baton.engine.limiter import AccountLimiter, LimiterRegistry
from baton.model import ApprovalStatus
from tests.contract import specs

ACCOUNT = HarvestAccount(currency="USD", legal_entity_id="LE-US", cost_center_id="CC-1")
HEADERS = {"Authorization": "Bearer pat-1", "Harvest-Account-Id": "42"}


def seeded(entries: int = 7) -> HarvestSandbox:
    sandbox = HarvestSandbox()
    user = sandbox.add_user("Zoë", "Ñúñez")
    project = sandbox.add_project("MW")
    sandbox.add_user_assignment(user, project)
    for i in range(entries):
        sandbox.add_time_entry(
            user, project, spent_date=f"2024-03-{i + 1:02d}", hours=1.5 + i
        )
    return sandbox


@asynccontextmanager
async def source(
    sandbox: HarvestSandbox, *, per_page: int = 3, limiter=None, account=ACCOUNT
):
    async with sandbox.serving() as base:
        client = HarvestClient("pat-1", "42", base_url=f"{base}/v2", limiter=limiter)
        src = HarvestSource(client, account, per_page=per_page)
        try:
            yield src
        finally:
            await src.close()


async def read_all(src: HarvestSource, stream: str, cursor: str | None = None):
    return [page async for page in src.stream(stream).read(cursor)]


async def test_a_refused_token_is_fatal_without_retrying():
    sandbox = seeded(1)
    sandbox.expire_tokens()  # a revoked personal access token: no refresh exists
    async with source(sandbox) as src:
        with pytest.raises(Fatal, match="cannot be renewed"):
            await read_all(src, "time_entries")
    assert sum(sandbox.state.requests.values()) == 1


async def test_time_entries_are_read_over_three_pages_following_links_next():
    sandbox = seeded(7)
    async with source(sandbox, per_page=3) as src:
        pages = await read_all(src, "time_entries")
    assert [len(p.records) for p in pages] == [3, 3, 1]
    assert [p.cursor for p in pages] == [None, None, "2024-01-01T00:00:10Z"]
    entries = [r.data for p in pages for r in p.records]
    assert {e.project_code for e in entries} == {"MW"}
    assert sorted(e.hours for e in entries)[0] == pytest.approx(1.5)
    assert all(e.status is ApprovalStatus.DRAFT for e in entries)
    first = pages[0].records[0]
    assert (
        first.event_id == f"harvest:time_entry:{first.source_id}:2024-01-01T00:00:10Z"
    )
    assert sandbox.state.requests["GET /v2/projects/1001"] == 1  # code looked up once


async def test_an_incremental_read_returns_only_what_changed_since_the_cursor():
    sandbox = seeded(7)
    async with source(sandbox) as src:
        full = await read_all(src, "time_entries")
        cursor = full[-1].cursor
        seen = {r.event_id for p in full for r in p.records}
        ids = [e["id"] for e in sandbox.records["time_entries"]]
        sandbox.touch("time_entries", ids[1], is_closed=True)
        sandbox.touch("time_entries", ids[4], notes="späť 東京")
        again = await read_all(src, "time_entries", cursor)
    records = [r for p in again for r in p.records]
    new = {r.source_id: r for r in records if r.event_id not in seen}
    assert set(new) == {str(ids[1]), str(ids[4])}
    assert new[str(ids[1])].data.status is ApprovalStatus.APPROVED
    # the boundary record (updated exactly at the cursor) comes back deduped
    assert {r.source_id for r in records} - set(new) == {str(ids[-1])}
    assert again[-1].cursor == "2024-01-01T00:00:12Z"


async def test_a_429_pauses_the_shared_limiter_and_the_retry_succeeds():
    sandbox = seeded(2)
    limiter = AccountLimiter(None)
    sandbox.inject(Fault(prefix="/v2/users", status=429, retry_after=0.3))
    async with source(sandbox, limiter=limiter) as src:
        with pytest.raises(RateLimited) as limited:
            await read_all(src, "users")
        t0 = time.monotonic()
        pages = await read_all(src, "users")  # as the engine would retry
        waited = time.monotonic() - t0
    assert limited.value.retry_after == pytest.approx(0.3)
    assert waited >= 0.2  # the limiter held the retry for Retry-After
    assert [r.data.given_name for p in pages for r in p.records] == ["Zoë"]


async def test_a_5xx_is_retriable_and_a_422_carries_harvests_message():
    sandbox = seeded(1)
    sandbox.inject(Fault(prefix="/v2/projects", status=503))
    async with source(sandbox) as src:
        with pytest.raises(Retriable) as unavailable:
            await read_all(src, "projects")
        with pytest.raises(Invalid) as invalid:
            await src.client.post("/time_entries", {"spent_date": "2024-03-01"})
        with pytest.raises(Invalid) as bad_cursor:
            await src.client.get("/time_entries", {"updated_since": "yesterday"})
    assert unavailable.value.status == 503
    assert invalid.value.rule == "harvest.rejected"
    assert invalid.value.message == "harvest: HTTP 422: Project can't be blank"
    assert "Invalid parameter" in bad_cursor.value.message


async def test_assignments_and_projects_map_with_rates_in_the_account_currency():
    sandbox = seeded(0)
    async with source(sandbox) as src:
        assignments = await read_all(src, "project_assignments")
        projects = await read_all(src, "projects")
    (assignment,) = [r.data for p in assignments for r in p.records]
    (project,) = [r.data for p in projects for r in p.records]
    assert str(assignment.bill_rate) == "120.0 USD"
    assert assignment.project_id == project.id == "harvest:project:1001"
    assert project.code == "MW"


LISTS = "/time_entries /users /projects /user_assignments /expenses /task_assignments"


async def test_every_sandbox_answer_validates_against_harvests_spec():
    spec = specs.load("harvest/harvest-openapi.yaml")
    sandbox = seeded(3)
    async with (
        sandbox.serving() as base,
        httpx.AsyncClient(base_url=f"{base}/v2", headers=HEADERS) as http,
    ):
        for path in LISTS.split():
            for page in (1, 2):
                resp = await http.get(path, params={"per_page": 2, "page": page})
                assert resp.status_code == 200
                schema = specs.response_schema(spec, path, "get")
                specs.validate(spec, schema, resp.json())
        resp = await http.get("/projects/1001")
        specs.validate(
            spec,
            specs.response_schema(spec, "/projects/{projectId}", "get"),
            resp.json(),
        )
        body = {
            "project_id": 1001,
            "task_id": 7,
            "spent_date": "2024-03-01",
            "hours": 2.5,
        }
        specs.validate(spec, specs.request_schema(spec, "/time_entries", "post"), body)
        resp = await http.post("/time_entries", json=body)
        assert resp.status_code == 201
        specs.validate(
            spec, specs.response_schema(spec, "/time_entries", "post", 201), resp.json()
        )
        resp = await http.post("/time_entries", json={})
        assert resp.status_code == 422
        specs.validate(
            spec,
            specs.response_schema(spec, "/time_entries", "post", "default"),
            resp.json(),
        )


async def test_the_spec_rejects_a_body_that_breaks_the_mapping():
    """The check above can fail: a renamed field breaks validation."""
    import jsonschema

    spec = specs.load("harvest/harvest-openapi.yaml")
    schema = specs.response_schema(spec, "/time_entries", "get")
    sandbox = seeded(1)
    entry = dict(sandbox.records["time_entries"][0], hours="1.5")
    body = {
        "time_entries": [entry],
        "per_page": 1,
        "total_pages": 1,
        "total_entries": 1,
        "next_page": None,
        "previous_page": None,
        "page": 1,
        "links": {"first": "x", "last": "x", "next": None, "previous": None},
    }
    with pytest.raises(jsonschema.ValidationError):
        specs.validate(spec, schema, body)


async def test_config_builds_sources_whose_health_check_fails_only_on_bad_credentials():
    sandbox = HarvestSandbox()
    async with sandbox.serving() as base:
        common = {"kind": "harvest", "url": f"{base}/v2", "account_id": "42"}
        oauth = {
            "client_id": "baton",
            "client_secret": "secret",
            "refresh_token": "rt-1",
        }
        configured = catalog.configure({
            "pat": {**common, "token": "pat-1"},
            "app": {**common, **oauth, "token_url": f"{base}/api/v2/oauth2/token"},
            "bad": {**common, "token": "nope"},
        })  # fmt: skip
        assert catalog.limits(configured) == {"harvest:42": DEFAULT_LIMIT}
        registry = LimiterRegistry(catalog.limits(configured))
        results = {}
        for name, c in configured.items():
            src = catalog.build_source(c, registry)
            try:
                results[name] = await catalog.check(name, c.kind, src)
            finally:
                await src.close()
    assert [results[n].ok for n in ("pat", "app", "bad")] == [True, True, False]
    assert results["bad"].detail.startswith("Fatal")


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"token": "t", "refresh_token": "r"}, "not both"),
        ({}, "missing: client_id, client_secret, refresh_token"),
        ({"client_id": "c", "client_secret": "s"}, "missing: refresh_token"),
    ],
)
def test_config_needs_exactly_one_way_in(extra, says):
    with pytest.raises(ConfigError, match=says):
        catalog.configure({"psa": {"kind": "harvest", "account_id": "1", **extra}})
