"""The shared rate limiter and the circuit breaker, through the dispatcher.

On SQLite and PostgreSQL; the ERP sandbox records when every post arrived
(``post_times``, monotonic) and how many were in flight at once.
"""

from __future__ import annotations

import asyncio
import math
import time

from baton.config import (
    BreakerSettings,
    RateLimitSettings,
    RetrySettings,
    TargetSettings,
)
from tests.conftest import hub_settings, running_hub
from tests.integration.flow_helpers import entry, eventually, send


def most_in_window(times: list[float], window: float) -> int:
    """The most posts in any half-open window ``[t, t + window)``."""
    ts = sorted(times)
    return max(
        sum(1 for other in ts[i:] if other < start + window)
        for i, start in enumerate(ts)
    )


async def test_rate_limit_and_concurrency_hold_through_the_dispatcher(
    store_url, refdata_dir, erp
):
    sandbox, url = erp
    requests, per, concurrency, n = 10, 0.5, 3, 40
    settings = hub_settings(
        store_url,
        url,
        erp=TargetSettings(
            url=url,
            timeout_seconds=2.0,
            rate_limit=RateLimitSettings(
                requests=requests, per_seconds=per, concurrency=concurrency
            ),
        ),
    )
    sandbox.inject(latency=0.02)
    async with running_hub(settings, refdata_dir) as hub:
        # record each send as the limiter admits it: the sandbox's own arrival
        # times add scheduling jitter that a busy CI machine stretches to 50 ms+
        target = hub.dispatcher.targets["erp"]
        plain_apply = target.apply
        admitted: list[float] = []

        async def timed_apply(delivery):
            admitted.append(time.monotonic())
            return await plain_apply(delivery)

        target.apply = timed_apply
        started = time.monotonic()
        # one worker each: 40 lanes that would all post at once if allowed
        answers = await asyncio.gather(
            *(
                send(hub, entry(f"te-{i}", worker_id=f"W{i + 1:05d}"), timeout=10.0)
                for i in range(n)
            )
        )
        elapsed = time.monotonic() - started
        limiter = hub.limiters.get(hub.targets["erp"].account)
        assert limiter.in_flight == 0

    assert {a.outcome for a in answers} == {"posted"}
    assert len(sandbox.posts) == n
    assert sandbox.duplicates == 0
    assert len(sandbox.post_times) == n
    assert 2 <= sandbox.max_in_flight <= concurrency
    # never more than `requests` starts in any window (a few ms for the
    # instant between admission and the timestamp above)
    assert len(admitted) == n
    assert most_in_window(admitted, per - 0.005) <= requests
    # The limiter was the binding constraint: 40 posts at 10 per 0.5 s take
    # at least three full windows, and not much more.
    floor = (n / requests - 1) * per
    assert elapsed >= floor
    assert sandbox.post_times[-1] - sandbox.post_times[0] >= floor - 0.03
    assert elapsed < floor + 1.5


async def test_open_breaker_parks_retries_and_recovery_posts_each_once(
    store_url, refdata_dir, erp
):
    sandbox, url = erp
    n, reset = 10, 0.3
    settings = hub_settings(
        store_url,
        url,
        retry=RetrySettings(base_seconds=0.01, cap_seconds=0.02, horizon_seconds=60),
        breaker=BreakerSettings(failure_threshold=3, reset_seconds=reset),
    )
    sandbox.inject(status=503, status_count=10_000)
    ids = [f"te-{i}" for i in range(n)]
    async with running_hub(settings, refdata_dir) as hub:
        breaker = hub.breakers.get("erp")
        started = time.monotonic()
        answers = await asyncio.gather(
            *(
                send(hub, entry(i, worker_id=f"W{k + 1:05d}"), wait=False)
                for k, i in enumerate(ids)
            )
        )
        assert {a.outcome for a in answers} == {"accepted"}
        await asyncio.sleep(1.0)
        outage = time.monotonic() - started
        posts_in_outage = len(sandbox.post_times)
        opened, parked = breaker.opened_count, breaker.parked

        sandbox.inject(status=None, status_count=0)
        cleared = time.monotonic()
        await eventually(lambda: len(sandbox.records) == n, timeout=2.0)
        recovered_in = time.monotonic() - cleared
        await eventually(
            lambda: hub.store.counts()["deliveries"] == {"confirmed": n}, timeout=2.0
        )
        state = breaker.state

    # Without a breaker, 10 lanes retrying every <= 20 ms would post hundreds
    # of times in a second. With it: the first wave (all 10 pass the closed
    # breaker together), a few retries that may slip in before the third
    # failure opens it, then one half-open trial per reset period.
    trials = math.ceil(outage / reset) + 1
    assert n <= posts_in_outage <= 2 * n + trials, posts_in_outage
    assert opened >= 2  # opened, then re-opened by a failed trial
    assert parked >= n // 2  # they wait in the breaker, not at the ERP
    assert recovered_in < 2.0
    assert state == "closed"
    assert sandbox.posts == dict.fromkeys(ids, 1)
    assert sandbox.duplicates == 0
