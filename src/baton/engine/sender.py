"""One delivery's attempts, from the first to its final settlement.

Per attempt: park while the target's circuit is open, take a slot from the
account's shared limiter, look the record up first if it may already be in
the target (``maybe_sent``), else send it. A failed attempt feeds the breaker
(or pauses the account's limiter after a 429), is recorded as ``pending``
through the group committer, and the next one waits for its backoff; what an
error means is decided in :mod:`baton.engine.settlement`.

:class:`Sender` holds what sending needs; the
:class:`~baton.engine.dispatcher.Dispatcher` adds lanes, recovery and waiting
on top of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from typing import TYPE_CHECKING

from baton.engine.errors import Ambiguous, DeliveryError, RateLimited, Retriable
from baton.engine.settlement import after_error, confirmed, unknown_target

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from contextlib import AbstractAsyncContextManager

    from baton.connectors.base import Target
    from baton.engine.backoff import RetryPolicy
    from baton.engine.breaker import BreakerRegistry
    from baton.engine.committer import GroupCommitter
    from baton.engine.limiter import AccountLimiter, LimiterRegistry
    from baton.store.ports import DeliveryRow, Settlement

__all__ = ["Sender"]


class Sender:
    """Sends deliveries to their targets until each is settled.

    Args:
        committer: where pending (retry) settlements are written.
        targets: target name → target.
        limiters: the shared per-account limiters.
        breakers: one circuit breaker per target.
        policy: retry backoff and horizon.
        owner_of: entity name → owning team, for quarantined deliveries.
        rng: jitter source (seeded in tests).
    """

    def __init__(
        self,
        committer: GroupCommitter,
        targets: Mapping[str, Target],
        limiters: LimiterRegistry,
        breakers: BreakerRegistry,
        policy: RetryPolicy,
        owner_of: Callable[[str], str],
        rng: random.Random | None = None,
    ) -> None:
        self.committer = committer
        self.targets = dict(targets)
        self.limiters = limiters
        self.breakers = breakers
        self.policy = policy
        self.owner_of = owner_of
        self.rng = rng or random.Random()
        self.sent = 0

    async def _send(self, d: DeliveryRow) -> Settlement:
        """Attempt ``d`` until confirmed, quarantined or dead; its final settlement."""
        target = self.targets.get(d.target)
        if target is None:
            return unknown_target(d, time.time())
        breaker = self.breakers.get(d.target)
        limiter = self.limiters.get(target.account)
        attempt, maybe_sent = d.attempts, d.maybe_sent
        first = d.first_attempt_at
        while True:
            await breaker.wait_until_callable()
            attempt += 1
            started = time.time()
            first = first if first is not None else started
            t0 = time.perf_counter()
            try:
                async with _slot(limiter, target):
                    ref = await target.lookup(d) if maybe_sent else None
                    found = ref is not None
                    # both ways are tested (attempt outcome "found" in
                    # tests/unit/test_dispatcher.py); coverage on 3.11 loses
                    # the jump from a last `if` to an `async with` exit
                    if ref is None:  # pragma: no branch
                        ref = await target.apply(d)
            except DeliveryError as exc:
                ms = (time.perf_counter() - t0) * 1000
                if isinstance(exc, RateLimited):
                    limiter.pause(exc.retry_after or 1.0)
                elif isinstance(exc, Ambiguous | Retriable):
                    breaker.record_failure()
                verdict = after_error(
                    d,
                    exc,
                    attempt,
                    first,
                    started,
                    ms,
                    maybe_sent,
                    policy=self.policy,
                    rng=self.rng,
                    owner_of=self.owner_of,
                    now=time.time(),
                )
                if verdict.state != "pending":
                    return verdict
                self.committer.post("settle", verdict)
                maybe_sent = verdict.maybe_sent
                assert verdict.next_attempt_at is not None
                await asyncio.sleep(max(0.0, verdict.next_attempt_at - time.time()))
                continue
            breaker.record_success()
            self.sent += 1
            ms = (time.perf_counter() - t0) * 1000
            return confirmed(d, attempt, found, started, ms, first, ref, target.system)


def _slot(limiter: AccountLimiter, target: Target) -> AbstractAsyncContextManager[None]:
    """The limiter slot for one delivery, unless the target limits its own calls.

    A vendor client on :class:`baton.connectors.http.VendorHttp` takes a slot
    of the same account limiter per HTTP call (a lookup may page); taking one
    here as well would nest slots of one semaphore and could deadlock.
    """
    if getattr(target, "self_limited", False):
        return contextlib.nullcontext()
    return limiter.slot()
