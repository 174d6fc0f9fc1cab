"""One rate limiter per vendor *account*, shared by every flow.

A vendor counts our requests per account, whichever workflow sends them, so
the limit lives here, keyed by account, and every delivery to that account
goes through :meth:`AccountLimiter.slot`.

Guarantee: never more than ``requests`` starts in any half-open window
``[t, t + per_seconds)``, never more than ``concurrency`` bodies at once, and
no start while a pause (429 ``Retry-After``, ``X-RateLimit-Remaining: 0``) is
running. A classic token bucket would let ``2 * requests`` through around a
window edge (a full bucket spent just before the edge plus the refill after
it), which strict vendors punish; so we keep a sliding log of the last
``requests`` start times and let a caller start only once the oldest of them
is ``per_seconds`` old. The log has at most ``requests`` entries.

Waiting is FIFO: callers queue on one gate and only its holder waits for a
concurrency slot, the window and any pause.

This is the in-process limiter; in scale-out the same contract is kept by a
store-backed one (see ARCHITECTURE.md section 4).
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from baton.engine.clock import Clock, SystemClock

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

__all__ = ["AccountLimiter", "LimiterRegistry", "RateLimit"]


@dataclass(frozen=True, slots=True)
class RateLimit:
    """What a vendor allows one account.

    Args:
        requests: starts allowed in any window of ``per_seconds``.
        per_seconds: the window length, in seconds.
        concurrency: requests allowed in flight at once.

    Raises:
        ValueError: if any value is not positive.
    """

    requests: int
    per_seconds: float
    concurrency: int

    def __post_init__(self) -> None:
        """Reject limits that could never admit a request."""
        if self.requests < 1 or self.concurrency < 1 or not self.per_seconds > 0:
            raise ValueError("requests, per_seconds and concurrency must be > 0")


class AccountLimiter:
    """Admits requests to one vendor account within its :class:`RateLimit`.

    Args:
        limit: the account's limit, or ``None`` for no limit (only pauses,
            which come from the vendor itself, are honoured).
        clock: the time source; :class:`SystemClock` by default.
    """

    def __init__(self, limit: RateLimit | None, clock: Clock | None = None) -> None:
        self.limit = limit
        self._clock: Clock = clock or SystemClock()
        self._gate = asyncio.Lock()
        self._slots = asyncio.Semaphore(limit.concurrency) if limit else None
        self._starts: deque[float] = deque(maxlen=limit.requests if limit else 0)
        self._paused_until = -math.inf
        self._in_flight = 0

    @property
    def in_flight(self) -> int:
        """Count the requests currently inside :meth:`slot`."""
        return self._in_flight

    @property
    def paused_until(self) -> float:
        """Return the clock reading before which nothing starts."""
        return self._paused_until

    def started_in_window(self) -> int:
        """Count the starts within the last ``per_seconds`` (0 when unlimited)."""
        if self.limit is None:
            return 0
        now = self._clock.now()
        per = self.limit.per_seconds
        return sum(1 for started in self._starts if now < started + per)

    def pause(self, seconds: float) -> None:
        """Hold every start for ``seconds`` from now (the vendor said so).

        Call it on a 429 with ``Retry-After``, or with the reset delay when the
        vendor reports ``X-RateLimit-Remaining: 0``. Pauses never shorten an
        earlier, longer one; a non-positive delay is a no-op.

        Raises:
            ValueError: if ``seconds`` is not finite.
        """
        if not math.isfinite(seconds):
            raise ValueError("a pause must be a finite number of seconds")
        until = self._clock.now() + seconds
        self._paused_until = max(self._paused_until, until)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for this account's turn, then hold a slot for the body.

        Usage: ``async with limiter.slot(): await client.post(...)``.
        """
        if self._slots is None:
            await self._wait_for_pause()
        else:
            await self._admit(self._slots)
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            if self._slots is not None:
                self._slots.release()

    async def _admit(self, slots: asyncio.Semaphore) -> None:
        async with self._gate:
            await slots.acquire()
            try:
                await self._wait_for_window()
            except BaseException:
                slots.release()
                raise
            # No await between the last check and this record: nobody can
            # slip in, so the log holds exactly the admitted starts.
            self._starts.append(self._clock.now())

    async def _wait_for_pause(self) -> None:
        while (now := self._clock.now()) < self._paused_until:
            await self._clock.sleep(self._paused_until - now)

    async def _wait_for_window(self) -> None:
        assert self.limit is not None
        per = self.limit.per_seconds
        while True:
            now = self._clock.now()
            ready_at = self._paused_until
            if len(self._starts) == self._starts.maxlen:
                ready_at = max(ready_at, self._starts[0] + per)
            if now >= ready_at:
                return
            # Re-check after waking: a pause may have arrived meanwhile.
            await self._clock.sleep(ready_at - now)


class LimiterRegistry:
    """The shared map from vendor account to its :class:`AccountLimiter`.

    Args:
        limits: configured limits by account key; accounts not listed get an
            unlimited limiter (which still honours vendor pauses).
        clock: the time source handed to every limiter.
    """

    def __init__(
        self, limits: Mapping[str, RateLimit], clock: Clock | None = None
    ) -> None:
        self._limits = dict(limits)
        self._clock: Clock = clock or SystemClock()
        self._limiters: dict[str, AccountLimiter] = {}

    def get(self, account: str) -> AccountLimiter:
        """Return the account's limiter, creating it on first use."""
        limiter = self._limiters.get(account)
        if limiter is None:
            limiter = AccountLimiter(self._limits.get(account), self._clock)
            self._limiters[account] = limiter
        return limiter

    def items(self) -> list[tuple[str, AccountLimiter]]:
        """List the limiters created so far, for metrics."""
        return sorted(self._limiters.items())
