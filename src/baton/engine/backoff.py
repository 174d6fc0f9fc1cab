"""When to try a failed delivery again, and when to stop trying.

A transient failure (:class:`~baton.engine.errors.Retriable`) is retried with
exponential backoff and *full jitter*, never sooner than the target's
``Retry-After``; once the horizon since the first attempt has passed (or the
optional attempt budget is spent) the delivery goes to the dead letter.

Why not tenacity or stamina: they wrap a call and retry it in-process, holding
the task (and its memory) through every wait and forgetting everything on a
crash or restart. Our retries are state of the delivery row: the dispatcher
stores ``attempts`` and ``next_attempt_at`` in the database and any worker
picks the row up when it is due. So we need only the two pure decisions
below (how long to wait, whether to give up), not a retrying call wrapper.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import random

__all__ = ["RetryPolicy", "parse_retry_after"]

_DELTA_SECONDS = re.compile(r"\d+(?:\.\d+)?")
# 2.0 ** 1024 overflows a float; past this exponent the cap has long applied.
_MAX_EXPONENT = 1000


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded by a horizon.

    Args:
        base: the first attempt's backoff envelope, in seconds.
        cap: the largest envelope, in seconds.
        horizon: seconds after the first attempt from which a transient
            failure goes to the dead letter instead of being retried.
        max_attempts: an optional budget of attempts (``None``: time only).

    Raises:
        ValueError: on a negative duration or a budget below one.
    """

    base: float = 0.5
    cap: float = 300.0
    horizon: float = 86400.0
    max_attempts: int | None = None

    def __post_init__(self) -> None:
        """Reject settings that make no sense."""
        if min(self.base, self.cap, self.horizon) < 0:
            raise ValueError("base, cap and horizon must be ≥ 0 seconds")
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError("max_attempts must be ≥ 1 or None")

    def delay(
        self, attempt: int, retry_after: float | None, rng: random.Random
    ) -> float:
        """Return the seconds to wait after failed attempt number ``attempt``.

        Full jitter: uniform in ``[0, min(cap, base * 2**(attempt-1))]``. When
        the target sent ``Retry-After`` the result is never below it, and
        ``cap`` does not shorten it: the target's word wins.

        Args:
            attempt: the attempt that just failed, counting from 1.
            retry_after: seconds the target asked for, or ``None``.
            rng: the random source (seeded in tests).

        Raises:
            ValueError: if ``attempt`` is below 1.
        """
        if attempt < 1:
            raise ValueError("attempts count from 1")
        exponent = min(attempt - 1, _MAX_EXPONENT)
        envelope = min(self.cap, self.base * 2.0**exponent)
        jittered = rng.uniform(0.0, envelope)
        if retry_after is None:
            return jittered
        return max(jittered, retry_after)

    def gives_up(self, first_attempt_at: float, now: float, attempts: int) -> bool:
        """Tell whether a delivery that just failed transiently is done for.

        Args:
            first_attempt_at: when the first attempt was made (same clock as now).
            now: the current time.
            attempts: attempts made so far, including the one that just failed.

        Returns:
            True when the horizon is reached or the attempt budget is spent:
            the delivery goes to the dead letter.
        """
        if self.max_attempts is not None and attempts >= self.max_attempts:
            return True
        return now - first_attempt_at >= self.horizon


def parse_retry_after(value: str | None, now_epoch: float) -> float | None:
    """Read an HTTP ``Retry-After`` header as seconds from now.

    Accepts delta-seconds (``"120"``, also a lenient ``"1.5"``) and an
    HTTP-date (``"Wed, 21 Oct 2015 07:28:00 GMT"``). A date already past
    means "now" and gives ``0.0``.

    Args:
        value: the header value, or ``None`` when absent.
        now_epoch: the current Unix time, to turn a date into a delay.

    Returns:
        Seconds to wait, or ``None`` when absent, negative or unreadable.
    """
    if value is None:
        return None
    text = value.strip()
    if _DELTA_SECONDS.fullmatch(text):
        seconds = float(text)
        return seconds if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000": UTC, origin zone unknown (RFC 5322)
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now_epoch)
