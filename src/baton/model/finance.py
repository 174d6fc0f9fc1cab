"""Billing and revenue: invoice requests sent to the ERP, revenue events back."""

from __future__ import annotations

import datetime as dt  # noqa: TC003  (pydantic resolves annotations at runtime)
from decimal import Decimal  # noqa: TC003  (pydantic resolves annotations at runtime)
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


class InvoiceRequestStatus(StrEnum):
    """Where an invoice request stands in the ERP."""

    REQUESTED = "requested"
    INVOICED = "invoiced"
    CANCELLED = "cancelled"


class InvoiceLine(CanonicalModel):
    """One line of an invoice request.

    ``amount`` is authoritative. When ``quantity`` and ``unit_price`` are both
    given, ``amount`` must equal their product rounded to the currency's minor
    units (half up).

    Attributes:
        description: What the line bills.
        amount: Line amount before tax.
        quantity: Units billed (e.g. hours), if priced per unit.
        unit_price: Price per unit, if priced per unit.
        tax_code_id: Tax code applied, if any.
        time_entry_ids: Time entries billed on the line.
        milestone_id: Milestone billed on the line, if any.
    """

    description: NonEmptyStr
    amount: Money
    quantity: Annotated[Decimal, Field(gt=0)] | None = None
    unit_price: Money | None = None
    tax_code_id: NonEmptyStr | None = None
    time_entry_ids: tuple[NonEmptyStr, ...] = ()
    milestone_id: NonEmptyStr | None = None

    @model_validator(mode="after")
    def _amount_matches(self) -> InvoiceLine:
        if self.quantity is not None and self.unit_price is not None:
            expected = (self.unit_price * self.quantity).quantize()
            if expected != self.amount:
                raise ValueError(
                    f"line amount {self.amount.amount} does not equal quantity x "
                    f"unit price ({expected.amount})"
                )
        return self


class InvoiceRequest(Entity):
    """A request, triggered in the PSA, for the ERP to raise an invoice.

    Attributes:
        customer_id: The customer billed.
        legal_entity_id: The legal entity issuing the invoice.
        project_id: The project billed, if one.
        contract_id: The contract billed under, if known.
        currency: Currency of every line.
        invoice_date: Date the invoice is to carry.
        due_date: Payment due date; never before ``invoice_date``.
        lines: At least one line, all in ``currency``.
        status: Where the request stands.
        invoice_number: The ERP's invoice number, once invoiced.
    """

    kind: ClassVar[EntityKind] = EntityKind.INVOICE_REQUEST
    steward: ClassVar[OwnerTeam] = OwnerTeam.FINANCE

    customer_id: NonEmptyStr
    legal_entity_id: NonEmptyStr
    project_id: NonEmptyStr | None = None
    contract_id: NonEmptyStr | None = None
    currency: CurrencyCode
    invoice_date: dt.date
    due_date: dt.date | None = None
    lines: Annotated[tuple[InvoiceLine, ...], Field(min_length=1)]
    status: InvoiceRequestStatus = InvoiceRequestStatus.REQUESTED
    invoice_number: NonEmptyStr | None = None

    @model_validator(mode="after")
    def _consistent(self) -> InvoiceRequest:
        ensure_date_order(
            self.invoice_date,
            self.due_date,
            start_name="invoice_date",
            end_name="due_date",
        )
        for number, line in enumerate(self.lines, start=1):
            ensure_currency(line.amount, self.currency, name=f"line {number} amount")
            ensure_currency(
                line.unit_price, self.currency, name=f"line {number} unit_price"
            )
        return self

    def total(self) -> Money:
        """Return the sum of the line amounts (before tax)."""
        return sum((line.amount for line in self.lines), Money.zero(self.currency))


class RevenueEvent(Entity):
    """Revenue recognised (or reversed, with a negative amount) on a project.

    Attributes:
        project_id: The project.
        legal_entity_id: The legal entity that books the revenue.
        contract_id: The contract, if known.
        recognition_date: Accounting date of the recognition.
        amount: Revenue recognised; negative for a reversal.
        revenue_type: The billing method the revenue arises from.
        source_document_id: What triggered it (invoice request, milestone, ...).
        gl_account: GL account credited, if the ERP reported it.
    """

    kind: ClassVar[EntityKind] = EntityKind.REVENUE_EVENT
    steward: ClassVar[OwnerTeam] = OwnerTeam.FINANCE

    project_id: NonEmptyStr
    legal_entity_id: NonEmptyStr
    contract_id: NonEmptyStr | None = None
    recognition_date: dt.date
    amount: Money
    revenue_type: BillingMethod
    source_document_id: NonEmptyStr | None = None
    gl_account: NonEmptyStr | None = None
