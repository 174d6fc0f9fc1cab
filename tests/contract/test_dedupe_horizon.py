"""Repeats are refused within the dedupe horizon and forgotten after it."""

from __future__ import annotations

import time

from baton.workflows.time_entry import TimeEntryIn
from tests.conftest import hub_settings, running_hub

ENTRY = {
    "entry_id": "te-h",
    "worker_id": "W00002",
    "project_code": "PRJ-0002",
    "date": "2026-11-03",
    "hours": "4",
    "pay_code": "REG",
    "status": "approved",
}


async def test_inbox_forgets_only_events_past_the_horizon(store_url, refdata_dir, erp):
    _sandbox, url = erp
    entry = TimeEntryIn.model_validate(ENTRY)
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:
        first = await hub.time_entries.handle(entry, "{}", wait=True, timeout=5)
        assert hub.store.purge_inbox(time.time() - 3600) == 0  # still inside
        again = await hub.time_entries.handle(entry, "{}", wait=True, timeout=5)
        assert hub.store.purge_inbox(time.time() + 1) == 1  # past the horizon
        counts = hub.store.counts()
    assert (first.outcome, again.outcome) == ("posted", "duplicate")
    assert counts["inbox"] == {}
    assert counts["deliveries"] == {"confirmed": 1}


async def test_an_event_back_after_the_horizon_is_still_posted_once(
    store_url, refdata_dir, erp
):
    sandbox, url = erp
    entry = TimeEntryIn.model_validate(ENTRY)
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:
        first = await hub.time_entries.handle(entry, "{}", wait=True, timeout=5)
        assert hub.store.purge_inbox(time.time() + 1) == 1
        back = await hub.time_entries.handle(entry, "{}", wait=True, timeout=5)
        deliveries = hub.store.counts()["deliveries"]
    assert (first.outcome, back.outcome) == ("posted", "duplicate")
    assert back.id == first.id
    assert sandbox.posts == {"te-h": 1}
    assert deliveries == {"confirmed": 1}
