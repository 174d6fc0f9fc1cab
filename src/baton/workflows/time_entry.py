"""Approved time → ERP: validate against reference data, map, post once.

Steps (saga of one step; nothing to compensate: a rejected entry posts
nothing, and a posted entry is only ever confirmed):

1. ``decide`` (pure): status approved, project known and active, worker known,
   pay code known, hours at the configured precision. A broken rule rejects
   the entry with a rule code, a plain reason, the owning team, the amount at
   stake and a suggested fix.
2. ``TimeEntryFlow.handle``: the inbox row, the canonical record and one
   outbox delivery per routed target — or the quarantine row — are written in
   one transaction (group commit). A repeat of an event is answered from the
   inbox and writes nothing.
3. The dispatcher posts the delivery; with ``wait`` the caller hears the
   outcome once the target acknowledged it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from baton.engine.errors import Invalid
from baton.model.commands import PostTimeEntry
from baton.model.common import HoursPrecision, validate_hours
from baton.model.ids import new_id
from baton.store.ports import DeliveryRow, IngestItem, NewDelivery, NewQuarantine

if TYPE_CHECKING:
    from collections.abc import Sequence

    from baton.connectors.base import Target
    from baton.engine.committer import GroupCommitter
    from baton.engine.dispatcher import Dispatcher, Outcome
    from baton.mdm.refdata import RefData
    from baton.store.ports import IngestResult

__all__ = ["Answer", "Rejection", "TimeEntryFlow", "TimeEntryIn", "decide"]

ENTITY = "TimeEntry"
CENT = Decimal("0.01")


class TimeEntryIn(BaseModel):
    """A time entry as received by the generic ingress (the benchmark's shape).

    Types are checked here (a wrong type is refused before anything is
    stored); business rules are checked by :func:`decide`.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    entry_id: str = Field(min_length=1, max_length=255)
    worker_id: str = Field(min_length=1, max_length=255)
    project_code: str = Field(min_length=1, max_length=255)
    date: dt.date
    hours: Decimal = Field(allow_inf_nan=False, max_digits=12)
    pay_code: str = Field(min_length=1, max_length=64)
    status: str = Field(min_length=1, max_length=32)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A broken rule: code, plain reason, owning team, suggested fix."""

    rule: str
    reason: str
    owner_team: str
    fix: str


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


def decide(
    entry: TimeEntryIn, ref: RefData, precision: HoursPrecision
) -> PostTimeEntry | Rejection:
    """Check an entry against the rules; return the command to post or why not."""
    if entry.status != "approved":
        return Rejection(
            "status.not_approved",
            f"time entry {entry.entry_id} is {entry.status!r}; only approved time is posted",
            "delivery_ops",
            "approve the entry in the PSA; it will be sent again",
        )
    project = ref.projects.get(entry.project_code)
    if project is None:
        return Rejection(
            "project.unknown",
            f"project code {entry.project_code} does not exist",
            "delivery_ops",
            "correct the project code, or create the project, then replay",
        )
    if not project.active:
        return Rejection(
            "project.inactive",
            f"project {entry.project_code} is closed; time cannot be booked to it",
            "delivery_ops",
            "reopen the project or move the hours to an active project, then replay",
        )
    worker = ref.workers.get(entry.worker_id)
    if worker is None:
        return Rejection(
            "worker.unknown",
            f"worker {entry.worker_id} is not in the worker list",
            "hr",
            "add the worker (with ERP employee id and cost rate), then replay",
        )
    pay = ref.pay_codes.get(entry.pay_code)
    if pay is None:
        return Rejection(
            "pay_code.unknown",
            f"pay code {entry.pay_code} has no ERP pay item",
            "hr",
            "map the pay code to an ERP pay item, then replay",
        )
    try:
        hours = validate_hours(entry.hours, precision)
    except ValueError as exc:
        return Rejection(
            "hours.invalid", str(exc), "delivery_ops", "correct the hours, then replay"
        )
    return PostTimeEntry(
        entry_id=entry.entry_id,
        worker_id=entry.worker_id,
        project_code=entry.project_code,
        work_date=entry.date,
        hours=hours,
        pay_code=entry.pay_code,
        amount=(hours * worker.cost_rate).quantize(CENT, ROUND_HALF_UP),
        currency=worker.currency,
        refs={
            "employee": worker.erp_employee_id,
            "pay_item": pay.pay_item,
            **worker.refs,
            **project.refs,
        },
    )


def amount_at_stake(entry: TimeEntryIn, ref: RefData) -> tuple[str | None, str | None]:
    """Hours × cost rate when the worker is known (for quarantine), else None."""
    worker = ref.workers.get(entry.worker_id)
    if worker is None:
        return None, None
    amount = (entry.hours * worker.cost_rate).quantize(CENT, ROUND_HALF_UP)
    return str(amount), worker.currency


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
        and the entry id); the business key is always the entry id, so one
        entry is posted once whichever system and event brought it.
        """
        source = source or self.source
        event_id = event_id or entry.entry_id
        decision = decide(entry, self.ref, self.precision)
        inbox_id = new_id()
        body: str | None = None
        if not isinstance(decision, Rejection):
            if len(self.targets) != 1:
                raise NotImplementedError(
                    "fan-out to several targets comes with routing"
                )
            try:
                body = self.targets[0].render(decision)
            except Invalid as exc:  # the target cannot express this entry
                decision = Rejection(
                    exc.rule,
                    exc.message,
                    exc.owner_team or "delivery_ops",
                    exc.fix
                    or "correct the entry or the target's reference data, then replay",
                )
        if isinstance(decision, Rejection):
            amount, currency = amount_at_stake(entry, self.ref)
            q = NewQuarantine(
                id=new_id(),
                entity=ENTITY,
                canonical_id=entry.entry_id,
                rule=decision.rule,
                reason=decision.reason,
                owner_team=decision.owner_team,
                amount=amount,
                currency=currency,
                fix=decision.fix,
                payload=payload,
            )
            return IngestItem(
                inbox_id,
                source,
                event_id,
                entry.entry_id,
                ENTITY,
                payload,
                quarantine=q,
            )
        assert body is not None
        target = self.targets[0]
        delivery = NewDelivery(
            id=new_id(),
            target=target.name,
            account=target.account,
            entity=ENTITY,
            canonical_id=entry.entry_id,
            version=1,
            idempotency_key=f"{target.name}:{ENTITY}:{entry.entry_id}:v1",
            partition_key=entry.worker_id,
            payload=body,
            amount=str(decision.amount),
            currency=decision.currency,
        )
        record = orjson.dumps(
            {
                "id": entry.entry_id,
                "worker_id": entry.worker_id,
                "project_code": entry.project_code,
                "work_date": entry.date.isoformat(),
                "hours": str(decision.hours),
                "pay_code": entry.pay_code,
                "status": entry.status,
            }
        ).decode()
        return IngestItem(
            inbox_id,
            source,
            event_id,
            entry.entry_id,
            ENTITY,
            payload,
            delivery=delivery,
            record=record,
            record_sources=orjson.dumps({"*": source}).decode(),
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
        item = self.plan(entry, payload, source=source, event_id=event_id)
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
