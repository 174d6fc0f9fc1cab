"""Ambiguous outcomes: the ERP commits a post, then the answer is lost.

Two ways to lose the answer: the ERP drops the connection after storing
(``reset_after_commit``) or answers after the hub's timeout
(``timeout_after_commit``). Either way the hub cannot know whether the post
went through; it must look the entry up before trying again, so the ERP
holds every entry exactly once. A control test with a target whose lookup
never finds anything shows the same faults do produce ERP duplicates, so the
lookup is what prevents them.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from baton.config import TargetSettings
from baton.connectors.generic_rest.connector import GenericRestTarget
from baton.store import schema
from baton.workflows.time_entry import TimeEntryIn
from tests.conftest import hub_settings, running_hub
from tests.e2e.helpers import hub_with_targets

if TYPE_CHECKING:
    from pathlib import Path

    from baton.bootstrap import Hub
    from baton.config import Settings
    from baton.connectors.generic_rest.sandbox import ErpSandbox
    from baton.store.ports import DeliveryRow

pytestmark = pytest.mark.timeout(60)

N_ENTRIES = 5


@dataclass(frozen=True)
class Fault:
    """A commit-then-lose-the-answer fault and the hub's ERP timeout for it."""

    inject: dict[str, Any]
    hits: int
    erp_timeout: float = 2.0


FAULTS = {
    "reset_after_commit": Fault({"reset_after_commit": 3}, hits=3),
    "timeout_after_commit": Fault(
        {"timeout_after_commit": 2, "timeout_seconds": 2.0}, hits=2, erp_timeout=0.5
    ),
}


class NoLookupTarget(GenericRestTarget):
    """A target that never finds a record: every retry posts again."""

    async def lookup(self, delivery: DeliveryRow) -> str | None:
        return None


def entry(i: int) -> TimeEntryIn:
    """An approved entry for worker ``i`` that passes every rule."""
    return TimeEntryIn.model_validate(
        {
            "entry_id": f"te-amb-{i}",
            "worker_id": f"W{i:05d}",
            "project_code": f"PRJ-{i:04d}",
            "date": "2026-11-02",
            "hours": Decimal("7.5"),
            "pay_code": "REG",
            "status": "approved",
        }
    )


def settings_for(store_url: str, url: str, fault: Fault) -> Settings:
    """Test hub settings with the ERP timeout the fault needs."""
    erp = TargetSettings(url=url, timeout_seconds=fault.erp_timeout)
    return hub_settings(store_url, url, erp=erp)


async def post_all(hub: Hub) -> list[str]:
    """Post the entries one after another (so the first ones meet the fault)."""
    outcomes = []
    for i in range(1, N_ENTRIES + 1):
        e = entry(i)
        ans = await hub.time_entries.handle(
            e, e.model_dump_json(), wait=True, timeout=10
        )
        outcomes.append(ans.outcome)
    return outcomes


async def wait_settled(hub: Hub, timeout: float = 10.0) -> None:
    """Wait until every delivery is confirmed in the store (settles are async)."""
    deadline = time.monotonic() + timeout
    counts: dict[str, int] = {}
    while time.monotonic() < deadline:
        counts = hub.store.counts()["deliveries"]
        if counts == {"confirmed": N_ENTRIES} and hub.dispatcher.backlog == 0:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"deliveries not settled: {counts}")


def attempt_outcomes(hub: Hub) -> dict[str, list[str]]:
    """Entry id → its delivery's attempt outcomes, in order."""
    by_delivery = {d.id: d.canonical_id for d in hub.store.list_deliveries()}
    a = schema.attempts.c
    q = select(a.delivery_id, a.outcome).order_by(a.delivery_id, a.number, a.id)
    out: dict[str, list[str]] = {cid: [] for cid in by_delivery.values()}
    with hub.store.engine.connect() as conn:
        for delivery_id, outcome in conn.execute(q):
            out[by_delivery[delivery_id]].append(outcome)
    return out


@pytest.mark.parametrize("fault_name", list(FAULTS))
async def test_commit_then_lost_answer_is_found_not_posted_again(
    store_url: str,
    refdata_dir: Path,
    erp: tuple[ErpSandbox, str],
    fault_name: str,
) -> None:
    """The ERP stores a post but the answer is lost: the retry finds it, no re-post.

    Every entry is answered ``posted``; the ERP received each exactly once;
    the faulted deliveries took more than one attempt, the first ambiguous
    and a later one settled by the lookup (``found``), never by a new post.
    """
    sandbox, url = erp
    fault = FAULTS[fault_name]
    sandbox.inject(**fault.inject)
    async with running_hub(settings_for(store_url, url, fault), refdata_dir) as hub:
        outcomes = await post_all(hub)
        await wait_settled(hub)
        deliveries = {d.canonical_id: d for d in hub.store.list_deliveries()}
        attempts = attempt_outcomes(hub)

    ids = [entry(i).entry_id for i in range(1, N_ENTRIES + 1)]
    assert outcomes == ["posted"] * N_ENTRIES
    assert sandbox.posts == dict.fromkeys(ids, 1), "an entry reached the ERP twice"
    assert sandbox.duplicates == 0
    faulted, clean = ids[: fault.hits], ids[fault.hits :]
    for cid in faulted:
        assert deliveries[cid].attempts > 1, (cid, attempts[cid])
        assert attempts[cid][0] == "ambiguous", (cid, attempts[cid])
        assert "found" in attempts[cid][1:], (cid, attempts[cid])
        assert "confirmed" not in attempts[cid], (cid, attempts[cid])
    for cid in clean:
        assert attempts[cid][0] == "confirmed", (cid, attempts[cid])
        assert "ambiguous" not in attempts[cid], (cid, attempts[cid])
    assert all(d.external_ref for d in deliveries.values())


@pytest.mark.parametrize("fault_name", list(FAULTS))
async def test_control_without_lookup_the_erp_gets_duplicates(
    store_url: str,
    refdata_dir: Path,
    erp: tuple[ErpSandbox, str],
    fault_name: str,
) -> None:
    """Control: the same faults with a lookup that never finds do post twice.

    This shows the test above can fail: the lookup, not luck or the fault's
    shape, is what keeps the ERP free of duplicates.
    """
    sandbox, url = erp
    fault = FAULTS[fault_name]
    sandbox.inject(**fault.inject)
    target = NoLookupTarget(url, timeout=fault.erp_timeout)
    settings = settings_for(store_url, url, fault)
    async with hub_with_targets(settings, refdata_dir, {"erp": target}) as hub:
        outcomes = await post_all(hub)
        await wait_settled(hub)

    assert outcomes == ["posted"] * N_ENTRIES
    assert len(sandbox.records) == N_ENTRIES
    assert sandbox.duplicates >= 1
    assert any(n > 1 for n in sandbox.posts.values())
