"""Pulling approved time from a PSA stream: once each, cursor after the inbox."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

from baton.model.common import ApprovalStatus
from baton.model.time_expense import TimeEntry
from baton.workflows.time_pull import pull_time_entries
from tests.conftest import hub_settings, running_hub
from tests.fakes.psa import FakeTimeStream


def entries() -> list[TimeEntry]:
    out = []
    for i in range(8):
        status = ApprovalStatus.SUBMITTED if i == 3 else ApprovalStatus.APPROVED
        out.append(
            TimeEntry(
                id=f"psa-{i}",
                worker_id=f"W{i + 1:05d}",
                project_code="PRJ-0007" if i == 5 else "PRJ-0001",
                work_date=dt.date(2026, 11, 2 + i),
                hours=Decimal("7.5"),
                pay_code="REG",
                status=status,
            )
        )
    return out


async def settled(hub, n: int) -> None:
    for _ in range(200):
        if hub.store.counts()["deliveries"].get("confirmed", 0) >= n:
            return
        await asyncio.sleep(0.02)


async def test_pull_posts_approved_time_once_and_resumes(store_url, refdata_dir, erp):
    sandbox, url = erp
    stream = FakeTimeStream(entries())
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:
        first = await pull_time_entries(
            stream, hub.time_entries, hub.store, source="psa"
        )
        await settled(hub, 6)
        cursor = hub.store.get_cursor("psa", "time_entries")
        again = await pull_time_entries(
            stream, hub.time_entries, hub.store, source="psa"
        )
        hub.store.put_cursor("psa", "time_entries", None)  # as after a crash
        replay = await pull_time_entries(
            stream, hub.time_entries, hub.store, source="psa"
        )
        await settled(hub, 6)
        quarantined = [q.canonical_id for q in hub.store.list_quarantine("open")]
    assert (first.pages, first.skipped) == (3, 1)
    assert first.outcomes == {"accepted": 6, "rejected": 1}
    assert cursor == "8"
    assert (again.pages, sum(again.outcomes.values())) == (0, 0)
    assert replay.outcomes == {"duplicate": 6, "rejected": 1}
    assert quarantined == ["psa-5"]
    assert sorted(sandbox.posts) == [f"psa-{i}" for i in (0, 1, 2, 4, 6, 7)]
    assert set(sandbox.posts.values()) == {1}
