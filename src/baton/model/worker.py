"""People and where they sit: workers, roles and locations (stewarded by HR)."""

from __future__ import annotations

import datetime as dt  # noqa: TC003  (pydantic resolves annotations at runtime)
from typing import ClassVar

from pydantic import model_validator

from baton.model.common import (
    CountryCode,
    EmailAddress,
    Entity,
    EntityKind,
    Money,
    NonEmptyStr,
    OwnerTeam,
    WorkerType,
    ensure_date_order,
)


class Role(Entity):
    """A job role that rate cards price and assignments staff.

    Attributes:
        code: Short code, e.g. ``"SNR-CONS"``.
        name: Display name.
        active: False once retired.
    """

    kind: ClassVar[EntityKind] = EntityKind.ROLE
    steward: ClassVar[OwnerTeam] = OwnerTeam.HR

    code: NonEmptyStr
    name: NonEmptyStr
    active: bool = True


class Location(Entity):
    """An office or work location.

    Attributes:
        code: Short code.
        name: Display name.
        country: ISO 3166-1 alpha-2 country.
        region: State, province or region, if relevant.
        timezone: IANA time zone name, e.g. ``"Europe/London"``.
    """

    kind: ClassVar[EntityKind] = EntityKind.LOCATION
    steward: ClassVar[OwnerTeam] = OwnerTeam.HR

    code: NonEmptyStr
    name: NonEmptyStr
    country: CountryCode
    region: NonEmptyStr | None = None
    timezone: NonEmptyStr | None = None


class Worker(Entity):
    """An employee or contractor; identity from the HRIS, cost rate from ERP/payroll.

    Attributes:
        employee_number: Number on payslips or the contractor agreement, if any.
        given_name: Given name(s), as the person writes them.
        family_name: Family name(s), as the person writes them.
        email: Work e-mail, if any.
        worker_type: Employee or contractor.
        role_id: Current role, if any.
        location_id: Home location, if any.
        manager_id: The worker's manager (another worker), if any.
        legal_entity_id: Employing legal entity, if any.
        cost_center_id: Cost centre the worker's cost lands on, if any.
        skills: Skill names, without duplicates.
        hire_date: First day of work.
        termination_date: Last day of work; never before ``hire_date``.
        cost_rate: Hourly cost to the firm, if known.
    """

    kind: ClassVar[EntityKind] = EntityKind.WORKER
    steward: ClassVar[OwnerTeam] = OwnerTeam.HR

    employee_number: NonEmptyStr | None = None
    given_name: NonEmptyStr
    family_name: NonEmptyStr
    email: EmailAddress | None = None
    worker_type: WorkerType
    role_id: NonEmptyStr | None = None
    location_id: NonEmptyStr | None = None
    manager_id: NonEmptyStr | None = None
    legal_entity_id: NonEmptyStr | None = None
    cost_center_id: NonEmptyStr | None = None
    skills: tuple[NonEmptyStr, ...] = ()
    hire_date: dt.date
    termination_date: dt.date | None = None
    cost_rate: Money | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Worker:
        if self.manager_id == self.id:
            raise ValueError("a worker cannot be their own manager")
        if len(set(self.skills)) != len(self.skills):
            raise ValueError("skills must not repeat")
        ensure_date_order(
            self.hire_date,
            self.termination_date,
            start_name="hire_date",
            end_name="termination_date",
        )
        return self

    def is_active_on(self, day: dt.date) -> bool:
        """Return True if ``day`` is within the worker's employment dates."""
        if day < self.hire_date:
            return False
        return self.termination_date is None or day <= self.termination_date
