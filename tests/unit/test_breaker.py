"""CircuitBreaker: open after failures, park callers, one trial, recover."""

from __future__ import annotations

import asyncio

import pytest

from baton.engine.breaker import BreakerRegistry, BreakerState, CircuitBreaker
from tests.fakes.clock import FakeClock, run, settle


def _opened(clock: FakeClock, trial_timeout: float = 60.0) -> CircuitBreaker:
    breaker = CircuitBreaker(
        "erp", failure_threshold=1, trial_timeout=trial_timeout, clock=clock
    )
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    return breaker


def test_opens_after_threshold_consecutive_failures():
    breaker = CircuitBreaker("erp", failure_threshold=3, clock=FakeClock())
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()  # not consecutive: the count starts again
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.opened_count == 0
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert breaker.opened_count == 1


def test_closed_breaker_lets_callers_through_at_once():
    clock = FakeClock()
    breaker = CircuitBreaker("erp", clock=clock)

    async def main() -> None:
        await asyncio.wait_for(breaker.wait_until_callable(), timeout=1)

    run(main())
    assert clock.sleepers == 0


def test_open_parks_callers_then_exactly_one_trial_then_success_wakes_all():
    clock = FakeClock()
    breaker = _opened(clock)
    calls: list[tuple[int, float]] = []

    async def deliver(i: int) -> None:
        await breaker.wait_until_callable()
        calls.append((i, clock.now()))

    async def main() -> None:
        tasks = [asyncio.create_task(deliver(i)) for i in range(5)]
        await settle()
        assert calls == []  # parked, not calling the dead target
        assert breaker.parked == 5
        clock.advance(9.9)
        await settle()
        assert calls == []
        clock.advance(0.1)  # reset timeout over: one trial goes
        await settle()
        assert calls == [(0, 10.0)]
        assert breaker.state is BreakerState.HALF_OPEN
        clock.advance(30.0)  # a slow trial: still nobody else goes
        await settle()
        assert len(calls) == 1
        assert breaker.parked == 4
        breaker.record_success()  # the trial succeeded
        await settle()  # woken at once, no clock movement needed
        assert sorted(calls) == [(0, 10.0)] + [(i, 40.0) for i in range(1, 5)]
        assert breaker.state is BreakerState.CLOSED
        await asyncio.gather(*tasks)

    run(main())


def test_failed_trial_reopens_and_parks_again():
    clock = FakeClock()
    breaker = _opened(clock)
    calls: list[float] = []

    async def deliver() -> None:
        await breaker.wait_until_callable()
        calls.append(clock.now())

    async def main() -> None:
        tasks = [asyncio.create_task(deliver()) for _ in range(3)]
        clock.advance(10.0)
        await settle()
        assert calls == [10.0]
        clock.advance(2.0)
        breaker.record_failure()  # the trial failed at t=12
        assert breaker.state is BreakerState.OPEN
        assert breaker.opened_count == 2
        await settle()
        clock.advance(9.9)
        await settle()
        assert calls == [10.0]
        clock.advance(0.1)  # 10 s after re-opening: the next trial
        await settle()
        assert calls == [10.0, 22.0]
        breaker.record_success()
        await asyncio.gather(*tasks)
        assert calls == [10.0, 22.0, 22.0]

    run(main())


def test_lost_trial_is_replaced_after_trial_timeout():
    clock = FakeClock()
    breaker = _opened(clock, trial_timeout=30.0)
    calls: list[float] = []

    async def deliver() -> None:
        await breaker.wait_until_callable()
        calls.append(clock.now())

    async def main() -> None:
        tasks = [asyncio.create_task(deliver()) for _ in range(2)]
        clock.advance(10.0)
        await settle()
        assert calls == [10.0]  # this trial never reports back
        clock.advance(29.0)
        await settle()
        assert calls == [10.0]
        clock.advance(1.0)
        await settle()
        assert calls == [10.0, 40.0]
        await asyncio.gather(*tasks)

    run(main())


def test_results_reported_while_open_are_stale_and_ignored():
    clock = FakeClock()
    breaker = _opened(clock)
    clock.advance(5.0)
    breaker.record_success()  # a call started before the breaker opened
    assert breaker.state is BreakerState.OPEN
    breaker.record_failure()  # likewise: does not push the trial back

    async def main() -> None:
        task = asyncio.create_task(breaker.wait_until_callable())
        clock.advance(5.0)
        await settle()
        assert task.done()

    run(main())
    assert breaker.opened_count == 1


def test_outage_end_to_end_bounds_calls_and_recovers_quickly():
    clock = FakeClock(auto=True)
    breaker = CircuitBreaker(
        "erp", failure_threshold=5, reset_timeout=10.0, clock=clock
    )
    recovered_at = 25.0
    attempts: list[float] = []
    done: list[float] = []

    async def deliver() -> None:
        while True:
            await breaker.wait_until_callable()
            attempts.append(clock.now())
            await clock.sleep(0.2)  # the request
            if clock.now() >= recovered_at:
                breaker.record_success()
                done.append(clock.now())
                return
            breaker.record_failure()
            await clock.sleep(1.0)  # the engine's backoff

    async def main() -> None:
        await asyncio.gather(*(deliver() for _ in range(20)))

    run(main())
    during_outage = [t for t in attempts if t < recovered_at]
    # 20 first attempts were in flight before it opened, then one trial per 10 s.
    assert len(during_outage) <= 20 + 3
    assert len(done) == 20
    assert max(done) <= recovered_at + 10.0 + 1.0
    assert breaker.state is BreakerState.CLOSED


def test_registry_keeps_one_breaker_per_target():
    registry = BreakerRegistry(
        failure_threshold=2, reset_timeout=3.0, clock=FakeClock()
    )
    erp = registry.get("erp")
    assert registry.get("erp") is erp
    assert registry.get("psa") is not erp
    assert (erp.failure_threshold, erp.reset_timeout) == (2, 3.0)
    assert [name for name, _ in registry.items()] == ["erp", "psa"]


def test_breaker_rejects_nonsense():
    with pytest.raises(ValueError):
        CircuitBreaker(failure_threshold=0)
    with pytest.raises(ValueError):
        CircuitBreaker(reset_timeout=-1.0)
