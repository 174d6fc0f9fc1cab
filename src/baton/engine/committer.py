"""Group commit: many requests' writes share one transaction and one fsync.

Requests hand their rows to :class:`GroupCommitter` and await a future; a
single writer thread takes everything queued, runs each kind's batch handler
inside one transaction, commits (SQLite ``synchronous=FULL``: on disk), and
only then resolves the futures. While one batch is being fsynced the next one
fills, so the batch size adapts to the load by itself. If a batch fails, its
items are retried one by one so that a single bad item fails alone.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from contextlib import AbstractContextManager

__all__ = ["CommitterClosedError", "GroupCommitter"]

log = logging.getLogger(__name__)


_STOP = object()


class CommitterClosedError(RuntimeError):
    """The committer is stopped; nothing more can be written."""


_Job = tuple[str, Any, "asyncio.Future[Any] | None", "asyncio.AbstractEventLoop | None"]


class GroupCommitter:
    """One writer thread that commits queued items in batches.

    Args:
        begin: opens a transaction and yields its connection (commits on exit).
        handlers: per kind, ``handler(conn, items) -> results | None``; results
            are matched to items by position.
        max_batch: the most items one transaction takes.
    """

    def __init__(
        self,
        begin: Callable[[], AbstractContextManager[Any]],
        handlers: Mapping[str, Callable[[Any, list[Any]], list[Any] | None]],
        *,
        max_batch: int = 1000,
    ) -> None:
        self._begin = begin
        self._handlers = dict(handlers)
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job | object] = queue.SimpleQueue()
        self._closed = False
        self.batches = 0
        self.items = 0
        self._thread = threading.Thread(
            target=self._run, name="baton-group-commit", daemon=True
        )
        self._thread.start()

    async def submit(self, kind: str, item: Any) -> Any:
        """Queue ``item`` and return its result once its batch is committed."""
        return await self.enqueue(kind, item)

    def enqueue(self, kind: str, item: Any) -> asyncio.Future[Any]:
        """Queue ``item``; the future resolves once its batch is committed."""
        if self._closed:
            raise CommitterClosedError("the store writer is stopped")
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        self._queue.put((kind, item, fut, loop))
        return fut

    def post(self, kind: str, item: Any) -> None:
        """Queue ``item`` without waiting; failures are logged."""
        if self._closed:
            raise CommitterClosedError("the store writer is stopped")
        self._queue.put((kind, item, None, None))

    def close(self, timeout: float = 10.0) -> None:
        """Commit what is queued, then stop the writer thread."""
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            jobs: list[_Job] = [first]  # type: ignore[list-item]
            stop = False
            while len(jobs) < self._max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                jobs.append(nxt)  # type: ignore[arg-type]
            self._commit(jobs)
            if stop:
                return

    def _commit(self, jobs: list[_Job]) -> None:
        try:
            results = self._apply(jobs)
        except Exception:  # one bad item must not fail its neighbours
            if len(jobs) == 1:
                log.exception("store write failed")
                _deliver(jobs, None, exc=RuntimeError("store write failed"))
                return
            for job in jobs:
                self._commit([job])
            return
        self.batches += 1
        self.items += len(jobs)
        _deliver(jobs, results)

    def _apply(self, jobs: list[_Job]) -> list[Any]:
        by_kind: dict[str, list[int]] = {}
        for i, job in enumerate(jobs):
            by_kind.setdefault(job[0], []).append(i)
        results: list[Any] = [None] * len(jobs)
        with self._begin() as conn:
            for kind, idxs in by_kind.items():
                out = self._handlers[kind](conn, [jobs[i][1] for i in idxs])
                if out is not None:
                    for i, r in zip(idxs, out, strict=True):
                        results[i] = r
        return results


def _deliver(
    jobs: list[_Job], results: list[Any] | None, exc: Exception | None = None
) -> None:
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]] = {}
    for i, (_kind, _item, fut, loop) in enumerate(jobs):
        if fut is None or loop is None:
            continue
        value = exc if results is None else results[i]
        by_loop.setdefault(loop, []).append((fut, value))
    for loop, pairs in by_loop.items():
        try:
            loop.call_soon_threadsafe(_resolve, pairs)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            log.debug("event loop closed before results were delivered")


def _resolve(pairs: list[tuple[asyncio.Future[Any], Any]]) -> None:
    for fut, value in pairs:
        if fut.done():
            continue
        if isinstance(value, Exception):
            fut.set_exception(value)
        else:
            fut.set_result(value)
