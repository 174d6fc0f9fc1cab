"""The commercial side: opportunities, contracts and their lines, rate cards."""

from __future__ import annotations

import datetime as dt  # noqa: TC003  (pydantic resolves annotations at runtime)
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field, model_validator

from baton.model.common import (
    BillingMethod,
    CanonicalModel,
    CurrencyCode,
    Entity,
    EntityKind,
    Money,
    NonEmptyStr,
    OwnerTeam,
    ensure_currency,
    ensure_date_order,
)


class OpportunityStage(StrEnum):
    """Sales stage of an opportunity."""

    PROSPECTING = "prospecting"
    QUALIFICATION = "qualification"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    CLOSED_WON = "closed_won"
    CLOSED_LOST = "closed_lost"


class ContractStatus(StrEnum):
    """Lifecycle state of a contract."""

    DRAFT = "draft"
    ACTIVE = "active"
    EXPIRED = "expired"
    TERMINATED = "terminated"


class RateUnit(StrEnum):
    """The unit a rate is quoted per."""

    HOUR = "hour"
    DAY = "day"


class Opportunity(Entity):
    """A potential sale tracked in the CRM; when won it becomes a contract.

    Attributes:
        customer_id: The prospective customer.
        name: Name of the deal.
        stage: Sales stage.
        amount: Expected value, if estimated.
        probability_percent: Chance of winning, 0-100.
        expected_close_date: When the deal is expected to close.
        owner_worker_id: The worker who owns the deal.
    """

    kind: ClassVar[EntityKind] = EntityKind.OPPORTUNITY
    steward: ClassVar[OwnerTeam] = OwnerTeam.FINANCE

    customer_id: NonEmptyStr
    name: NonEmptyStr
    stage: OpportunityStage
    amount: Money | None = None
    probability_percent: Annotated[int, Field(ge=0, le=100)] | None = None
    expected_close_date: dt.date | None = None
    owner_worker_id: NonEmptyStr | None = None


class Contract(Entity):
    """An agreement with a customer that projects and invoices hang off.

    Attributes:
        customer_id: The customer that signed.
        legal_entity_id: The firm's contracting legal entity.
        opportunity_id: The opportunity it was won from, if any.
        number: Contract number, if the source assigns one.
        title: Short description.
        status: Lifecycle state.
        currency: Currency of all amounts on the contract.
        start_date: First day of the contract.
        end_date: Last day, if fixed; never before ``start_date``.
        total_value: Total contract value, if capped; in ``currency``.
        rate_card_id: The rate card that prices time, if any.
    """

    kind: ClassVar[EntityKind] = EntityKind.CONTRACT
    steward: ClassVar[OwnerTeam] = OwnerTeam.FINANCE

    customer_id: NonEmptyStr
    legal_entity_id: NonEmptyStr
    opportunity_id: NonEmptyStr | None = None
    number: NonEmptyStr | None = None
    title: NonEmptyStr
    status: ContractStatus
    currency: CurrencyCode
    start_date: dt.date
    end_date: dt.date | None = None
    total_value: Money | None = None
    rate_card_id: NonEmptyStr | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Contract:
        ensure_date_order(
            self.start_date, self.end_date, start_name="start_date", end_name="end_date"
        )
        ensure_currency(self.total_value, self.currency, name="total_value")
        return self


class ContractLine(Entity):
    """One priced item of a contract (a fee, a T&M block, a retainer).

    Attributes:
        contract_id: The contract the line belongs to.
        line_number: Position on the contract, from 1.
        description: What is sold.
        billing_method: How the line is billed.
        amount: Fixed or capped amount, if any.
        project_id: The project delivering the line, once set up.
    """

    kind: ClassVar[EntityKind] = EntityKind.CONTRACT_LINE
    steward: ClassVar[OwnerTeam] = OwnerTeam.FINANCE

    contract_id: NonEmptyStr
    line_number: Annotated[int, Field(ge=1)]
    description: NonEmptyStr
    billing_method: BillingMethod
    amount: Money | None = None
    project_id: NonEmptyStr | None = None


class RateCardLine(CanonicalModel):
    """The rate for one role (optionally at one location) on a rate card.

    Attributes:
        role_id: The role priced.
        location_id: The location the rate applies to; None for any.
        unit: Rate per hour or per day.
        rate: The bill rate, in the rate card's currency.
    """

    role_id: NonEmptyStr
    location_id: NonEmptyStr | None = None
    unit: RateUnit = RateUnit.HOUR
    rate: Money


class RateCard(Entity):
    """Bill rates by role (and location) for a period.

    Attributes:
        name: Display name.
        currency: Currency of every rate.
        effective_from: First day the rates apply.
        effective_to: Last day, if ended; never before ``effective_from``.
        lines: The rates; at most one per (role, location, unit).
    """

    kind: ClassVar[EntityKind] = EntityKind.RATE_CARD
    steward: ClassVar[OwnerTeam] = OwnerTeam.FINANCE

    name: NonEmptyStr
    currency: CurrencyCode
    effective_from: dt.date
    effective_to: dt.date | None = None
    lines: tuple[RateCardLine, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> RateCard:
        ensure_date_order(
            self.effective_from,
            self.effective_to,
            start_name="effective_from",
            end_name="effective_to",
        )
        seen: set[tuple[str, str | None, RateUnit]] = set()
        for line in self.lines:
            ensure_currency(line.rate, self.currency, name=f"rate for {line.role_id}")
            key = (line.role_id, line.location_id, line.unit)
            if key in seen:
                raise ValueError(f"role {line.role_id} has two rates for one location")
            seen.add(key)
        return self
