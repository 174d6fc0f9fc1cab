"""A target that limits its own HTTP calls gets no second slot from the dispatcher."""

from __future__ import annotations

from decimal import Decimal

from baton.config import RateLimitSettings, TargetSettings
from baton.connectors.generic_rest.connector import GenericRestTarget
from baton.workflows.time_entry import TimeEntryIn
from tests.conftest import hub_settings
from tests.e2e.helpers import hub_with_targets


def entry(i: int) -> TimeEntryIn:
    return TimeEntryIn.model_validate(
        {
            "entry_id": f"te-s{i}",
            "worker_id": f"W{i + 1:05d}",
            "project_code": "PRJ-0001",
            "date": "2026-11-02",
            "hours": Decimal("2"),
            "pay_code": "REG",
            "status": "approved",
        }
    )


async def test_self_limited_target_is_not_given_a_dispatcher_slot(
    store_url, refdata_dir, erp
):
    _sandbox, url = erp
    seen: list[int] = []

    class Nested(GenericRestTarget):
        """Takes the account's only slot itself, as VendorHttp clients do."""

        self_limited = True
        limiter = None

        async def apply(self, delivery):
            assert self.limiter is not None
            seen.append(self.limiter.in_flight)  # the dispatcher holds none
            async with self.limiter.slot():
                return await super().apply(delivery)

    target = Nested(url)
    settings = hub_settings(
        store_url,
        url,
        erp=TargetSettings(
            url=url,
            rate_limit=RateLimitSettings(requests=100, per_seconds=1, concurrency=1),
        ),
    )
    async with hub_with_targets(settings, refdata_dir, {"erp": target}) as hub:
        target.limiter = hub.limiters.get(target.account)
        answers = [
            await hub.time_entries.handle(entry(i), "{}", wait=True, timeout=3)
            for i in range(3)
        ]
    assert [a.outcome for a in answers] == ["posted"] * 3
    assert seen == [0, 0, 0]
