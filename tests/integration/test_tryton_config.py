"""Tryton config, health and faults against a real Tryton 8.2.

``kind: tryton`` settings build the target and the source through the
catalog; ``health()`` is ok with the right password and Fatal with a wrong
one; a session expired mid-read is renewed; an unreachable server is
Retriable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest

from baton.config import ConfigError
from baton.connectors import catalog
from baton.connectors.tryton import TrytonClient, TrytonSource, TrytonTarget
from baton.engine.errors import Fatal, Retriable
from baton.engine.limiter import LimiterRegistry, RateLimit
from tests.integration.test_tryton_source import (
    employees,
    make_source,
    now_cursor,
    pages,
)
from tests.integration.tryton_server import _free_port

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.integration.tryton_server import TrytonServer


@pytest.fixture
async def rpc(tryton: TrytonServer) -> AsyncIterator[TrytonClient]:
    client = TrytonClient(
        tryton.base_url, tryton.database, tryton.login, tryton.password
    )
    try:
        await client.login()
        yield client
    finally:
        await client.close()


def settings(tryton: TrytonServer, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "tryton",
        "url": tryton.base_url,
        "database": tryton.database,
        "username": tryton.login,
        "password": tryton.password,
        **extra,
    }


async def test_configured_source_and_target_are_healthy_and_a_wrong_password_fatal(
    tryton: TrytonServer,
) -> None:
    configured = catalog.configure(
        {
            "erp": settings(tryton, page_size=3),
            "bad": settings(tryton, password="wrong-pw"),
        }
    )
    erp = configured["erp"]
    assert erp.account == f"tryton:{tryton.base_url}/{tryton.database}"
    assert erp.roles == ("source", "target")
    assert catalog.limits(configured) == {}  # Tryton publishes no limit
    limiters = LimiterRegistry(catalog.limits(configured))
    built = [
        (c.name, catalog.build_source(c, limiters), catalog.build_target(c, limiters))
        for c in configured.values()
    ]
    try:
        results = {}
        for name, source, target in built:
            assert isinstance(source, TrytonSource)
            assert isinstance(target, TrytonTarget)
            for role, connector in (("source", source), ("target", target)):
                results[name, role] = await catalog.check(name, "tryton", connector)
        assert {k: r.ok for k, r in results.items()} == {
            ("erp", "source"): True,
            ("erp", "target"): True,
            ("bad", "source"): False,
            ("bad", "target"): False,
        }
        assert results["bad", "source"].detail.startswith("Fatal")
        assert results["bad", "target"].detail.startswith("Fatal")
        source = built[0][1]
        assert isinstance(source, TrytonSource)
        assert source.page_size == 3
        assert source.client.limiter is limiters.get(erp.account)
        assert built[0][2].account == erp.account
    finally:
        for _name, source, target in built:
            await source.close()
            await target.close()


def test_settings_need_url_database_and_credentials_and_take_a_limit() -> None:
    with pytest.raises(ConfigError) as info:
        catalog.configure({"erp": {"kind": "tryton", "url": "http://t"}})
    assert str(info.value) == (
        "connectors.erp.database: Field required; "
        "connectors.erp.username: Field required; "
        "connectors.erp.password: Field required"
    )
    limit = {"requests": 10, "per_seconds": 1, "concurrency": 2}
    raw = {"kind": "tryton", "url": "http://t/", "database": "d", "username": "u",
           "password": "p", "rate_limit": limit}  # fmt: skip
    assert catalog.limits(catalog.configure({"erp": raw})) == {
        "tryton:http://t/d": RateLimit(10, 1, 2)
    }


async def test_expired_session_mid_read_logs_in_again(
    rpc: TrytonClient, tryton: TrytonServer
) -> None:
    start = await now_cursor(tryton, "employees")
    ids = await employees(rpc, *(f"Exp{i} Ired" for i in range(5)))
    source = make_source(tryton)
    seen: list[int] = []
    try:
        async for page in source.stream("employees").read(start):
            seen += [int(r.source_id) for r in page.records]
            if len(seen) == 2:  # invalidate the session behind the client's back
                async with httpx.AsyncClient() as http:
                    body = {"id": 1, "method": "common.db.logout", "params": []}
                    url = f"{tryton.base_url}/{tryton.database}/rpc/"
                    auth = {"Authorization": source.client.session or ""}
                    assert (
                        await http.post(url, json=body, headers=auth)
                    ).status_code == 200
        assert seen == ids
        assert source.client.logins == 2
    finally:
        await source.close()


async def test_connection_refused_is_retriable_and_bad_cursor_fatal(
    tryton: TrytonServer,
) -> None:
    client = TrytonClient(f"http://127.0.0.1:{_free_port()}", "baton", "admin", "x")
    source = TrytonSource(client)
    try:
        with pytest.raises(Retriable, match="cannot connect"):
            await pages(source, "timesheet_lines", None)
        with pytest.raises(Retriable):
            await source.health()
    finally:
        await source.close()
    source = make_source(tryton)
    try:
        with pytest.raises(Fatal, match="not a Tryton cursor"):
            await pages(source, "employees", "2025-01-01T00:00:00")
    finally:
        await source.close()
