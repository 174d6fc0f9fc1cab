"""Approved time, the plan: the rows one ingested entry writes (no I/O).

:func:`plan_ingest` applies :func:`~baton.workflows.time_entry_rules.decide`
and the target's ``render`` and answers one :class:`IngestItem`: the inbox
row with either the canonical record and one outbox delivery, or the
quarantine row. It writes nothing and awaits nothing; the only thing it draws
from outside is fresh row ids. :class:`~baton.workflows.time_entry.TimeEntryFlow`
hands the item to the group committer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

from baton.engine.errors import Invalid
from baton.model.ids import new_id
from baton.store.ports import IngestItem, NewDelivery, NewQuarantine
from baton.workflows.time_entry_rules import Rejection, amount_at_stake, decide

if TYPE_CHECKING:
    from collections.abc import Sequence

    from baton.connectors.base import Target
    from baton.mdm.refdata import RefData
    from baton.model.hours import HoursPrecision
    from baton.workflows.time_entry_rules import TimeEntryIn

__all__ = ["ENTITY", "plan_ingest"]

ENTITY = "TimeEntry"


def plan_ingest(
    entry: TimeEntryIn,
    payload: str,
    ref: RefData,
    precision: HoursPrecision,
    targets: Sequence[Target],
    source: str,
    event_id: str,
) -> IngestItem:
    """The rows to write for ``entry``: accepted with deliveries, or quarantined.

    ``source`` and ``event_id`` key the inbox; the business key is always the
    entry id, so one entry is posted once whichever system and event brought
    it. A target that cannot express the entry (``Invalid`` from ``render``)
    quarantines it like a broken rule.

    Raises:
        NotImplementedError: For an accepted entry with other than one target.
    """
    decision = decide(entry, ref, precision)
    inbox_id = new_id()
    body: str | None = None
    if not isinstance(decision, Rejection):
        if len(targets) != 1:
            raise NotImplementedError("fan-out to several targets comes with routing")
        try:
            body = targets[0].render(decision)
        except Invalid as exc:  # the target cannot express this entry
            decision = Rejection(
                exc.rule,
                exc.message,
                exc.owner_team or "delivery_ops",
                exc.fix
                or "correct the entry or the target's reference data, then replay",
            )
    if isinstance(decision, Rejection):
        amount, currency = amount_at_stake(entry, ref)
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
    target = targets[0]
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
