"""Connectors built from settings reach their sandboxes: health checks pass or name the fault."""

from __future__ import annotations

from baton.connectors import catalog
from baton.connectors.generic_rest.sandbox import ErpSandbox
from baton.connectors.xero.sandbox import XeroSandbox
from baton.engine.limiter import LimiterRegistry


async def _check(connectors: dict[str, dict[str, object]]) -> list[catalog.Checked]:
    configured = catalog.configure(connectors)
    limiters = LimiterRegistry(catalog.limits(configured))
    results = []
    for c in configured.values():
        target = catalog.build_target(c, limiters)
        try:
            results.append(await catalog.check(c.name, c.kind, target))
        finally:
            await target.close()
    return results


async def test_xero_from_settings_is_healthy_and_a_refused_secret_is_fatal():
    sandbox = XeroSandbox()
    async with sandbox.serving() as base:
        xero = {
            "kind": "xero", "url": base, "tenant_id": "tenant-1",
            "client_id": "baton", "token_url": f"{base}/connect/token",
        }  # fmt: skip
        good, bad = await _check(
            {
                "books": {**xero, "client_secret": "secret"},
                "wrong": {**xero, "client_secret": "guess"},
            }
        )
    assert (good.name, good.kind, good.ok, good.detail) == ("books", "xero", True, "ok")
    assert not bad.ok
    assert bad.detail.startswith("Fatal: "), bad.detail
    assert sandbox.state.requests["GET /projects.xro/2.0/Projects"] == 1


async def test_generic_rest_health_reads_by_an_unknown_external_id():
    sandbox = ErpSandbox()
    async with sandbox.serving() as url:
        (up,) = await _check({"erp": {"kind": "generic_rest", "url": url}})
    (down,) = await _check({"erp": {"kind": "generic_rest", "url": url}})
    assert (up.ok, up.detail) == (True, "ok")
    assert not down.ok
    assert down.detail.startswith("Retriable: cannot connect"), down.detail
    assert sandbox.records == {}  # a health check writes nothing
