"""The dispatcher: sends outbox deliveries to their targets, exactly once in effect.

Per delivery: park while the target's circuit is open, take a slot from the
account's shared limiter, send, then record the outcome through the group
committer. The error class decides what happens next (see
:mod:`baton.engine.errors`):

* success → ``confirmed`` with a cross-reference to the target's id;
* :class:`Retriable` → backoff with full jitter (``Retry-After`` honoured)
  until the retry horizon, then the dead letter;
* :class:`Ambiguous` → the next attempt first looks the record up in the
  target and confirms it if found, so nothing is posted twice;
* :class:`Invalid` → quarantine with rule, reason, owner team, amount;
* :class:`Fatal` → the dead letter at once.

Deliveries with the same partition key run one after another in order
("lanes"); different keys run in parallel. A delivery loaded from the store
rather than handed over by this process (recovery after a crash, replay) is
always looked up before it is sent.

The parts: :mod:`~baton.engine.sender` makes one delivery's attempts,
:mod:`~baton.engine.settlement` decides what each result means,
:mod:`~baton.engine.ledger` remembers finished deliveries and their waiters,
:mod:`~baton.engine.recovery` reads due deliveries back from the store. This
module runs the lanes and is the one entry point.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import replace
from typing import TYPE_CHECKING

from baton.engine.ledger import Ledger
from baton.engine.recovery import BATCH, Recovery
from baton.engine.sender import Sender
from baton.engine.settlement import Outcome, outcome_of

if TYPE_CHECKING:
    import random
    from collections.abc import Callable, Mapping

    from baton.connectors.base import Target
    from baton.engine.backoff import RetryPolicy
    from baton.engine.breaker import BreakerRegistry
    from baton.engine.committer import GroupCommitter
    from baton.engine.limiter import LimiterRegistry
    from baton.store.ports import DeliveryRow, EngineStore, Settlement

__all__ = ["Dispatcher", "Outcome"]


class Dispatcher(Sender):
    """Runs deliveries through their targets (see the module docstring).

    Args:
        store: read side, for recovery polls.
        committer: where outcomes are written (batched with other writes).
        targets: target name → target.
        limiters: the shared per-account limiters.
        breakers: one circuit breaker per target.
        policy: retry backoff and horizon.
        owner_of: entity name → owning team, for quarantined deliveries.
        rng: jitter source (seeded in tests).
    """

    def __init__(
        self,
        store: EngineStore,
        committer: GroupCommitter,
        targets: Mapping[str, Target],
        limiters: LimiterRegistry,
        breakers: BreakerRegistry,
        policy: RetryPolicy,
        owner_of: Callable[[str], str],
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(committer, targets, limiters, breakers, policy, owner_of, rng)
        self.store = store
        self._lanes: dict[str, deque[DeliveryRow]] = {}
        self._held: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._ledger = Ledger()
        self._recovery = Recovery(store, self.submit, self._busy)
        self._reading = self._recovery.submitted_during

    # -- feeding -------------------------------------------------------------
    def track(self, delivery: DeliveryRow) -> asyncio.Future[Outcome]:
        """Queue a delivery this process just wrote; the future gives its outcome.

        If a recovery poll got to it first (and maybe finished it), the
        delivery is not sent again: the future follows that run instead.
        """
        known = self._ledger.recent.get(delivery.id)
        if known is not None:
            done: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
            done.set_result(known[0])
            return done
        fut = self._ledger.wait(delivery.id)
        self.submit(delivery)
        return fut

    def submit(self, delivery: DeliveryRow) -> None:
        """Queue a delivery in its partition's lane (no-op if held or just done)."""
        if delivery.id in self._held or self._ledger.closed(delivery):
            return
        self._held.add(delivery.id)
        for seen in self._reading.values():
            seen.add(delivery.id)
        lane = self._lanes.get(delivery.partition_key)
        if lane is not None:
            lane.append(delivery)
            return
        self._lanes[delivery.partition_key] = deque([delivery])
        task = asyncio.get_running_loop().create_task(
            self._run_lane(delivery.partition_key)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def wait(self, delivery_id: str) -> asyncio.Future[Outcome]:
        """A future resolved when the delivery is confirmed, quarantined or dead."""
        return self._ledger.wait(delivery_id)

    async def outcome(self, delivery_id: str, timeout: float) -> Outcome | None:
        """How a delivery ended, waiting up to ``timeout`` s if it is still in flight.

        A pending delivery no one holds (e.g. after a restart) is queued here
        first — looked up before any resend. None: still in flight after the
        wait, or unknown.
        """
        known = self._ledger.known(delivery_id)
        if known is not None:
            return known
        if delivery_id not in self._held:
            row = await asyncio.to_thread(self.store.get_delivery, delivery_id)
            if row is None:
                return None
            if row.state != "pending":
                return Outcome(
                    row.state,  # type: ignore[arg-type]
                    external_ref=row.external_ref,
                    reason=row.last_error,
                )
            fut = self.wait(delivery_id)
            self.submit(replace(row, maybe_sent=True))
        else:
            fut = self.wait(delivery_id)
        done, _ = await asyncio.wait((fut,), timeout=timeout)
        if not done:
            fut.cancel()
            return None
        return fut.result()

    async def recover(self, limit: int = BATCH, min_age: float = 0.0) -> int:
        """Queue every due pending delivery not held here; returns how many.

        Such deliveries may already have been sent by a process that died, so
        they are marked ``maybe_sent`` and looked up before any resend.
        ``min_age`` skips rows created in the last seconds: their writer (a
        request in this or another process) hands them over itself.
        """
        return await self._recovery.recover(limit, min_age)

    def start_polling(self, interval: float = 1.0, min_age: float = 5.0) -> None:
        """Poll the store for due deliveries (recovery, replays, other writers).

        Rows younger than ``min_age`` seconds are left to the request that
        wrote them (it submits them itself a moment after its commit).
        """
        self._recovery.start_polling(interval, min_age)

    async def stop(self) -> None:
        """Stop polling and cancel in-flight lanes (their rows stay pending)."""
        self._recovery.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._recovery.drain()

    @property
    def backlog(self) -> int:
        """Deliveries held in memory (queued, sending or waiting to retry)."""
        return len(self._held)

    def _busy(self) -> frozenset[str]:
        """Deliveries held or settling here: a recovery read leaves them out."""
        return frozenset(self._held | self._ledger.settling)

    # -- running -------------------------------------------------------------
    async def _run_lane(self, key: str) -> None:
        lane = self._lanes[key]
        try:
            while lane:
                delivery = lane[0]
                try:
                    self._finish(delivery, await self._send(delivery))
                finally:
                    lane.popleft()
                    self._held.discard(delivery.id)
        finally:
            for d in lane:
                self._held.discard(d.id)
            del self._lanes[key]

    def _finish(self, d: DeliveryRow, s: Settlement) -> None:
        # Until the final settlement is committed the row still reads as
        # pending: keep recover() from queueing the delivery again meanwhile.
        self._ledger.settling.add(d.id)
        settled = self.committer.enqueue("settle", s)
        settled.add_done_callback(lambda f: self._ledger.settled(d.id, f))
        self._ledger.finish(d.id, outcome_of(s), time.time())
