"""Composition root: the one place that knows every concrete class.

``build(settings)`` wires store, group committer, dispatcher, limiters,
breakers, reference data and flows into a :class:`Hub`; tests pass fakes
through ``targets=``. Nothing runs until :meth:`Hub.start`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from baton.connectors.generic_rest.connector import GenericRestTarget
from baton.engine.backoff import RetryPolicy
from baton.engine.breaker import BreakerRegistry
from baton.engine.committer import GroupCommitter
from baton.engine.dispatcher import Dispatcher
from baton.engine.limiter import LimiterRegistry, RateLimit
from baton.mdm.refdata import RefData, load_store
from baton.mdm.stewardship import owner_of
from baton.store.factory import open_store
from baton.workflows.time_entry import TimeEntryFlow

if TYPE_CHECKING:
    from collections.abc import Mapping

    from baton.config import Settings
    from baton.connectors.base import Target
    from baton.store.sql import SqlStore

__all__ = ["Hub", "build"]

log = logging.getLogger(__name__)


@dataclass
class Hub:
    """Everything a running Baton holds; made by :func:`build`."""

    settings: Settings
    store: SqlStore
    committer: GroupCommitter
    dispatcher: Dispatcher
    refdata: RefData
    targets: dict[str, Target]
    time_entries: TimeEntryFlow
    limiters: LimiterRegistry
    breakers: BreakerRegistry
    started_at: float = field(default_factory=time.time)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _purging: asyncio.Future[int] | None = None

    async def start(self) -> None:
        """Recover unfinished deliveries and start polling and housekeeping."""
        await self.dispatcher.recover()
        self.dispatcher.start_polling(self.settings.poll_seconds)
        self._tasks.append(asyncio.get_running_loop().create_task(self._purge()))

    async def _purge(self) -> None:
        horizon = self.settings.dedupe_horizon_days * 86_400
        while True:
            try:
                # shielded: stop() waits for the thread before closing the store
                self._purging = asyncio.ensure_future(
                    asyncio.to_thread(self.store.purge_inbox, time.time() - horizon)
                )
                n = await asyncio.shield(self._purging)
                if n:
                    log.info("forgot %d inbox events older than the dedupe horizon", n)
            except Exception:  # housekeeping must not stop the hub
                log.exception("inbox purge failed")
            await asyncio.sleep(3600)

    def reload_refdata(self) -> None:
        """Re-read reference data from the store into the running flows."""
        fresh = load_store(self.store)
        self.refdata.projects = fresh.projects
        self.refdata.workers = fresh.workers
        self.refdata.pay_codes = fresh.pay_codes

    async def stop(self) -> None:
        """Stop sending, flush pending writes, close connections."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._purging is not None:
            await asyncio.gather(self._purging, return_exceptions=True)
        await self.dispatcher.stop()
        await asyncio.to_thread(self.committer.close)
        for target in self.targets.values():
            await target.close()
        self.store.close()


def build(
    settings: Settings,
    *,
    targets: Mapping[str, Target] | None = None,
    store: SqlStore | None = None,
) -> Hub:
    """Wire a hub from settings; ``targets``/``store`` replace the defaults.

    Raises:
        baton.store.factory.StoreError: the store cannot be opened or migrated.
    """
    store = store or open_store(settings.store)
    limits: dict[str, RateLimit] = {}
    if targets is None:
        targets = {}
        if settings.erp is not None:
            erp = GenericRestTarget(
                settings.erp.url,
                timeout=settings.erp.timeout_seconds,
                max_connections=settings.erp.max_connections,
            )
            targets = {erp.name: erp}
            if settings.erp.rate_limit is not None:
                rl = settings.erp.rate_limit
                limits[erp.account] = RateLimit(
                    rl.requests, rl.per_seconds, rl.concurrency
                )
    committer = GroupCommitter(
        store.begin, {"ingest": store.ingest_in, "settle": store.settle_in}
    )
    limiters = LimiterRegistry(limits)
    breakers = BreakerRegistry(
        failure_threshold=settings.breaker.failure_threshold,
        reset_timeout=settings.breaker.reset_seconds,
    )
    r = settings.retry
    policy = RetryPolicy(
        base=r.base_seconds,
        cap=r.cap_seconds,
        horizon=r.horizon_seconds,
        max_attempts=r.max_attempts,
    )
    dispatcher = Dispatcher(
        store, committer, targets, limiters, breakers, policy, owner_of
    )
    refdata = load_store(store)
    flow = TimeEntryFlow(
        committer,
        dispatcher,
        refdata,
        list(targets.values()),
        precision=settings.hours_precision,
    )
    return Hub(
        settings=settings,
        store=store,
        committer=committer,
        dispatcher=dispatcher,
        refdata=refdata,
        targets=dict(targets),
        time_entries=flow,
        limiters=limiters,
        breakers=breakers,
    )
