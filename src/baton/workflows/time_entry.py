"""Approved time → ERP: validate against reference data, map, post once.

Steps (saga of one step; nothing to compensate: a rejected entry posts
nothing, and a posted entry is only ever confirmed):

1. ``decide`` (pure, :mod:`~baton.workflows.time_entry_rules`): status
   approved, project known and active, worker known, pay code known, hours at
   the configured precision. A broken rule rejects the entry with a rule code,
   a plain reason, the owning team, the amount at stake and a suggested fix.
2. ``plan_ingest`` (no I/O, :mod:`~baton.workflows.time_entry_plan`): the
   inbox row, the canonical record and one outbox delivery per routed target —
   or the quarantine row.
3. ``TimeEntryFlow.handle`` (this module): those rows are written in one
   transaction (group commit). A repeat of an event is answered from the
   inbox and writes nothing.
4. The dispatcher posts the delivery; with ``wait`` the caller hears the
   outcome once the target acknowledged it.

``TimeEntryIn``, ``Rejection`` and ``decide`` are re-exported here: import
them from this module.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from baton.model.hours import HoursPrecision
from baton.store.ports import DeliveryRow
from baton.workflows.time_entry_plan import plan_ingest
from baton.workflows.time_entry_rules import Rejection, TimeEntryIn, decide

if TYPE_CHECKING:
    from collections.abc import Sequence

    from baton.connectors.base import Target
    from baton.engine.committer import GroupCommitter
    from baton.engine.dispatcher import Dispatcher, Outcome
    from baton.mdm.refdata import RefData
    from baton.store.ports import IngestItem, IngestResult, NewDelivery

__all__ = ["Answer", "Rejection", "TimeEntryFlow", "TimeEntryIn", "decide"]


@dataclass(frozen=True, slots=True)
class Answer:
    """What the caller is told.

    ``outcome``: ``posted``, ``accepted`` (durable, delivery in the
    background), ``duplicate``, ``rejected`` or ``failed`` (dead letter).
    """

    outcome: Literal["posted", "accepted", "duplicate", "rejected", "failed"]
    id: str | None = None
    reason: str | None = None
    rule: str | None = None


class TimeEntryFlow:
    """The approved-time flow bound to its ports.

    Args:
        committer: the group-commit writer.
        dispatcher: sends deliveries.
        ref: reference data (replaced in place when reloaded).
        targets: where approved time is posted (one delivery each).
        precision: hours precision (quarter hours by default).
        source: the source system name used in the inbox key.
    """

    def __init__(
        self,
        committer: GroupCommitter,
        dispatcher: Dispatcher,
        ref: RefData,
        targets: Sequence[Target],
        precision: HoursPrecision = HoursPrecision.QUARTER_HOUR,
        source: str = "api",
    ) -> None:
        self.committer = committer
        self.dispatcher = dispatcher
        self.ref = ref
        self.targets = list(targets)
        self.precision = precision
        self.source = source

    def plan(
        self,
        entry: TimeEntryIn,
        payload: str,
        *,
        source: str | None = None,
        event_id: str | None = None,
    ) -> IngestItem:
        """The rows to write for ``entry``: accepted with deliveries, or quarantined.

        ``source`` and ``event_id`` key the inbox (default: this flow's source
        and the entry id); see :func:`~baton.workflows.time_entry_plan.plan_ingest`.
        """
        return plan_ingest(
            entry,
            payload,
            self.ref,
            self.precision,
            self.targets,
            source or self.source,
            event_id or entry.entry_id,
        )

    async def handle(
        self,
        entry: TimeEntryIn,
        payload: str,
        *,
        wait: bool,
        timeout: float,
        source: str | None = None,
        event_id: str | None = None,
    ) -> Answer:
        """Ingest one entry; with ``wait``, answer once the target acknowledged."""
        # plan_ingest directly, not self.plan: one call less on the hot path
        item = plan_ingest(
            entry,
            payload,
            self.ref,
            self.precision,
            self.targets,
            source or self.source,
            event_id or entry.entry_id,
        )
        res: IngestResult = await self.committer.submit("ingest", item)
        if res.outcome == "duplicate":
            if res.original == "rejected":
                return Answer("rejected", res.inbox_id, res.reason, res.rule)
            if wait and res.delivery_id is not None:
                # a repeat while the original is still in flight (e.g. the
                # client lost its answer in a crash) also waits for the ack
                out = await self.dispatcher.outcome(res.delivery_id, timeout)
                return _answer(out, res.delivery_id, "duplicate")
            return Answer("duplicate", res.delivery_id)
        if res.outcome == "rejected":
            return Answer("rejected", res.inbox_id, res.reason, res.rule)
        d = item.delivery
        assert d is not None
        fut = self.dispatcher.track(_pending(d))
        if not wait:
            return Answer("accepted", d.id)
        done, _ = await asyncio.wait((fut,), timeout=timeout)
        if not done:  # still retrying: durable, delivery continues
            fut.cancel()
            return Answer("accepted", d.id)
        return _answer(fut.result(), d.id, "posted")


def _answer(
    out: Outcome | None, delivery_id: str, confirmed: Literal["posted", "duplicate"]
) -> Answer:
    """The caller's answer for a delivery outcome (None: still in flight)."""
    if out is None:
        return Answer("accepted", delivery_id)
    if out.state == "confirmed":
        return Answer(confirmed, delivery_id)
    if out.state == "quarantined":
        return Answer("rejected", delivery_id, out.reason, out.rule)
    return Answer("failed", delivery_id, out.reason)


def _pending(d: NewDelivery) -> DeliveryRow:
    now = 0.0
    return DeliveryRow(
        id=d.id,
        target=d.target,
        account=d.account,
        entity=d.entity,
        canonical_id=d.canonical_id,
        version=d.version,
        idempotency_key=d.idempotency_key,
        partition_key=d.partition_key,
        state="pending",
        maybe_sent=False,
        attempts=0,
        first_attempt_at=None,
        next_attempt_at=now,
        payload=d.payload,
        amount=d.amount,
        currency=d.currency,
        external_ref=None,
        last_error=None,
        created_at=now,
        updated_at=now,
    )
