"""Customers (with their parent hierarchy) and customer contacts."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field, model_validator

from baton.model.common import (
    CountryCode,
    CurrencyCode,
    EmailAddress,
    Entity,
    EntityKind,
    Money,
    NonEmptyStr,
    OwnerTeam,
)


class Customer(Entity):
    """A client of the firm; ``parent_id`` links it into a group hierarchy.

    Identity fields come from the CRM; billing and credit fields from the ERP.

    Attributes:
        name: Trading name.
        legal_name: Registered name for invoices, if different.
        parent_id: Parent customer in the group hierarchy, if any.
        country: Country of the billing address.
        billing_currency: Currency the customer is invoiced in.
        payment_terms_days: Days from invoice to due date.
        credit_limit: Credit limit set by finance, if any.
        tax_registration: Customer's VAT/GST number, if any.
        active: False once the customer is archived.
    """

    kind: ClassVar[EntityKind] = EntityKind.CUSTOMER
    steward: ClassVar[OwnerTeam] = OwnerTeam.FINANCE

    name: NonEmptyStr
    legal_name: NonEmptyStr | None = None
    parent_id: NonEmptyStr | None = None
    country: CountryCode | None = None
    billing_currency: CurrencyCode | None = None
    payment_terms_days: Annotated[int, Field(ge=0)] | None = None
    credit_limit: Money | None = None
    tax_registration: NonEmptyStr | None = None
    active: bool = True

    @model_validator(mode="after")
    def _not_own_parent(self) -> Customer:
        if self.parent_id == self.id:
            raise ValueError("a customer cannot be its own parent")
        return self


class Contact(Entity):
    """A person at a customer.

    Attributes:
        customer_id: The customer the contact works for.
        name: Full name, as the person writes it.
        email: E-mail address, if known.
        phone: Phone number as given, if known.
        title: Job title, if known.
        is_billing_contact: True if invoices go to this person.
    """

    kind: ClassVar[EntityKind] = EntityKind.CONTACT
    steward: ClassVar[OwnerTeam] = OwnerTeam.FINANCE

    customer_id: NonEmptyStr
    name: NonEmptyStr
    email: EmailAddress | None = None
    phone: NonEmptyStr | None = None
    title: NonEmptyStr | None = None
    is_billing_contact: bool = False
