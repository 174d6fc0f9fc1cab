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
from typing import TYPE_CHECKING, Any

from baton.config import ConfigError
from baton.connectors import catalog
from baton.engine.backoff import RetryPolicy
from baton.engine.breaker import BreakerRegistry
from baton.engine.committer import GroupCommitter
from baton.engine.dispatcher import Dispatcher
from baton.engine.limiter import LimiterRegistry
from baton.mdm.refdata import RefData, load_store
from baton.mdm.stewardship import owner_of
from baton.store.factory import open_store
from baton.workflows.time_entry import TimeEntryFlow
from baton.workflows.time_pull import PullStatus, pull_every

if TYPE_CHECKING:
    from collections.abc import Mapping

    from baton.config import Settings
    from baton.connectors.base import Source, Target
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
    sources: dict[str, Source]
    time_entries: TimeEntryFlow
    limiters: LimiterRegistry
    breakers: BreakerRegistry
    started_at: float = field(default_factory=time.time)
    pulls: dict[str, PullStatus] = field(default_factory=dict)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _purging: asyncio.Future[int] | None = None

    async def start(self, *, pull: bool = True) -> None:
        """Recover unfinished deliveries, start polling, pulls and housekeeping.

        Args:
            pull: start the periodic pull of every source (``baton pull`` runs
                one pull itself instead).
        """
        await self.dispatcher.recover()
        self.dispatcher.start_polling(self.settings.poll_seconds)
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._purge()))
        every = self.settings.approved_time.pull_seconds
        for name, source in self.sources.items() if pull else ():
            status = self.pulls.setdefault(name, PullStatus())
            self._tasks.append(
                loop.create_task(
                    pull_every(source, self.time_entries, self.store, every, status)
                )
            )

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
        for source in self.sources.values():
            await source.close()
        self.store.close()


def _flow_connectors(settings: Settings) -> tuple[dict[str, Any], str | None]:
    """The connectors the approved-time flow uses, and its target's name.

    The top-level ``erp`` URL is shorthand for a ``generic_rest`` connector
    named ``erp``.
    """
    flow = settings.approved_time
    connectors, target = dict(settings.connectors), flow.target
    if settings.erp is not None:
        if target is not None:
            raise ConfigError(
                "erp and approved_time.target both name the approved-time target: "
                "keep one"
            )
        if "erp" in connectors:
            raise ConfigError("erp is set and a connector is also named erp: keep one")
        erp = settings.erp.model_dump(exclude_none=True)
        connectors["erp"], target = {"kind": "generic_rest", **erp}, "erp"
    used = {n for n in (target, *flow.sources) if n is not None}
    missing = sorted(used - connectors.keys())
    if missing:
        raise ConfigError(
            f"approved_time names connectors that are not configured: {', '.join(missing)}"
        )
    return {n: raw for n, raw in connectors.items() if n in used}, target


def build(
    settings: Settings,
    *,
    targets: Mapping[str, Target] | None = None,
    sources: Mapping[str, Source] | None = None,
    store: SqlStore | None = None,
) -> Hub:
    """Wire a hub from settings; ``targets``/``sources``/``store`` replace the defaults.

    The approved-time flow posts to ``approved_time.target`` (a connector
    from ``connectors``) or to the generic ``erp`` URL, and pulls from each
    connector in ``approved_time.sources``.

    Raises:
        baton.store.factory.StoreError: the store cannot be opened or migrated.
        baton.config.ConfigError: a connector's settings are invalid, or the
            flow names a connector that is not configured or cannot play its role.
    """
    used, target = _flow_connectors(settings)
    configured = catalog.configure(used)
    limiters = LimiterRegistry(catalog.limits(configured))
    if targets is None:
        targets = {}
        if target is not None:
            targets = {target: catalog.build_target(configured[target], limiters)}
    if sources is None:
        sources = {
            n: catalog.build_source(configured[n], limiters)
            for n in settings.approved_time.sources
        }
    store = store or open_store(settings.store)
    committer = GroupCommitter(
        store.begin, {"ingest": store.ingest_in, "settle": store.settle_in}
    )
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
        sources=dict(sources),
        time_entries=flow,
        limiters=limiters,
        breakers=breakers,
    )
