"""A circuit breaker per target: an outage parks deliveries, not retries.

::

    closed ──failure_threshold consecutive failures──▶ open
    open ──reset_timeout elapsed, first caller is the trial──▶ half_open
    half_open ──trial succeeds──▶ closed (every parked caller is woken)
    half_open ──trial fails──▶ open (the reset timeout starts again)

Callers ``await breaker.wait_until_callable()`` before each call and then
report the outcome with :meth:`CircuitBreaker.record_success` or
:meth:`CircuitBreaker.record_failure`. Only transient failures (``Retriable``,
``Ambiguous``) should be recorded as failures: an ``Invalid`` record says
nothing about the target's health. While the breaker is open callers wait
here instead of spending their retry budget; a successful trial wakes them at
once, so the first posts after recovery leave within moments.

Results reported while open come from calls started before it opened; they
are ignored. A trial that reports nothing within ``trial_timeout`` (its task
was cancelled, say) is presumed lost and the next caller becomes the trial.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum

from baton.engine.clock import Clock, SystemClock

__all__ = ["BreakerRegistry", "BreakerState", "CircuitBreaker"]


class BreakerState(StrEnum):
    """Where a :class:`CircuitBreaker` stands."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Stops calls to a failing target and lets one trial test its recovery.

    Args:
        name: the target's name, for logs and metrics.
        failure_threshold: consecutive transient failures that open it.
        reset_timeout: seconds open before a trial call is allowed.
        trial_timeout: seconds after which a silent trial is presumed lost.
        clock: the time source; :class:`SystemClock` by default.

    Raises:
        ValueError: on a threshold below one or a negative timeout.
    """

    def __init__(
        self,
        name: str = "",
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 10.0,
        trial_timeout: float = 60.0,
        clock: Clock | None = None,
    ) -> None:
        if failure_threshold < 1 or min(reset_timeout, trial_timeout) < 0:
            raise ValueError("failure_threshold ≥ 1 and timeouts ≥ 0 required")
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self.trial_timeout = trial_timeout
        self._clock: Clock = clock or SystemClock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._since = 0.0  # when the breaker opened, or when the trial began
        self._opened_count = 0
        self._waiters: list[asyncio.Future[None]] = []
        self._timer: asyncio.Task[None] | None = None

    @property
    def state(self) -> BreakerState:
        """Return the current state (``open`` until a trial is taken)."""
        return self._state

    @property
    def opened_count(self) -> int:
        """Count how many times the breaker has opened."""
        return self._opened_count

    @property
    def parked(self) -> int:
        """Count the callers waiting in :meth:`wait_until_callable`."""
        return sum(1 for waiter in self._waiters if not waiter.done())

    async def wait_until_callable(self) -> None:
        """Return when the caller may call the target.

        Returns at once while closed. While open, parks the caller until the
        reset timeout has elapsed; the first caller then returns as the
        half-open trial, and must report its outcome. The others stay parked
        until the trial's outcome: success wakes them all.
        """
        while (wake_at := self._try_enter()) is not None:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            if self._timer is None or self._timer.done():
                self._timer = asyncio.create_task(self._wake_later(wake_at))
            await waiter

    def record_success(self) -> None:
        """Report a successful call: a trial's success closes the breaker."""
        if self._state is BreakerState.OPEN:
            return
        self._failures = 0
        if self._state is BreakerState.HALF_OPEN:
            self._enter(BreakerState.CLOSED)

    def record_failure(self) -> None:
        """Report a transient failure: may open or re-open the breaker."""
        if self._state is BreakerState.OPEN:
            return
        self._failures += 1
        if (
            self._state is BreakerState.HALF_OPEN
            or self._failures >= self.failure_threshold
        ):
            self._opened_count += 1
            self._enter(BreakerState.OPEN)

    def _try_enter(self) -> float | None:
        """Admit the caller (``None``) or return when to look again."""
        if self._state is BreakerState.CLOSED:
            return None
        now = self._clock.now()
        timeout = (
            self.reset_timeout
            if self._state is BreakerState.OPEN
            else self.trial_timeout
        )
        if now < self._since + timeout:
            return self._since + timeout
        self._enter(BreakerState.HALF_OPEN)  # this caller is the trial
        return None

    def _enter(self, state: BreakerState) -> None:
        """Switch state; parked callers re-check and re-arm the timer.

        Every transition cancels the timer, so the one timer always matches
        the current state's deadline.
        """
        self._state = state
        self._since = self._clock.now()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._wake_all()

    async def _wake_later(self, when: float) -> None:
        await self._clock.sleep(when - self._clock.now())
        self._wake_all()

    def _wake_all(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)


class BreakerRegistry:
    """One :class:`CircuitBreaker` per target, created on first use.

    Args:
        failure_threshold: passed to every breaker.
        reset_timeout: passed to every breaker.
        clock: the time source handed to every breaker.
    """

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 10.0,
        clock: Clock | None = None,
    ) -> None:
        self._failure_threshold = failure_threshold
        self._reset_timeout = reset_timeout
        self._clock: Clock = clock or SystemClock()
        self._breakers: dict[str, CircuitBreaker] = {}

    def get(self, target: str) -> CircuitBreaker:
        """Return the target's breaker, creating it on first use."""
        breaker = self._breakers.get(target)
        if breaker is None:
            breaker = CircuitBreaker(
                target,
                failure_threshold=self._failure_threshold,
                reset_timeout=self._reset_timeout,
                clock=self._clock,
            )
            self._breakers[target] = breaker
        return breaker

    def items(self) -> list[tuple[str, CircuitBreaker]]:
        """List the breakers created so far, for metrics."""
        return sorted(self._breakers.items())
