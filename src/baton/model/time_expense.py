"""Time entries and expenses, with their approval state (from the PSA).

Hours precision: ``TimeEntry.hours`` is checked by ``validate_hours`` at the
precision named in the validation context, so one model serves sources that
record quarter hours and sources that record minutes::

    TimeEntry.model_validate(data, context={"hours_precision": "minute"})

Without a context (including plain construction) the precision is quarter
hours.
"""

from __future__ import annotations

import datetime as dt  # noqa: TC003  (pydantic resolves annotations at runtime)
from decimal import Decimal  # noqa: TC003  (pydantic resolves annotations at runtime)
from typing import ClassVar

from pydantic import ValidationInfo, field_validator, model_validator

from baton.model.common import (
    ApprovalStatus,
    Entity,
    EntityKind,
    HoursPrecision,
    Money,
    NonEmptyStr,
    OwnerTeam,
    validate_hours,
)

HOURS_PRECISION_CONTEXT_KEY = "hours_precision"
"""Validation-context key naming the ``HoursPrecision`` for ``TimeEntry.hours``."""


def _precision_from(info: ValidationInfo) -> HoursPrecision:
    context = info.context if isinstance(info.context, dict) else {}
    raw = context.get(HOURS_PRECISION_CONTEXT_KEY, HoursPrecision.QUARTER_HOUR)
    try:
        return HoursPrecision(raw)
    except ValueError:
        choices = ", ".join(p.value for p in HoursPrecision)
        raise ValueError(
            f"unknown hours precision {raw!r}; expected one of {choices}"
        ) from None


class TimeEntry(Entity):
    """Hours one worker spent on one project (and task) on one day.

    Attributes:
        worker_id: Who worked.
        project_id: The project's canonical id; this or ``project_code`` is set.
        project_code: The project code as typed, when the id is not yet resolved.
        task_id: The task, if recorded.
        work_date: The day worked.
        hours: Decimal hours, in ``(0, 24]``, at the context's precision.
        pay_code: Payroll pay code, e.g. ``"REG"`` or ``"OT"``.
        billable: Whether the time is billed to the customer.
        status: Approval state.
        notes: Free-text description, if any.
    """

    kind: ClassVar[EntityKind] = EntityKind.TIME_ENTRY
    steward: ClassVar[OwnerTeam] = OwnerTeam.DELIVERY_OPS

    worker_id: NonEmptyStr
    project_id: NonEmptyStr | None = None
    project_code: NonEmptyStr | None = None
    task_id: NonEmptyStr | None = None
    work_date: dt.date
    hours: Decimal
    pay_code: NonEmptyStr
    billable: bool = True
    status: ApprovalStatus
    notes: str | None = None

    @field_validator("hours")
    @classmethod
    def _hours_at_precision(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        return validate_hours(value, _precision_from(info))

    @model_validator(mode="after")
    def _has_project(self) -> TimeEntry:
        if self.project_id is None and self.project_code is None:
            raise ValueError("a time entry needs a project_id or a project_code")
        return self


class Expense(Entity):
    """A cost a worker incurred, to be reimbursed and perhaps re-billed.

    Attributes:
        worker_id: Who incurred it.
        project_id: The project it is charged to, if any.
        task_id: The task, if recorded.
        expense_date: Date of the purchase.
        amount: Amount spent; greater than zero.
        category: The firm's expense category, e.g. ``"travel"``.
        merchant: Where it was spent, if known.
        description: Free text, if any.
        receipt_attached: Whether a receipt is on file.
        billable: Whether it is re-billed to the customer.
        status: Approval state.
    """

    kind: ClassVar[EntityKind] = EntityKind.EXPENSE
    steward: ClassVar[OwnerTeam] = OwnerTeam.DELIVERY_OPS

    worker_id: NonEmptyStr
    project_id: NonEmptyStr | None = None
    task_id: NonEmptyStr | None = None
    expense_date: dt.date
    amount: Money
    category: NonEmptyStr
    merchant: NonEmptyStr | None = None
    description: str | None = None
    receipt_attached: bool = False
    billable: bool = False
    status: ApprovalStatus

    @field_validator("amount")
    @classmethod
    def _positive(cls, value: Money) -> Money:
        if value.amount <= 0:
            raise ValueError("expense amount must be greater than zero")
        return value
