"""Buying from suppliers: vendors, purchase requests (PSA), purchase orders (ERP)."""

from __future__ import annotations

import datetime as dt  # noqa: TC003  (pydantic resolves annotations at runtime)
from decimal import Decimal  # noqa: TC003  (pydantic resolves annotations at runtime)
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field, model_validator

from baton.model.common import (
    ApprovalStatus,
    CanonicalModel,
    CountryCode,
    CurrencyCode,
    Entity,
    EntityKind,
    Money,
    NonEmptyStr,
    OwnerTeam,
    ensure_currency,
)


class PurchaseOrderStatus(StrEnum):
    """Lifecycle state of a purchase order."""

    DRAFT = "draft"
    ISSUED = "issued"
    RECEIVED = "received"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Vendor(Entity):
    """A supplier: subcontractor, software vendor, travel agency, ...

    Attributes:
        name: Trading name.
        legal_name: Registered name, if different.
        country: Country of registration, if known.
        currency: Currency the vendor invoices in, if fixed.
        tax_registration: VAT/GST/EIN number, if any.
        payment_terms_days: Days from vendor invoice to payment, if agreed.
        active: False once the vendor is blocked or archived.
    """

    kind: ClassVar[EntityKind] = EntityKind.VENDOR
    steward: ClassVar[OwnerTeam] = OwnerTeam.FINANCE

    name: NonEmptyStr
    legal_name: NonEmptyStr | None = None
    country: CountryCode | None = None
    currency: CurrencyCode | None = None
    tax_registration: NonEmptyStr | None = None
    payment_terms_days: Annotated[int, Field(ge=0)] | None = None
    active: bool = True


class PurchaseRequest(Entity):
    """A worker's request to buy something, usually for a project.

    Attributes:
        requester_worker_id: Who asks.
        description: What is to be bought.
        amount: Estimated cost; greater than zero.
        vendor_id: Preferred vendor, if any.
        project_id: Project it is for, if any.
        cost_center_id: Cost centre charged, if any.
        needed_by: Date it is needed, if any.
        status: Approval state.
    """

    kind: ClassVar[EntityKind] = EntityKind.PURCHASE_REQUEST
    steward: ClassVar[OwnerTeam] = OwnerTeam.FINANCE

    requester_worker_id: NonEmptyStr
    description: NonEmptyStr
    amount: Money
    vendor_id: NonEmptyStr | None = None
    project_id: NonEmptyStr | None = None
    cost_center_id: NonEmptyStr | None = None
    needed_by: dt.date | None = None
    status: ApprovalStatus

    @model_validator(mode="after")
    def _positive(self) -> PurchaseRequest:
        if self.amount.amount <= 0:
            raise ValueError("purchase request amount must be greater than zero")
        return self


class PurchaseOrderLine(CanonicalModel):
    """One line of a purchase order.

    Attributes:
        line_number: Position on the order, from 1; unique within the order.
        description: What is bought.
        quantity: Units ordered; greater than zero.
        unit_price: Price per unit, in the order's currency.
        project_id: Project charged, if any.
        task_id: Task charged, if any.
        gl_account: GL account charged, if known.
    """

    line_number: Annotated[int, Field(ge=1)]
    description: NonEmptyStr
    quantity: Annotated[Decimal, Field(gt=0)]
    unit_price: Money
    project_id: NonEmptyStr | None = None
    task_id: NonEmptyStr | None = None
    gl_account: NonEmptyStr | None = None

    def amount(self) -> Money:
        """Return quantity times unit price, rounded to the currency's minor units."""
        return (self.unit_price * self.quantity).quantize()


class PurchaseOrder(Entity):
    """An order placed with a vendor, as issued by the ERP.

    Attributes:
        vendor_id: The vendor.
        legal_entity_id: The legal entity buying.
        purchase_request_id: The request it fulfils, if any.
        number: The ERP's PO number, once issued.
        currency: Currency of every line.
        order_date: Date of the order.
        lines: At least one line, in ``currency``, with unique line numbers.
        status: Lifecycle state.
    """

    kind: ClassVar[EntityKind] = EntityKind.PURCHASE_ORDER
    steward: ClassVar[OwnerTeam] = OwnerTeam.FINANCE

    vendor_id: NonEmptyStr
    legal_entity_id: NonEmptyStr
    purchase_request_id: NonEmptyStr | None = None
    number: NonEmptyStr | None = None
    currency: CurrencyCode
    order_date: dt.date
    lines: Annotated[tuple[PurchaseOrderLine, ...], Field(min_length=1)]
    status: PurchaseOrderStatus = PurchaseOrderStatus.DRAFT

    @model_validator(mode="after")
    def _consistent(self) -> PurchaseOrder:
        numbers = [line.line_number for line in self.lines]
        if len(set(numbers)) != len(numbers):
            raise ValueError("purchase order line numbers must be unique")
        for line in self.lines:
            ensure_currency(
                line.unit_price, self.currency, name=f"line {line.line_number} price"
            )
        return self

    def total(self) -> Money:
        """Return the sum of the line amounts."""
        return sum((line.amount() for line in self.lines), Money.zero(self.currency))
