"""Organisation reference data stewarded by finance: entities, centres, GL, tax."""

from __future__ import annotations

from decimal import Decimal  # noqa: TC003  (pydantic resolves annotations at runtime)
from typing import Annotated, ClassVar

from pydantic import Field

from baton.model.common import (
    CountryCode,
    CurrencyCode,
    Entity,
    EntityKind,
    NonEmptyStr,
    OwnerTeam,
)


class LegalEntity(Entity):
    """A company of the firm that contracts, invoices and employs.

    Attributes:
        name: Registered name.
        country: ISO 3166-1 alpha-2 country of registration.
        functional_currency: Currency the entity keeps its books in.
        tax_registration: VAT/GST/EIN number, if any.
        active: False once the entity no longer trades.
    """

    kind: ClassVar[EntityKind] = EntityKind.LEGAL_ENTITY
    steward: ClassVar[OwnerTeam] = OwnerTeam.FINANCE

    name: NonEmptyStr
    country: CountryCode
    functional_currency: CurrencyCode
    tax_registration: NonEmptyStr | None = None
    active: bool = True


class BusinessUnit(Entity):
    """A line of business or practice, possibly nested under another.

    Attributes:
        code: Short code used in reporting.
        name: Display name.
        parent_id: Enclosing business unit, if any.
        active: False once retired.
    """

    kind: ClassVar[EntityKind] = EntityKind.BUSINESS_UNIT
    steward: ClassVar[OwnerTeam] = OwnerTeam.FINANCE

    code: NonEmptyStr
    name: NonEmptyStr
    parent_id: NonEmptyStr | None = None
    active: bool = True


class CostCenter(Entity):
    """A cost centre that time, expenses and purchases are charged to.

    Attributes:
        code: Code as the ERP knows it.
        name: Display name.
        legal_entity_id: Legal entity that owns the cost centre.
        business_unit_id: Business unit it reports to, if any.
        active: False once closed.
    """

    kind: ClassVar[EntityKind] = EntityKind.COST_CENTER
    steward: ClassVar[OwnerTeam] = OwnerTeam.FINANCE

    code: NonEmptyStr
    name: NonEmptyStr
    legal_entity_id: NonEmptyStr
    business_unit_id: NonEmptyStr | None = None
    active: bool = True


class GLDimension(Entity):
    """One value of a general-ledger dimension (department, region, ...).

    Attributes:
        dimension: Name of the dimension, e.g. ``"department"``.
        code: Value code within the dimension.
        name: Display name.
        legal_entity_id: Legal entity the value is limited to, if any.
        active: False once closed.
    """

    kind: ClassVar[EntityKind] = EntityKind.GL_DIMENSION
    steward: ClassVar[OwnerTeam] = OwnerTeam.FINANCE

    dimension: NonEmptyStr
    code: NonEmptyStr
    name: NonEmptyStr
    legal_entity_id: NonEmptyStr | None = None
    active: bool = True


class TaxCode(Entity):
    """A sales-tax code applied to invoice lines.

    Attributes:
        code: Code as the ERP knows it.
        name: Display name.
        rate: Tax rate as a fraction between 0 and 1 (0.2 for 20 %).
        country: Country whose tax the code represents.
        active: False once withdrawn.
    """

    kind: ClassVar[EntityKind] = EntityKind.TAX_CODE
    steward: ClassVar[OwnerTeam] = OwnerTeam.FINANCE

    code: NonEmptyStr
    name: NonEmptyStr
    rate: Annotated[Decimal, Field(ge=0, le=1)]
    country: CountryCode
    active: bool = True
