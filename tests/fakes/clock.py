"""A virtual clock for the engine's asyncio primitives.

:class:`FakeClock` implements :class:`baton.engine.clock.Clock` without real
waiting. ``sleep`` registers a future in a heap keyed by (deadline, arrival)
and awaits it; time moves only when:

* a test calls :meth:`FakeClock.advance`, which wakes every due sleeper in
  deadline order; or
* in ``auto`` mode, a background driver task finds the loop idle (it yields
  ``settle_rounds`` times with ``asyncio.sleep(0)`` and sleepers are still
  pending) and jumps to the earliest deadline, waking only those sleepers.

The idle test is a heuristic: tasks that need more than ``settle_rounds``
loop iterations between two clock sleeps (without sleeping on the clock) may
see time jump early. Unit tests have no real I/O, so 20 rounds is ample.
The driver ends itself when no sleeper is left and restarts on the next one.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Coroutine

__all__ = ["FakeClock", "run", "settle"]

T = TypeVar("T")


def run(main: Coroutine[object, object, T], timeout: float = 5.0) -> T:
    """Run ``main`` in a fresh loop, failing after ``timeout`` real seconds.

    A broken primitive tends to park tasks forever; this turns that hang into
    a prompt ``TimeoutError`` instead of waiting for pytest's global timeout.
    """
    return asyncio.run(asyncio.wait_for(main, timeout))


async def settle(rounds: int = 20) -> None:
    """Let ready tasks run for ``rounds`` loop iterations without moving time."""
    for _ in range(rounds):
        await asyncio.sleep(0)


class FakeClock:
    """Deterministic virtual time for tests.

    Args:
        start: the initial reading of :meth:`now`.
        auto: jump to the next deadline whenever every task is blocked.
        settle_rounds: loop iterations the auto driver waits before jumping.
    """

    def __init__(
        self, start: float = 0.0, *, auto: bool = False, settle_rounds: int = 20
    ) -> None:
        self._now = start
        self._auto = auto
        self._settle_rounds = settle_rounds
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._driver: asyncio.Task[None] | None = None

    def now(self) -> float:
        """Return the current virtual time."""
        return self._now

    @property
    def sleepers(self) -> int:
        """Count tasks currently asleep on this clock."""
        return sum(1 for _, _, fut in self._heap if not fut.done())

    async def sleep(self, seconds: float) -> None:
        """Sleep until virtual time reaches ``now() + seconds``.

        A positive sleep always moves time forward by at least one ulp, so a
        caller that recomputes a tiny remaining wait cannot spin forever.
        """
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        deadline = max(self._now + seconds, math.nextafter(self._now, math.inf))
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (deadline, next(self._seq), fut))
        if self._auto and (self._driver is None or self._driver.done()):
            self._driver = asyncio.create_task(self._drive())
        await fut

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` and wake due sleepers in order.

        Woken tasks run at the caller's next await; they all read the new time.
        """
        if seconds < 0:
            raise ValueError("time cannot go backwards")
        self._wake_until(self._now + seconds)
        self._now += seconds

    def _wake_until(self, deadline: float) -> None:
        while self._heap and self._heap[0][0] <= deadline:
            _, _, fut = heapq.heappop(self._heap)
            if not fut.done():
                fut.set_result(None)

    def _drop_cancelled(self) -> None:
        while self._heap and self._heap[0][2].done():
            heapq.heappop(self._heap)

    async def _drive(self) -> None:
        while True:
            await settle(self._settle_rounds)
            self._drop_cancelled()
            if not self._heap:
                return
            self._now = max(self._now, self._heap[0][0])
            self._wake_until(self._now)
