"""Payroll allocations: a worker's approved hours for a pay period, by pay code.

Baton derives these from approved time entries; payroll systems consume them.
"""

from __future__ import annotations

import datetime as dt  # noqa: TC003  (pydantic resolves annotations at runtime)
from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import Field, model_validator

from baton.model.common import (
    CanonicalModel,
    Entity,
    EntityKind,
    Money,
    NonEmptyStr,
    OwnerTeam,
    ensure_date_order,
)


class PayrollAllocationLine(CanonicalModel):
    """Hours under one pay code, charged to one project or cost centre.

    Attributes:
        pay_code: Payroll pay code, e.g. ``"REG"`` or ``"OT"``.
        hours: Hours in the period; greater than zero.
        project_id: Project the hours are charged to, if any.
        cost_center_id: Cost centre the hours are charged to, if any.
        amount: Gross pay for the line, if payroll computed it.
    """

    pay_code: NonEmptyStr
    hours: Annotated[Decimal, Field(gt=0)]
    project_id: NonEmptyStr | None = None
    cost_center_id: NonEmptyStr | None = None
    amount: Money | None = None


class PayrollAllocation(Entity):
    """A worker's hours for one pay period, split by pay code and charge target.

    Attributes:
        worker_id: The worker paid.
        legal_entity_id: The employing legal entity.
        period_start: First day of the pay period.
        period_end: Last day; never before ``period_start``.
        lines: At least one line.
        time_entry_ids: The approved time entries the lines were derived from.
    """

    kind: ClassVar[EntityKind] = EntityKind.PAYROLL_ALLOCATION
    steward: ClassVar[OwnerTeam] = OwnerTeam.HR

    worker_id: NonEmptyStr
    legal_entity_id: NonEmptyStr
    period_start: dt.date
    period_end: dt.date
    lines: Annotated[tuple[PayrollAllocationLine, ...], Field(min_length=1)]
    time_entry_ids: tuple[NonEmptyStr, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> PayrollAllocation:
        ensure_date_order(
            self.period_start,
            self.period_end,
            start_name="period_start",
            end_name="period_end",
        )
        return self

    def total_hours(self) -> Decimal:
        """Return the hours of all lines added together."""
        return sum((line.hours for line in self.lines), Decimal(0))
