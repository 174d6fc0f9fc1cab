"""Staffing: a worker assigned to a project (or one task) at a bill rate."""

from __future__ import annotations

import datetime as dt  # noqa: TC003  (pydantic resolves annotations at runtime)
from typing import Annotated, ClassVar

from pydantic import Field, model_validator

from baton.model.common import (
    Entity,
    EntityKind,
    Money,
    NonEmptyStr,
    OwnerTeam,
    ensure_date_order,
)


class Assignment(Entity):
    """A worker staffed on a project or task for a period, at a bill rate.

    Attributes:
        worker_id: The worker staffed.
        project_id: The project.
        task_id: The task, if the assignment is limited to one.
        role_id: The role the worker plays, if recorded.
        start_date: First day of the assignment.
        end_date: Last day, if fixed; never before ``start_date``.
        allocation_percent: Share of the worker's time, 1-100.
        bill_rate: Hourly rate billed to the customer.
        cost_center_id: Cost centre charged for the worker's time.
        legal_entity_id: Legal entity that bills the work.
    """

    kind: ClassVar[EntityKind] = EntityKind.ASSIGNMENT
    steward: ClassVar[OwnerTeam] = OwnerTeam.DELIVERY_OPS

    worker_id: NonEmptyStr
    project_id: NonEmptyStr
    task_id: NonEmptyStr | None = None
    role_id: NonEmptyStr | None = None
    start_date: dt.date
    end_date: dt.date | None = None
    allocation_percent: Annotated[int, Field(ge=1, le=100)] = 100
    bill_rate: Money
    cost_center_id: NonEmptyStr
    legal_entity_id: NonEmptyStr

    @model_validator(mode="after")
    def _consistent(self) -> Assignment:
        ensure_date_order(
            self.start_date, self.end_date, start_name="start_date", end_name="end_date"
        )
        if self.bill_rate.amount < 0:
            raise ValueError("bill_rate must not be negative")
        return self

    def covers(self, day: dt.date) -> bool:
        """Return True if ``day`` falls within the assignment's dates."""
        if day < self.start_date:
            return False
        return self.end_date is None or day <= self.end_date
