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


async def test_an_entry_the_target_cannot_express_is_quarantined(
    store_url, refdata_dir, erp
):
    from baton.connectors.generic_rest.connector import GenericRestTarget
    from baton.engine.errors import Invalid
    from tests.e2e.helpers import hub_with_targets

    class Picky(GenericRestTarget):
        def render(self, command):
            if command.hours > 8:
                raise Invalid("more than 8 h a day", rule="erp.mapping", owner_team="")
            return super().render(command)

    sandbox, url = erp
    target = Picky(url)
    async with hub_with_targets(
        hub_settings(store_url, url), refdata_dir, {"erp": target}
    ) as hub:
        ok = await hub.time_entries.handle(entry("te-8"), "{}", wait=True, timeout=5)
        long = await hub.time_entries.handle(
            entry("te-9", hours=Decimal("9")), "{}", wait=True, timeout=5
        )
        held = hub.store.list_quarantine("open")
    assert (ok.outcome, long.outcome, long.rule) == (
        "posted",
        "rejected",
        "erp.mapping",
    )
    assert [(q.canonical_id, q.owner_team, q.reason) for q in held] == [
        ("te-9", "delivery_ops", "more than 8 h a day")
    ]
    assert list(sandbox.posts) == ["te-8"]
