"""Kantata OX against its sandbox: auth, pages, cursor, limits, errors, settings, health."""

from __future__ import annotations

import json
import time
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpx
import jsonschema  # type: ignore[import-untyped]  # no types-jsonschema in dev deps
import pytest
import yaml

from baton.config import ConfigError
from baton.connectors import catalog
from baton.connectors.http import OAuth2ClientCredentials
from baton.connectors.kantata.client import KantataClient
from baton.connectors.kantata.config import DEFAULT_LIMIT
from baton.connectors.kantata.connector import KantataSource
from baton.connectors.kantata.sandbox import KantataSandbox
from baton.connectors.sandbox import Fault
from baton.engine.errors import Invalid, RateLimited, Retriable
from baton.engine.limiter import AccountLimiter, LimiterRegistry
from tests.contract import specs

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

SPECS = specs.SPECS / "kantata"
TAP = SPECS / "tap-mavenlink-schemas"
ENTRIES = "/api/v1/time_entries"
META = ("count", "page_count", "page_number", "page_size")


class _GemLoader(yaml.SafeLoader):
    """The gem catalogue keys validations by lists: read those keys as tuples."""


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    pairs = loader.construct_pairs(node, deep=True)
    return {tuple(k) if isinstance(k, list) else k: v for k, v in pairs}


_GemLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


@asynccontextmanager
async def kantata(
    sandbox: KantataSandbox, limiter: AccountLimiter | None = None
) -> AsyncIterator[tuple[KantataClient, OAuth2ClientCredentials]]:
    async with sandbox.serving() as base, httpx.AsyncClient() as token_http:
        tokens = OAuth2ClientCredentials(
            f"{base}/oauth/token", "baton", "secret", http=token_http
        )
        client = KantataClient(base, tokens=tokens, limiter=limiter, timeout=5.0)
        try:
            yield client, tokens
        finally:
            await client.close()


async def read_all(stream: Any, cursor: str | None) -> tuple[list[Any], str | None]:
    records = []
    async for page in stream.read(cursor):
        records += page.records
        cursor = page.cursor
    return records, cursor


async def test_expired_token_is_refreshed_once() -> None:
    sandbox = KantataSandbox()
    sandbox.add("users", full_name="Ada Lovelace")
    async with kantata(sandbox) as (client, tokens):
        await client.get("users")
        sandbox.expire_tokens()
        doc = await client.get("users")
    assert tokens.fetched == sandbox.state.tokens_issued == 2
    assert sandbox.state.requests["GET /api/v1/users.json"] == 3  # one 401
    assert doc["meta"]["count"] == 1


async def test_pages_are_reassembled_in_results_order() -> None:
    sandbox = KantataSandbox()
    seeded = [sandbox.add_time_entry()["id"] for _ in range(7)]
    async with kantata(sandbox) as (client, _):
        raw = await client.get("time_entries", {"per_page": 3})
        pages = [p async for p in client.pages("time_entries", per_page=3)]
    # the map is not in result order: following it would scramble the page
    assert list(raw["time_entries"]) != [r["id"] for r in raw["results"]]
    assert [(p.page_number, p.page_count) for p in pages] == [(1, 3), (2, 3), (3, 3)]
    assert [r["id"] for p in pages for r in p.records] == seeded


async def test_incremental_read_returns_only_newer_versions() -> None:
    sandbox = KantataSandbox()
    old = [sandbox.add_time_entry()["id"] for _ in range(5)]
    async with kantata(sandbox) as (client, _):
        stream = KantataSource(client).stream("time_entries")
        stream.per_page = 2
        first, cursor = await read_all(stream, None)
        touched = sandbox.touch("time_entries", old[1], approved=True)
        new = sandbox.add_time_entry()["id"]
        second, cursor2 = await read_all(stream, cursor)
    assert [r.source_id for r in first] == old
    assert cursor == sandbox.data["time_entries"][old[4]]["updated_at"]
    # the cursor's own second is re-read (same event id: an inbox duplicate)
    assert [r.source_id for r in second] == [old[4], old[1], new]
    assert second[0].event_id == first[4].event_id
    assert second[1].event_id == f"kantata:time_entry:{old[1]}:{touched['updated_at']}"
    assert second[1].data.status.value == "approved"
    assert cursor2 == sandbox.data["time_entries"][new]["updated_at"]


async def test_archived_workspaces_are_read_as_completed_projects() -> None:
    sandbox = KantataSandbox()
    live = sandbox.add("workspaces", title="Live", archived=False)["id"]
    done = sandbox.add("workspaces", title="Done", archived=True)["id"]
    async with kantata(sandbox) as (client, _):
        hidden = await client.get("workspaces")  # Kantata's default hides it
        records, _ = await read_all(KantataSource(client).stream("workspaces"), None)
    assert [r["id"] for r in hidden["results"]] == [live]
    assert [r.source_id for r in records] == [live, done]
    assert records[1].data.status.value == "completed"


