"""The engine's notion of time: one small Protocol, injected everywhere.

Backoff, the rate limiter and the circuit breaker read time only through a
:class:`Clock`, so production uses :class:`SystemClock` and tests pass a fake
that jumps virtual time instead of sleeping (``tests/fakes/clock.py``).
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

__all__ = ["Clock", "SystemClock"]


class Clock(Protocol):
    """A monotonic clock that can also suspend the calling task."""

    def now(self) -> float:
        """Return monotonic seconds; only differences between readings matter."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Suspend the calling task for ``seconds`` (no-op wait if ≤ 0)."""
        ...


class SystemClock:
    """The real clock: :func:`time.monotonic` and :func:`asyncio.sleep`."""

    def now(self) -> float:
        """Return :func:`time.monotonic`."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Sleep with :func:`asyncio.sleep` (negative values sleep zero)."""
        await asyncio.sleep(max(0.0, seconds))
