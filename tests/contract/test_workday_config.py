"""Workday from ``baton.yaml`` settings: the catalogue builds it, health checks it."""

from __future__ import annotations

import datetime as dt

import pytest

from baton.config import ConfigError
from baton.connectors import catalog
from baton.connectors.workday.connector import WorkdaySource
from baton.connectors.workday.sandbox import WorkdaySandbox
from baton.engine.limiter import LimiterRegistry

STAFFING = "/ccx/api/staffing/v6/acme"


def seeded(n: int = 2) -> WorkdaySandbox:
    sandbox = WorkdaySandbox()
    for i in range(1, n + 1):
        sandbox.put(f"w{i}", first=f"Ånne-{i}", last="Nguyễn", hire_date="2024-02-29")
    return sandbox


async def test_configured_from_settings_the_health_check_passes_and_bad_secrets_are_fatal():
    sandbox = seeded(2)
    sandbox.raas.put("ISU_Baton", "Ends", [sandbox.report_entry("w1", "2025-01-31")])
    async with sandbox.serving() as base:
        common = {
            "kind": "workday",
            "url": base,
            "tenant": "acme",
            "client_id": "baton",
        }
        configured = catalog.configure(
            {
                "hris": {
                    **common,
                    "client_secret": "secret",
                    "refresh_token": "refresh-1",
                    "page_size": 5,
                    "raas_owner": "ISU_Baton",
                    "raas_report": "Ends",
                    "raas_user": "ISU_Baton@acme",
                    "raas_password": "isu-secret",
                },
                "bad": {**common, "client_secret": "wrong"},
            }
        )
        assert catalog.limits(configured) == {}  # Workday publishes no limit
        limiters = LimiterRegistry(catalog.limits(configured))
        hris = catalog.build_source(configured["hris"], limiters)
        bad = catalog.build_source(configured["bad"], limiters)
        try:
            ok = await catalog.check("hris", "workday", hris)
            refused = await catalog.check("bad", "workday", bad)
            assert isinstance(hris, WorkdaySource)
            workers = [r async for p in hris.workers.read(None) for r in p.records]
        finally:
            await hris.close()
            await bad.close()
    assert (ok.ok, ok.detail) == (True, "ok")
    assert not refused.ok
    assert refused.detail.startswith("Fatal")
    assert configured["hris"].account == configured["bad"].account
    assert configured["hris"].account == f"workday:{base.split('/')[2]}:acme"
    assert sandbox.state.requests[f"GET {STAFFING}/workers"] == 2  # health, read
    ends = {r.source_id: r.data.termination_date for r in workers}
    assert ends == {"w1": dt.date(2025, 1, 31), "w2": None}
    with pytest.raises(ConfigError, match="raas_owner and raas_report"):
        catalog.configure({"x": {**common, "client_secret": "s", "raas_owner": "o"}})
    with pytest.raises(ConfigError, match=r"raas_fields\.employe_id"):
        catalog.configure(
            {"x": {**common, "client_secret": "s", "raas_fields": {"employe_id": "E"}}}
        )