async def test_429_pauses_the_shared_limiter_and_the_retry_succeeds() -> None:
    sandbox = KantataSandbox()
    sandbox.add_time_entry()
    limiter = AccountLimiter(None)
    async with kantata(sandbox, limiter) as (client, _):
        await client.get("users")  # token fetched outside the timing
        sandbox.inject(Fault(prefix=ENTRIES, status=429, retry_after=0.3))
        t0 = time.monotonic()
        doc = await client.get("time_entries")
        waited = time.monotonic() - t0
        sandbox.inject(Fault(prefix=ENTRIES, status=429, retry_after=0.05, count=9))
        with pytest.raises(RateLimited):
            await client.get("time_entries")
    assert doc["meta"]["count"] == 1
    assert 0.25 <= waited < 2.0
    assert sandbox.state.requests["GET /api/v1/time_entries.json"] == 2 + 4


async def test_5xx_is_retriable_and_422_carries_kantatas_message() -> None:
    sandbox = KantataSandbox()
    async with kantata(sandbox) as (client, _):
        sandbox.inject(Fault(prefix=ENTRIES, status=503))
        with pytest.raises(Retriable) as unavailable:
            await client.get("time_entries")
        with pytest.raises(Invalid) as invalid:
            await client.create(
                "time_entries",
                "time_entry",
                {
                    "workspace_id": "404",
                    "date_performed": "2026-11-02",
                    "time_in_minutes": 30,
                },
            )
        with pytest.raises(Invalid) as blank:
            await client.create("time_entries", "time_entry", {"workspace_id": "1"})
    assert not isinstance(unavailable.value, RateLimited)
    assert unavailable.value.status == 503
    assert invalid.value.rule == "kantata.rejected"
    assert invalid.value.status == 422
    assert "validation: Workspace must be one you" in invalid.value.message
    assert "date_performed, time_in_minutes can't be blank" in blank.value.message
    assert sandbox.data["time_entries"] == {}


async def test_sandbox_bodies_match_the_published_contracts() -> None:
    gem = yaml.load(
        (SPECS / "mavenlink_gem-specification.yml").read_text(), Loader=_GemLoader
    )
    sandbox = KantataSandbox()
    sandbox.seed_catalogue()
    checked = 0
    async with kantata(sandbox) as (client, _):
        for name in ("time_entries", "users", "workspaces", "stories", "expenses"):
            doc = await client.get(name)
            assert set(doc) == {"count", "meta", "results", name}
            assert set(doc["meta"]) == {*META}
            schema = json.loads((TAP / f"{name}.json").read_text())
            attributes = set(gem[name]["attributes"])
            for record in doc[name].values():
                jsonschema.validate(record, schema)  # the tap's JSON types
                assert set(record) <= attributes, set(record) - attributes  # gem names
                checked += 1
    assert checked == 5


@pytest.mark.parametrize(
    ("ways", "problem"),
    [({}, "give token, or client_id"), ({"token": "t", "client_id": "c"}, "not both")],
)
def test_settings_need_exactly_one_way_in(ways: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        catalog.configure({"psa": {"kind": "kantata", "client_secret": "s", **ways}})


async def test_configured_sources_check_healthy_and_bad_credentials_fatal() -> None:
    sandbox = KantataSandbox()
    async with sandbox.serving() as base, httpx.AsyncClient() as http:
        url = {"kind": "kantata", "url": base}
        oauth = {**url, "token_url": f"{base}/oauth/token", "client_id": "baton"}
        got = await http.post(
            oauth["token_url"], data={**oauth, "client_secret": "secret"}
        )
        configured = catalog.configure(
            {
                "psa": {**oauth, "client_secret": "secret"},
                "pat": {**url, "token": got.json()["access_token"], "account_id": "A1"},
                "bad": {**oauth, "client_secret": "wrong"},
                "stale": {**url, "token": "revoked"},
            }
        )
        limiters = LimiterRegistry(catalog.limits(configured))
        built = {n: catalog.build_source(c, limiters) for n, c in configured.items()}
        try:
            checks = {n: await catalog.check(n, "kantata", s) for n, s in built.items()}
        finally:
            for source in built.values():
                await source.close()
    assert [n for n, c in checks.items() if c.ok] == ["psa", "pat"], checks
    assert checks["bad"].detail.startswith("Fatal: kantata: token refused")
    assert checks["stale"].detail.startswith("Fatal")
    host = base.removeprefix("http://")
    assert catalog.limits(configured) == dict.fromkeys(
        ["kantata:baton", "kantata:A1", f"kantata:{host}"], DEFAULT_LIMIT
    )
    # bad: refused at the token endpoint; stale: one 401, which cannot be renewed
    assert sandbox.state.requests["GET /api/v1/users/me.json"] == 3
