"""Shared fixtures: stores on both dialects, the ERP sandbox, a running hub.

PostgreSQL tests need the server on 127.0.0.1:5432. Without it they skip,
unless BATON_REQUIRE_SERVICES=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import uuid
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings

from baton.bootstrap import build
from baton.config import BreakerSettings, RetrySettings, Settings, TargetSettings
from baton.connectors.generic_rest.sandbox import ErpSandbox
from baton.mdm.refdata import load_dir
from baton.store.factory import open_store

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

# CI replays the same examples every run (a red CI must be reproducible) and
# never fails on a slow example on a shared machine; local runs explore.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile(
    "ci" if os.environ.get("BATON_REQUIRE_SERVICES") == "1" else "dev"
)

PG_ADMIN = os.environ.get(
    "BATON_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REQUIRE = os.environ.get("BATON_REQUIRE_SERVICES") == "1"


def _pg_admin() -> Any:
    import psycopg

    try:
        return psycopg.connect(
            PG_ADMIN.replace("postgresql+psycopg", "postgresql"),
            autocommit=True,
            connect_timeout=3,
        )
    except psycopg.OperationalError as exc:
        if REQUIRE:
            pytest.fail(f"PostgreSQL is required (BATON_REQUIRE_SERVICES=1): {exc}")
        pytest.skip(f"PostgreSQL not reachable and BATON_REQUIRE_SERVICES unset: {exc}")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    name = f"baton_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store URL on each dialect (the engine's suite runs on both)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'baton.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def refdata_dir(tmp_path: Path) -> Path:
    """The demo's sample reference data, written to a folder."""
    from baton.demo import write_refdata

    folder = tmp_path / "refdata"
    write_refdata(folder)
    return folder


@pytest.fixture
async def erp() -> AsyncIterator[tuple[ErpSandbox, str]]:
    """A running ERP sandbox and its collection URL."""
    sandbox = ErpSandbox()
    async with sandbox.serving() as url:
        yield sandbox, url


def hub_settings(store_url: str, erp_url: str, **overrides: Any) -> Settings:
    """Settings for a test hub: fast retries, quick breaker, short waits."""
    base: dict[str, Any] = {
        "store": store_url,
        "erp": TargetSettings(url=erp_url, timeout_seconds=2.0),
        "retry": RetrySettings(
            base_seconds=0.01, cap_seconds=0.05, horizon_seconds=5.0
        ),
        "breaker": BreakerSettings(failure_threshold=50, reset_seconds=0.2),
        "wait_timeout_seconds": 10.0,
        "poll_seconds": 0.1,
    }
    base.update(overrides)
    return Settings(**base)


@asynccontextmanager
async def running_hub(
    settings: Settings, refdata: Path | None = None
) -> AsyncIterator[Any]:
    """A started hub (no HTTP server); stopped on exit."""
    if refdata is not None:
        store = open_store(settings.store)
        load_dir(store, refdata)
        store.close()
    hub = build(settings)
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()
