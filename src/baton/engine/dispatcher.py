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
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from baton.engine.errors import (
    Ambiguous,
    DeliveryError,
    Fatal,
    Invalid,
    RateLimited,
    Retriable,
)
from baton.model.ids import new_id
from baton.store.ports import NewQuarantine, Settlement

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from contextlib import AbstractAsyncContextManager

    from baton.connectors.base import Target
    from baton.engine.backoff import RetryPolicy
    from baton.engine.breaker import BreakerRegistry
    from baton.engine.committer import GroupCommitter
    from baton.engine.limiter import AccountLimiter, LimiterRegistry
    from baton.store.ports import DeliveryRow, EngineStore

__all__ = ["Dispatcher", "Outcome"]

log = logging.getLogger(__name__)

RECENT_OUTCOMES = 10_000


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a delivery ended: ``confirmed``, ``quarantined`` or ``dead``."""

    state: Literal["confirmed", "quarantined", "dead"]
    external_ref: str | None = None
    rule: str | None = None
    reason: str | None = None
    quarantine_id: str | None = None


class Dispatcher:
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
        self.store = store
        self.committer = committer
        self.targets = dict(targets)
        self.limiters = limiters
        self.breakers = breakers
        self.policy = policy
        self.owner_of = owner_of
        self.rng = rng or random.Random()
        self._lanes: dict[str, deque[DeliveryRow]] = {}
        self._held: set[str] = set()
        # outcomes of recently finished deliveries, for repeats that wait on them
        # (outcome, when it finished); a row reopened later (replay) is newer
        self._recent: OrderedDict[str, tuple[Outcome, float]] = OrderedDict()
        # finished here, final settlement not yet committed: not to be resent
        self._settling: set[str] = set()
        # one set per running recover(): ids submitted while its read ran
        self._submitted_during: dict[object, set[str]] = {}
        self._reads: set[asyncio.Future[list[DeliveryRow]]] = set()
        self._waiters: dict[str, list[asyncio.Future[Outcome]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._poller: asyncio.Task[None] | None = None
        self.sent = 0

    # -- feeding -------------------------------------------------------------
    def track(self, delivery: DeliveryRow) -> asyncio.Future[Outcome]:
        """Queue a delivery this process just wrote; the future gives its outcome.

        If a recovery poll got to it first (and maybe finished it), the
        delivery is not sent again: the future follows that run instead.
        """
        known = self._recent.get(delivery.id)
        if known is not None:
            done: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
            done.set_result(known[0])
            return done
        fut = self.wait(delivery.id)
        self.submit(delivery)
        return fut

    def submit(self, delivery: DeliveryRow) -> None:
        """Queue a delivery in its partition's lane (no-op if held or just done)."""
        if (
            delivery.id in self._held
            or delivery.id in self._settling
            or self._finished_since(delivery)
        ):
            return
        self._held.add(delivery.id)
        for seen in self._submitted_during.values():
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
        fut: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(delivery_id, []).append(fut)
        return fut

    def _finished_since(self, delivery: DeliveryRow) -> bool:
        """Finished here after this copy of the row was written (not a replay)."""
        known = self._recent.get(delivery.id)
        return known is not None and delivery.updated_at <= known[1]

    async def outcome(self, delivery_id: str, timeout: float) -> Outcome | None:
        """How a delivery ended, waiting up to ``timeout`` s if it is still in flight.

        A pending delivery no one holds (e.g. after a restart) is queued here
        first — looked up before any resend. None: still in flight after the
        wait, or unknown.
        """
        known = self._recent.get(delivery_id)
        if known is not None:
            return known[0]
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

    async def recover(self, limit: int = 10_000, min_age: float = 0.0) -> int:
        """Queue every due pending delivery not held here; returns how many.

        Such deliveries may already have been sent by a process that died, so
        they are marked ``maybe_sent`` and looked up before any resend.
        ``min_age`` skips rows created in the last seconds: their writer (a
        request in this or another process) hands them over itself.
        """
        # The read is a snapshot: a delivery submitted while it ran may have
        # finished since, its row still pending until the settlement commits.
        seen: set[str] = set()
        token = object()  # sets compare by value: key each read by identity
        self._submitted_during[token] = seen
        read = asyncio.ensure_future(
            asyncio.to_thread(
                self.store.due_deliveries,
                time.time(),
                limit,
                frozenset(self._held | self._settling),
                time.time() - min_age,
            )
        )
        self._reads.add(read)
        read.add_done_callback(self._reads.discard)
        try:
            rows = await asyncio.shield(read)  # stop() waits for the thread
        finally:
            del self._submitted_during[token]
        rows = [row for row in rows if row.id not in seen]
        for row in rows:
            self.submit(replace(row, maybe_sent=True))
        return len(rows)

    def start_polling(self, interval: float = 1.0, min_age: float = 5.0) -> None:
        """Poll the store for due deliveries (recovery, replays, other writers).

        Rows younger than ``min_age`` seconds are left to the request that
        wrote them (it submits them itself a moment after its commit).
        """

        async def _poll() -> None:
            while True:
                try:
                    await self.recover(min_age=min_age)
                except Exception:  # keep polling; the store may come back
                    log.exception("delivery poll failed")
                await asyncio.sleep(interval)

        self._poller = asyncio.get_running_loop().create_task(_poll())

    async def stop(self) -> None:
        """Stop polling and cancel in-flight lanes (their rows stay pending)."""
        if self._poller is not None:
            self._poller.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._poller is not None:
            await asyncio.gather(self._poller, return_exceptions=True)
        # a cancelled recover() leaves its store read running in a thread
        await asyncio.gather(*self._reads, return_exceptions=True)

    @property
    def backlog(self) -> int:
        """Deliveries held in memory (queued, sending or waiting to retry)."""
        return len(self._held)

    # -- sending -------------------------------------------------------------
    async def _run_lane(self, key: str) -> None:
        lane = self._lanes[key]
        try:
            while lane:
                delivery = lane[0]
                try:
                    await self._deliver(delivery)
                finally:
                    lane.popleft()
                    self._held.discard(delivery.id)
        finally:
            for d in lane:
                self._held.discard(d.id)
            del self._lanes[key]

    async def _deliver(self, d: DeliveryRow) -> None:
        target = self.targets.get(d.target)
        if target is None:
            unknown = Settlement(
                d.id,
                "dead",
                d.attempts + 1,
                "fatal",
                at=time.time(),
                duration_ms=0.0,
                error=f"no target named {d.target!r}",
            )
            self._finish(d, _dead(unknown, d.target))
            return
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
                    if ref is None:
                        ref = await target.apply(d)
            except DeliveryError as exc:
                ms = (time.perf_counter() - t0) * 1000
                verdict = self._on_error(
                    d, exc, attempt, first, started, ms, maybe_sent
                )
                if isinstance(verdict, Settlement):
                    if verdict.state != "pending":
                        self._finish(d, verdict)
                        return
                    self.committer.post("settle", verdict)
                    maybe_sent = verdict.maybe_sent
                    assert verdict.next_attempt_at is not None
                    await asyncio.sleep(max(0.0, verdict.next_attempt_at - time.time()))
                continue
            breaker.record_success()
            self.sent += 1
            self._finish(
                d,
                Settlement(
                    d.id,
                    "confirmed",
                    attempt,
                    "found" if found else "confirmed",
                    started,
                    (time.perf_counter() - t0) * 1000,
                    first_attempt_at=first,
                    external_ref=ref,
                    xref=(d.entity, d.canonical_id, target.system, ref),
                ),
            )
            return

    def _on_error(
        self,
        d: DeliveryRow,
        exc: DeliveryError,
        attempt: int,
        first: float,
        started: float,
        ms: float,
        maybe_sent: bool,
    ) -> Settlement:
        base = Settlement(
            d.id,
            "pending",
            attempt,
            "retriable",
            at=started,
            duration_ms=ms,
            status=exc.status,
            error=exc.message,
            first_attempt_at=first,
        )
        if isinstance(exc, Invalid):
            q = NewQuarantine(
                id=new_id(),
                entity=d.entity,
                canonical_id=d.canonical_id,
                rule=exc.rule,
                reason=f"{d.target} rejected it: {exc.message}",
                owner_team=exc.owner_team or self.owner_of(d.entity),
                amount=d.amount,
                currency=d.currency,
                fix=exc.fix or "correct the record or the target's set-up, then replay",
                payload=d.payload,
                delivery_id=d.id,
            )
            return replace(
                base, state="quarantined", attempt_outcome="invalid", quarantine=q
            )
        if isinstance(exc, Fatal):
            return _dead(base, d.target)
        breaker = self.breakers.get(d.target)
        retry_after: float | None = None
        if isinstance(exc, RateLimited):
            retry_after = exc.retry_after
            self.limiters.get(self.targets[d.target].account).pause(retry_after or 1.0)
            kind = "rate_limited"
        elif isinstance(exc, Ambiguous):
            maybe_sent = True
            breaker.record_failure()
            kind = "ambiguous"
        else:
            assert isinstance(exc, Retriable)
            retry_after = exc.retry_after
            breaker.record_failure()
            kind = "retriable"
        now = time.time()
        if self.policy.gives_up(first, now, attempt):
            reason = f"gave up after {attempt} attempts: {exc.message}"
            return _dead(replace(base, error=reason), d.target)
        delay = self.policy.delay(attempt, retry_after, self.rng)
        return replace(
            base,
            attempt_outcome=kind,
            next_attempt_at=now + delay,
            maybe_sent=maybe_sent,
        )

    def _finish(self, d: DeliveryRow, s: Settlement) -> None:
        # Until the final settlement is committed the row still reads as
        # pending: keep recover() from queueing the delivery again meanwhile.
        self._settling.add(d.id)
        settled = self.committer.enqueue("settle", s)
        settled.add_done_callback(lambda f: self._settled(d.id, f))
        outcome = Outcome(
            s.state,  # type: ignore[arg-type]
            external_ref=s.external_ref,
            rule=s.quarantine.rule if s.quarantine else None,
            reason=(s.quarantine.reason if s.quarantine else s.error),
            quarantine_id=s.quarantine.id if s.quarantine else None,
        )
        self._recent[d.id] = (outcome, time.time())
        if len(self._recent) > RECENT_OUTCOMES:
            self._recent.popitem(last=False)
        for fut in self._waiters.pop(d.id, []):
            if not fut.done():
                fut.set_result(outcome)

    def _settled(self, delivery_id: str, fut: asyncio.Future[object]) -> None:
        self._settling.discard(delivery_id)
        if not fut.cancelled() and fut.exception() is not None:
            # the row stays pending; recovery looks it up before any resend
            log.error(
                "could not record the outcome of delivery %s: %s",
                delivery_id,
                fut.exception(),
            )


def _dead(s: Settlement, target: str) -> Settlement:
    """``s`` as a final failure with a dead-letter row."""
    return replace(
        s, state="dead", attempt_outcome="fatal", dead_letter_id=new_id(), target=target
    )


def _slot(limiter: AccountLimiter, target: Target) -> AbstractAsyncContextManager[None]:
    """The limiter slot for one delivery, unless the target limits its own calls.

    A vendor client on :class:`baton.connectors.http.VendorHttp` takes a slot
    of the same account limiter per HTTP call (a lookup may page); taking one
    here as well would nest slots of one semaphore and could deadlock.
    """
    if getattr(target, "self_limited", False):
        return contextlib.nullcontext()
    return limiter.slot()
