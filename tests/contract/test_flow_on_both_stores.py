"""The approved-time flow on SQLite and PostgreSQL: posted once, repeats answered."""

from __future__ import annotations

import json
from decimal import Decimal

from baton.workflows.time_entry import TimeEntryIn
from tests.conftest import hub_settings, running_hub


def entry(entry_id: str, **kw: object) -> TimeEntryIn:
    base = {
        "entry_id": entry_id,
        "worker_id": "W00001",
        "project_code": "PRJ-0001",
        "date": "2026-11-02",
        "hours": Decimal("7.5"),
        "pay_code": "REG",
        "status": "approved",
    }
    base.update(kw)
    return TimeEntryIn.model_validate(base)


async def test_posted_once_and_repeats_answered(store_url, refdata_dir, erp):
    sandbox, url = erp
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:
        flow = hub.time_entries
        first = await flow.handle(entry("te-1"), "{}", wait=True, timeout=5)
        again = await flow.handle(entry("te-1"), "{}", wait=True, timeout=5)
        bad = await flow.handle(
            entry("te-2", project_code="PRJ-0007"), "{}", wait=True, timeout=5
        )
        bad_again = await flow.handle(
            entry("te-2", project_code="PRJ-0007"), "{}", wait=True, timeout=5
        )
    assert (first.outcome, again.outcome) == ("posted", "duplicate")
    assert (bad.outcome, bad.rule) == ("rejected", "project.inactive")
    assert (bad_again.outcome, bad_again.rule) == ("rejected", "project.inactive")
    assert sandbox.posts == {"te-1": 1}
    rate = json.loads((refdata_dir / "workers.json").read_text())["W00001"]["cost_rate"]
    expected = (Decimal("7.5") * Decimal(str(rate))).quantize(Decimal("0.01"))
    assert sandbox.records["te-1"]["amount"] == float(expected)
    assert sandbox.records["te-1"]["employeeId"] == "EMP-100037"
    async with running_hub(hub_settings(store_url, url)) as hub:
        assert len(hub.store.list_quarantine("open")) == 1
        assert hub.store.counts()["deliveries"] == {"confirmed": 1}
