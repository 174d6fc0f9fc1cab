"""What this process remembers of deliveries it finished, and who waits on them.

A finished delivery's row reads as ``pending`` until its final settlement is
committed (the answer goes out first); meanwhile it is *settling* and must not
be queued again. Its :class:`~baton.engine.settlement.Outcome` is kept for the
last ``capacity`` deliveries, with when it finished, so a repeat of a request
gets the answer without a store read, and a row written before it finished (a
stale copy from a recovery read) is not sent again, while one rewritten after
(a replay) is.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from baton.engine.settlement import Outcome
    from baton.store.ports import DeliveryRow

__all__ = ["RECENT_OUTCOMES", "Ledger"]

# logged under the dispatcher's name, as before the split
log = logging.getLogger("baton.engine.dispatcher")

RECENT_OUTCOMES = 10_000


class Ledger:
    """Recent outcomes, settling deliveries, and the futures waiting on them.

    Args:
        capacity: how many recent outcomes to keep (oldest dropped first).
    """

    def __init__(self, capacity: int = RECENT_OUTCOMES) -> None:
        self.capacity = capacity
        # delivery id → (outcome, when it finished); a row reopened later is newer
        self.recent: OrderedDict[str, tuple[Outcome, float]] = OrderedDict()
        # finished here, final settlement not yet committed: not to be resent
        self.settling: set[str] = set()
        self._waiters: dict[str, list[asyncio.Future[Outcome]]] = {}

    def known(self, delivery_id: str) -> Outcome | None:
        """The outcome of a delivery finished here recently, or None."""
        known = self.recent.get(delivery_id)
        return known[0] if known is not None else None

    def closed(self, delivery: DeliveryRow) -> bool:
        """Settling, or finished here after this copy of the row was written."""
        if delivery.id in self.settling:
            return True
        known = self.recent.get(delivery.id)
        return known is not None and delivery.updated_at <= known[1]

    def wait(self, delivery_id: str) -> asyncio.Future[Outcome]:
        """A future resolved by the next :meth:`finish` of the delivery."""
        fut: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(delivery_id, []).append(fut)
        return fut

    def finish(self, delivery_id: str, outcome: Outcome, at: float) -> None:
        """Remember ``outcome`` (finished at ``at``) and wake the delivery's waiters.

        The caller marks the delivery settling until its settlement commits
        (see :meth:`settled`).
        """
        self.recent[delivery_id] = (outcome, at)
        if len(self.recent) > self.capacity:
            self.recent.popitem(last=False)
        for fut in self._waiters.pop(delivery_id, []):
            if not fut.done():
                fut.set_result(outcome)

    def settled(self, delivery_id: str, fut: asyncio.Future[object]) -> None:
        """The committer is done with the delivery's final settlement (``fut``)."""
        self.settling.discard(delivery_id)
        if not fut.cancelled() and fut.exception() is not None:
            # the row stays pending; recovery looks it up before any resend
            log.error(
                "could not record the outcome of delivery %s: %s",
                delivery_id,
                fut.exception(),
            )
