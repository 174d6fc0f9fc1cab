"""Pulling approved time from a PSA stream: once each, cursor after the inbox."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from baton.model.common import ApprovalStatus
from baton.model.time_expense import TimeEntry
from baton.workflows.time_pull import PullReport, pull_time_entries
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
    for _ in range(500):  # up to 10 s on a loaded machine
        if hub.store.counts()["deliveries"].get("confirmed", 0) >= n:
            return
        await asyncio.sleep(0.02)


@dataclass
class ThreePulls:
    """A first pull, a second from the stored cursor, a third from scratch."""

    first: PullReport
    cursor: str | None
    again: PullReport
    replay: PullReport
    quarantined: list[str]


async def pull_three_times(hub, stream, source: str, posted: int) -> ThreePulls:
    """Pull, pull again, forget the cursor (as after a crash) and pull once more."""
    first = await pull_time_entries(stream, hub.time_entries, hub.store, source=source)
    await settled(hub, posted)
    cursor = hub.store.get_cursor(source, stream.name)
    again = await pull_time_entries(stream, hub.time_entries, hub.store, source=source)
    hub.store.put_cursor(source, stream.name, None)
    replay = await pull_time_entries(stream, hub.time_entries, hub.store, source=source)
    await settled(hub, posted)
    quarantined = [q.canonical_id for q in hub.store.list_quarantine("open")]
    return ThreePulls(first, cursor, again, replay, quarantined)


async def test_pull_posts_approved_time_once_and_resumes(store_url, refdata_dir, erp):
    sandbox, url = erp
    stream = FakeTimeStream(entries())
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:
        pulls = await pull_three_times(hub, stream, "psa", 6)
    first, cursor, again = pulls.first, pulls.cursor, pulls.again
    replay, quarantined = pulls.replay, pulls.quarantined
    assert (first.pages, first.skipped) == (3, 1)
    assert first.outcomes == {"accepted": 6, "rejected": 1}
    assert cursor == "8"
    assert (again.pages, sum(again.outcomes.values())) == (0, 0)
    assert replay.outcomes == {"duplicate": 6, "rejected": 1}
    assert quarantined == ["psa-5"]
    assert sorted(sandbox.posts) == [f"psa-{i}" for i in (0, 1, 2, 4, 6, 7)]
    assert set(sandbox.posts.values()) == {1}
