"""Approved time, the decision: the rules an entry must pass to be posted (pure).

``decide`` reads only the entry, the reference data and the configured hours
precision; it answers the command to post or a :class:`Rejection` naming the
broken rule. No I/O, no clock, no ids: :mod:`baton.workflows.time_entry_plan`
turns the answer into rows and :mod:`baton.workflows.time_entry` writes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from baton.model.commands import PostTimeEntry
from baton.model.hours import validate_hours

if TYPE_CHECKING:
    from baton.mdm.refdata import RefData
    from baton.model.hours import HoursPrecision

__all__ = ["Rejection", "TimeEntryIn", "amount_at_stake", "decide"]

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
