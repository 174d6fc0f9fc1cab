"""Delivery structure: projects, their task tree (WBS), milestones, billing plans."""

from __future__ import annotations

import datetime as dt  # noqa: TC003  (pydantic resolves annotations at runtime)
from typing import ClassVar

from pydantic import model_validator

from baton.model.common import (
    BillingMethod,
    CanonicalModel,
    CurrencyCode,
    Entity,
    EntityKind,
    Money,
    NonEmptyStr,
    OwnerTeam,
    ProjectStatus,
    ensure_currency,
    ensure_date_order,
)


class Project(Entity):
    """A piece of client work; structure from the PSA, accounting from the ERP.

    Attributes:
        code: Project code people type on timesheets.
        name: Display name.
        customer_id: The client.
        contract_id: The contract the work is sold under, if any.
        legal_entity_id: The legal entity that books the revenue.
        business_unit_id: Owning practice, if any.
        cost_center_id: Cost centre charged, if any.
        manager_worker_id: Project manager, if assigned.
        status: Lifecycle state.
        billing_method: How the work is billed.
        currency: Currency of the budget and billing.
        start_date: Planned or actual start.
        end_date: Planned or actual end; never before ``start_date``.
        budget: Budget in ``currency``, if set.
    """

    kind: ClassVar[EntityKind] = EntityKind.PROJECT
    steward: ClassVar[OwnerTeam] = OwnerTeam.DELIVERY_OPS

    code: NonEmptyStr
    name: NonEmptyStr
    customer_id: NonEmptyStr
    contract_id: NonEmptyStr | None = None
    legal_entity_id: NonEmptyStr
    business_unit_id: NonEmptyStr | None = None
    cost_center_id: NonEmptyStr | None = None
    manager_worker_id: NonEmptyStr | None = None
    status: ProjectStatus
    billing_method: BillingMethod
    currency: CurrencyCode
    start_date: dt.date
    end_date: dt.date | None = None
    budget: Money | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Project:
        ensure_date_order(
            self.start_date, self.end_date, start_name="start_date", end_name="end_date"
        )
        ensure_currency(self.budget, self.currency, name="budget")
        return self


class Task(Entity):
    """A node of a project's work breakdown structure.

    Attributes:
        project_id: The project.
        parent_id: The parent task; None for a top-level task.
        code: WBS code, e.g. ``"1.2.3"``.
        name: Display name.
        billable: Whether time on the task is billed.
        start_date: Planned start, if any.
        end_date: Planned end, if any; never before ``start_date``.
    """

    kind: ClassVar[EntityKind] = EntityKind.TASK
    steward: ClassVar[OwnerTeam] = OwnerTeam.DELIVERY_OPS

    project_id: NonEmptyStr
    parent_id: NonEmptyStr | None = None
    code: NonEmptyStr
    name: NonEmptyStr
    billable: bool = True
    start_date: dt.date | None = None
    end_date: dt.date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Task:
        if self.parent_id == self.id:
            raise ValueError("a task cannot be its own parent")
        ensure_date_order(
            self.start_date, self.end_date, start_name="start_date", end_name="end_date"
        )
        return self


class Milestone(Entity):
    """A deliverable or event that can trigger billing or revenue.

    Attributes:
        project_id: The project.
        task_id: The task delivering it, if any.
        name: Display name.
        due_date: Planned date.
        achieved_on: Date the customer accepted it, once achieved.
        amount: Amount billed on achievement, if any.
    """

    kind: ClassVar[EntityKind] = EntityKind.MILESTONE
    steward: ClassVar[OwnerTeam] = OwnerTeam.DELIVERY_OPS

    project_id: NonEmptyStr
    task_id: NonEmptyStr | None = None
    name: NonEmptyStr
    due_date: dt.date
    achieved_on: dt.date | None = None
    amount: Money | None = None


class BillingScheduleLine(CanonicalModel):
    """One planned invoice of a billing schedule.

    Attributes:
        bill_date: Date the invoice is due to be raised.
        amount: Amount to bill, in the schedule's currency.
        description: What the invoice covers.
        milestone_id: Milestone that must be achieved first, if any.
    """

    bill_date: dt.date
    amount: Money
    description: NonEmptyStr
    milestone_id: NonEmptyStr | None = None


class BillingSchedule(Entity):
    """The planned invoices of a fixed-fee, milestone or retainer project.

    Attributes:
        project_id: The project billed.
        contract_line_id: The contract line being billed, if known.
        currency: Currency of every line.
        lines: Planned invoices, in date order.
    """

    kind: ClassVar[EntityKind] = EntityKind.BILLING_SCHEDULE
    steward: ClassVar[OwnerTeam] = OwnerTeam.DELIVERY_OPS

    project_id: NonEmptyStr
    contract_line_id: NonEmptyStr | None = None
    currency: CurrencyCode
    lines: tuple[BillingScheduleLine, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> BillingSchedule:
        for number, line in enumerate(self.lines, start=1):
            ensure_currency(line.amount, self.currency, name=f"line {number} amount")
        dates = [line.bill_date for line in self.lines]
        if dates != sorted(dates):
            raise ValueError("billing schedule lines must be in date order")
        return self

    def total(self) -> Money:
        """Return the sum of all lines, in the schedule's currency."""
        return sum((line.amount for line in self.lines), Money.zero(self.currency))
