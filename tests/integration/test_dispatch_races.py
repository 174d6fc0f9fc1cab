"""Recovery polls racing with live requests never send an entry twice."""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal

from baton.workflows.time_entry import TimeEntryIn
from tests.conftest import hub_settings, running_hub


def entry(i: int) -> TimeEntryIn:
    return TimeEntryIn.model_validate(
        {
            "entry_id": f"te-race-{i}",
            "worker_id": f"W{1 + i % 60:05d}",
            "project_code": "PRJ-0001",
            "date": "2026-11-02",
            "hours": Decimal("1.5"),
            "pay_code": "REG",
            "status": "approved",
        }
    )


async def test_aggressive_recovery_polls_do_not_double_send(
    store_url, refdata_dir, erp
):
    """Polls with no grace period pick up rows before their request submits them."""
    sandbox, url = erp
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:

        async def poll_hard() -> None:
            while True:
                await hub.dispatcher.recover(min_age=0.0)
                await asyncio.sleep(0)

        poller = asyncio.create_task(poll_hard())
        try:
            answers = await asyncio.gather(
                *(
                    hub.time_entries.handle(entry(i), "{}", wait=True, timeout=10)
                    for i in range(300)
                )
            )
        finally:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
    assert {a.outcome for a in answers} == {"posted"}
    assert len(sandbox.records) == 300
    assert sandbox.duplicates == 0, f"{sandbox.duplicates} entries posted twice"
