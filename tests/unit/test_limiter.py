"""AccountLimiter: sliding-window rate, concurrency, pauses; LimiterRegistry."""

from __future__ import annotations

import asyncio
import math
import random

import pytest

from baton.engine.limiter import AccountLimiter, LimiterRegistry, RateLimit
from tests.fakes.clock import FakeClock, run, settle


def test_fifty_callers_keep_rate_and_concurrency_and_near_full_throughput():
    clock = FakeClock(auto=True)
    limit = RateLimit(requests=5, per_seconds=1.0, concurrency=2)
    limiter = AccountLimiter(limit, clock)
    rng = random.Random(3)
    durations = [rng.uniform(0.05, 0.35) for _ in range(50)]
    starts: list[float] = []
    order: list[int] = []
    active = 0
    peak = 0

    async def call(i: int) -> None:
        nonlocal active, peak
        async with limiter.slot():
            starts.append(clock.now())
            order.append(i)
            active += 1
            peak = max(peak, active)
            assert limiter.in_flight == active
            assert limiter.started_in_window() <= 5
            await clock.sleep(durations[i])
            active -= 1

    async def main() -> float:
        await asyncio.gather(*(call(i) for i in range(50)))
        return clock.now()

    elapsed = run(main())

    assert len(starts) == 50
    assert peak == 2  # the concurrency limit was reached, never passed
    assert limiter.in_flight == 0
    for s in starts:  # every half-open window [s, s + 1) holds ≤ 5 starts
        assert sum(1 for t in starts if s <= t < s + 1.0) <= 5
    assert 50 / elapsed >= 0.9 * 5  # throughput: ≥ 90 % of 5 per second
    assert order == list(range(50))  # first come, first served


def test_window_is_strict_at_its_edge():
    clock = FakeClock(auto=True)
    limiter = AccountLimiter(RateLimit(3, 2.0, 10), clock)
    starts: list[float] = []

    async def call() -> None:
        async with limiter.slot():
            starts.append(clock.now())

    async def main() -> None:
        await asyncio.gather(*(call() for _ in range(9)))

    run(main())
    # A token bucket would allow 6 around t=2; the sliding log allows 3.
    assert starts == [0.0] * 3 + [2.0] * 3 + [4.0] * 3


def test_late_arrival_queues_behind_earlier_waiters():
    clock = FakeClock(auto=True)
    limiter = AccountLimiter(RateLimit(1, 1.0, 10), clock)
    order: list[tuple[str, float]] = []

    async def call(name: str, arrive_at: float = 0.0) -> None:
        await clock.sleep(arrive_at)
        async with limiter.slot():
            order.append((name, clock.now()))

    async def main() -> None:
        # "late" wakes at t=1 just before "b" re-checks the window: no barging.
        await asyncio.gather(call("late", 1.0), call("a"), call("b"), call("c"))

    run(main())
    assert order == [("a", 0.0), ("b", 1.0), ("c", 2.0), ("late", 3.0)]


def test_pause_blocks_every_start_until_it_ends():
    clock = FakeClock(start=100.0, auto=True)
    limiter = AccountLimiter(RateLimit(100, 1.0, 50), clock)
    starts: list[float] = []

    async def call() -> None:
        async with limiter.slot():
            starts.append(clock.now())

    async def main() -> None:
        async with limiter.slot():  # in flight when the 429 arrives
            limiter.pause(2.0)
        await asyncio.gather(*(call() for _ in range(20)))

    run(main())
    assert starts == [102.0] * 20
    assert limiter.paused_until == 102.0


def test_pause_arriving_while_waiting_for_the_window_holds_the_waiter():
    clock = FakeClock(auto=True)
    limiter = AccountLimiter(RateLimit(1, 1.0, 1), clock)
    starts: list[float] = []

    async def call() -> None:
        async with limiter.slot():
            starts.append(clock.now())

    async def pause_soon() -> None:
        await clock.sleep(0.5)
        limiter.pause(3.0)
        limiter.pause(1.0)  # a shorter pause does not cut the longer one
        limiter.pause(-1.0)  # a reset already past is a no-op

    async def main() -> None:
        await asyncio.gather(call(), call(), pause_soon())

    run(main())
    assert starts == [0.0, 3.5]


def test_pause_must_be_finite():
    limiter = AccountLimiter(RateLimit(1, 1.0, 1), FakeClock())
    for bad in (math.inf, math.nan):
        with pytest.raises(ValueError):
            limiter.pause(bad)


def test_cancelled_waiter_gives_its_place_back():
    clock = FakeClock()
    limiter = AccountLimiter(RateLimit(10, 1.0, 1), clock)
    entered: list[str] = []

    async def call(name: str, hold: asyncio.Event) -> None:
        async with limiter.slot():
            entered.append(name)
            await hold.wait()

    async def main() -> None:
        hold = asyncio.Event()
        first = asyncio.create_task(call("first", hold))
        second = asyncio.create_task(call("second", hold))
        await settle()
        second.cancel()
        third = asyncio.create_task(call("third", hold))
        hold.set()
        await asyncio.gather(first, third)
        assert second.cancelled()

    run(main())
    assert entered == ["first", "third"]
    assert limiter.in_flight == 0


def test_registry_shares_one_limiter_per_account_and_unlisted_is_unlimited():
    clock = FakeClock()  # manual: time never moves in this test
    registry = LimiterRegistry({"xero:acme": RateLimit(1, 60.0, 1)}, clock)
    limited = registry.get("xero:acme")
    free = registry.get("hubspot:acme")
    assert registry.get("xero:acme") is limited
    assert free.limit is None
    release = asyncio.Event()

    async def hold(limiter: AccountLimiter) -> None:
        async with limiter.slot():
            await release.wait()

    async def main() -> None:
        tasks = [asyncio.create_task(hold(free)) for _ in range(200)]
        tasks += [asyncio.create_task(hold(limited)) for _ in range(3)]
        await settle()
        assert free.in_flight == 200  # nobody waited, no time passed
        assert limited.in_flight == 1
        assert free.started_in_window() == 0
        release.set()
        await settle()
        assert free.in_flight == 0
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    run(main())
    assert [name for name, _ in registry.items()] == ["hubspot:acme", "xero:acme"]


def test_unlimited_limiter_still_honours_a_vendor_pause():
    clock = FakeClock(auto=True)
    limiter = LimiterRegistry({}, clock).get("bamboohr:acme")

    async def main() -> float:
        limiter.pause(5.0)
        async with limiter.slot():
            return clock.now()

    assert run(main()) == 5.0


@pytest.mark.parametrize(
    ("requests", "per", "conc"), [(0, 1.0, 1), (1, 0.0, 1), (1, 1.0, 0)]
)
def test_rate_limit_rejects_nonsense(requests: int, per: float, conc: int):
    with pytest.raises(ValueError):
        RateLimit(requests, per, conc)
