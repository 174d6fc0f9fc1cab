"""Recovery: queue due pending deliveries no one in this process holds.

Such a delivery was written by a process that died, reopened by a replay, or
is due for its next retry; it may already be in the target, so it is queued
``maybe_sent`` and looked up before any resend. The store read is a snapshot
taken in a thread: a delivery submitted here while it ran may have finished
since (its row still pending until the settlement commits), so every id
submitted during a read is dropped from that read's rows.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from baton.store.ports import DeliveryRow, EngineStore

__all__ = ["BATCH", "Recovery"]

# logged under the dispatcher's name, as before the split
log = logging.getLogger("baton.engine.dispatcher")

BATCH = 10_000  # rows per read


class Recovery:
    """Reads due deliveries from the store and submits them (once or polling).

    Args:
        store: the read side.
        submit: queues a delivery (a no-op for one held or just finished).
        busy: the ids held or settling here, left out of the read.
    """

    def __init__(
        self,
        store: EngineStore,
        submit: Callable[[DeliveryRow], None],
        busy: Callable[[], frozenset[str]],
    ) -> None:
        self.store = store
        self._submit = submit
        self._busy = busy
        # one set per running read: the submitter adds every id it queues
        self.submitted_during: dict[object, set[str]] = {}
        self._reads: set[asyncio.Future[list[DeliveryRow]]] = set()
        self._poller: asyncio.Task[None] | None = None

    async def recover(self, limit: int, min_age: float) -> int:
        """Submit every due pending delivery not busy here; returns how many.

        ``min_age`` skips rows created in the last seconds: their writer (a
        request in this or another process) hands them over itself.
        """
        seen: set[str] = set()
        token = object()  # sets compare by value: key each read by identity
        self.submitted_during[token] = seen
        read = asyncio.ensure_future(
            asyncio.to_thread(
                self.store.due_deliveries,
                time.time(),
                limit,
                self._busy(),
                time.time() - min_age,
            )
        )
        self._reads.add(read)
        read.add_done_callback(self._reads.discard)
        try:
            rows = await asyncio.shield(read)  # drain() waits for the thread
        finally:
            del self.submitted_during[token]
        rows = [row for row in rows if row.id not in seen]
        for row in rows:
            self._submit(replace(row, maybe_sent=True))
        return len(rows)

    def start_polling(self, interval: float, min_age: float) -> None:
        """Recover every ``interval`` s until cancelled; a failed read is logged."""

        async def _poll() -> None:
            while True:
                try:
                    await self.recover(BATCH, min_age)
                except Exception:  # keep polling; the store may come back
                    log.exception("delivery poll failed")
                await asyncio.sleep(interval)

        self._poller = asyncio.get_running_loop().create_task(_poll())

    def cancel(self) -> None:
        """Stop polling (see :meth:`drain`)."""
        if self._poller is not None:
            self._poller.cancel()

    async def drain(self) -> None:
        """Wait for the poller and for store reads still running in threads."""
        if self._poller is not None:
            await asyncio.gather(self._poller, return_exceptions=True)
        # a cancelled recover() leaves its store read running in a thread
        await asyncio.gather(*self._reads, return_exceptions=True)
