"""Building blocks shared by every canonical entity: base classes, Money, enums, hours.

Versioning: ``CanonicalModel.model_version`` is a class-level constant
(``ClassVar[str]``), not a field. It is published in each JSON schema as
``x-model-version`` (and in the schema ``$id``), and is never part of a payload;
whoever stores or sends a payload (inbox, outbox, events) records the version
beside it. A breaking change to one entity overrides ``model_version`` on that
class.

Money: ``amount`` is kept exactly as given (no silent rounding); floats are
rejected because they cannot carry cents exactly. ``Money.quantize`` rounds to
the currency's minor units when a workflow needs a postable amount.
"""

from __future__ import annotations

import operator
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

# ISO 4217 minor units of the currencies Baton knows. Extend with care: every
# value here is a real code with its real number of decimal places.
CURRENCY_MINOR_UNITS: dict[str, int] = {
    "AED": 2,
    "AUD": 2,
    "BRL": 2,
    "CAD": 2,
    "CHF": 2,
    "CNY": 2,
    "DKK": 2,
    "EUR": 2,
    "GBP": 2,
    "HKD": 2,
    "INR": 2,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "MXN": 2,
    "NOK": 2,
    "NZD": 2,
    "PLN": 2,
    "SEK": 2,
    "SGD": 2,
    "USD": 2,
    "ZAR": 2,
}

MAX_HOURS_PER_ENTRY = Decimal(24)
_QUARTER = Decimal("0.25")
_MINUTES_PER_HOUR = Decimal(60)
# Money arithmetic runs in this context: a result that would need rounding
# raises instead of losing digits silently.
_EXACT = Context(prec=50, traps=[Inexact, InvalidOperation, Overflow])


def _check_currency(code: str) -> str:
    if code not in CURRENCY_MINOR_UNITS:
        raise ValueError(
            f"currency must be an upper-case ISO 4217 code Baton knows, got {code!r}"
        )
    return code


def _reject_float(value: object) -> object:
    if isinstance(value, float):
        # ValueError, not TypeError: pydantic reports only ValueError as invalid.
        raise ValueError(  # noqa: TRY004
            "money amount must be a Decimal, int or string, not a float"
        )
    return value


DECIMAL_PATTERN = r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$"

MoneyAmount = Annotated[
    Decimal,
    BeforeValidator(_reject_float),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer"},
                {"type": "string", "pattern": DECIMAL_PATTERN},
            ],
            "description": "exact decimal; serialized as a string, floats rejected",
        }
    ),
]

NonEmptyStr = Annotated[str, StringConstraints(min_length=1)]
"""A string that is not empty once surrounding whitespace is stripped."""

CurrencyCode = Annotated[
    str,
    AfterValidator(_check_currency),
    Field(json_schema_extra={"enum": sorted(CURRENCY_MINOR_UNITS)}),
]
"""An ISO 4217 code from ``CURRENCY_MINOR_UNITS``, e.g. ``"USD"``."""

EmailAddress = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
"""A plausible e-mail address; the sending system is the real check."""

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
"""An ISO 3166-1 alpha-2 country code, e.g. ``"GB"``."""


def _add_model_version(schema: dict[str, Any], model_class: type[Any]) -> None:
    schema["x-model-version"] = model_class.model_version


class CanonicalModel(BaseModel):
    """Base of every canonical model: immutable, strict about unknown fields.

    Attributes:
        model_version: Version of the model's shape; published in the JSON schema
            as ``x-model-version``, never serialized into payloads.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        json_schema_extra=_add_model_version,
    )

    model_version: ClassVar[str] = "1"


class WorkerType(StrEnum):
    """Employment relationship of a worker."""

    EMPLOYEE = "employee"
    CONTRACTOR = "contractor"


class ApprovalStatus(StrEnum):
    """Approval state of time, expenses and purchase requests."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class ProjectStatus(StrEnum):
    """Lifecycle state of a project."""

    PLANNED = "planned"
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class BillingMethod(StrEnum):
    """How work is billed to the customer."""

    TIME_AND_MATERIALS = "time_and_materials"
    FIXED_FEE = "fixed_fee"
    MILESTONE = "milestone"
    RETAINER = "retainer"


class OwnerTeam(StrEnum):
    """Team that stewards an entity and fixes its quarantined records."""

    FINANCE = "finance"
    HR = "hr"
    DELIVERY_OPS = "delivery_ops"


class EntityKind(StrEnum):
    """Every canonical entity, by its stable snake_case name."""

    LEGAL_ENTITY = "legal_entity"
    COST_CENTER = "cost_center"
    BUSINESS_UNIT = "business_unit"
    GL_DIMENSION = "gl_dimension"
    TAX_CODE = "tax_code"
    CUSTOMER = "customer"
    CONTACT = "contact"
    OPPORTUNITY = "opportunity"
    CONTRACT = "contract"
    CONTRACT_LINE = "contract_line"
    RATE_CARD = "rate_card"
    PROJECT = "project"
    TASK = "task"
    MILESTONE = "milestone"
    BILLING_SCHEDULE = "billing_schedule"
    WORKER = "worker"
    ROLE = "role"
    LOCATION = "location"
    ASSIGNMENT = "assignment"
    TIME_ENTRY = "time_entry"
    EXPENSE = "expense"
    INVOICE_REQUEST = "invoice_request"
    REVENUE_EVENT = "revenue_event"
    PURCHASE_REQUEST = "purchase_request"
    PURCHASE_ORDER = "purchase_order"
    VENDOR = "vendor"
    PAYROLL_ALLOCATION = "payroll_allocation"


class Entity(CanonicalModel):
    """Base of every canonical entity (a thing with its own identity).

    Attributes:
        kind: The entity's ``EntityKind`` (set by each subclass).
        steward: The team that owns the entity's data quality.
        id: Baton's canonical id; never empty.
        source_system: Name of the system the record came from, if known.
        external_ids: Ids of this record in other systems, by system name.

    Entities are immutable but not hashable (``external_ids`` is a dict): key
    collections by ``id``.
    """

    kind: ClassVar[EntityKind]
    steward: ClassVar[OwnerTeam]

    id: NonEmptyStr
    source_system: NonEmptyStr | None = None
    external_ids: dict[NonEmptyStr, NonEmptyStr] = Field(default_factory=dict)


def ensure_date_order(
    start: dt.date | None, end: dt.date | None, *, start_name: str, end_name: str
) -> None:
    """Check that ``end`` is not before ``start`` when both are set.

    Raises:
        ValueError: If ``end < start``.
    """
    if start is not None and end is not None and end < start:
        raise ValueError(f"{end_name} must be on or after {start_name}")


def ensure_currency(money: Money | None, currency: str, *, name: str) -> None:
    """Check that ``money`` (if set) is in ``currency``.

    Raises:
        ValueError: If the currencies differ.
    """
    if money is not None and money.currency != currency:
        raise ValueError(
            f"{name} is in {money.currency} but the document currency is {currency}"
        )


class Money(CanonicalModel):
    """An exact amount in one ISO 4217 currency.

    ``+`` and ``-`` accept only Money in the same currency; ``*`` accepts a
    Decimal or int factor. Results are exact: an operation that would need
    rounding raises instead.

    Attributes:
        amount: The exact amount; floats are rejected.
        currency: ISO 4217 code, upper case, from ``CURRENCY_MINOR_UNITS``.
    """

    amount: MoneyAmount
    currency: CurrencyCode

    def __str__(self) -> str:
        """Return e.g. ``"1250.00 USD"``."""
        return f"{self.amount} {self.currency}"

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Return zero in ``currency``; the start value for ``sum()``."""
        return cls(amount=Decimal(0), currency=currency)

    @property
    def minor_units(self) -> int:
        """Number of decimal places of the currency (JPY 0, USD 2, KWD 3)."""
        return CURRENCY_MINOR_UNITS[self.currency]

    def quantize(self, rounding: str = ROUND_HALF_UP) -> Money:
        """Return the amount rounded to the currency's minor units.

        Args:
            rounding: A ``decimal`` rounding mode; half-up by default, as on
                invoices. Pass ``decimal.ROUND_HALF_EVEN`` for banker's rounding.
        """
        exponent = Decimal(1).scaleb(-self.minor_units)
        return Money(
            amount=self.amount.quantize(exponent, rounding=rounding),
            currency=self.currency,
        )

    def _same_currency(self, other: object, op: str) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot {op} Money and {type(other).__name__}")
        if other.currency != self.currency:
            raise ValueError(
                f"cannot {op} {self.currency} and {other.currency}: "
                "convert to one currency first"
            )
        return other

    def __add__(self, other: object) -> Money:
        """Add two amounts in the same currency.

        Raises:
            ValueError: If the currencies differ.
            TypeError: If ``other`` is not Money.
        """
        right = self._same_currency(other, "add")
        return self._exact(operator.add, right.amount)

    def __sub__(self, other: object) -> Money:
        """Subtract an amount in the same currency.

        Raises:
            ValueError: If the currencies differ.
            TypeError: If ``other`` is not Money.
        """
        right = self._same_currency(other, "subtract")
        return self._exact(operator.sub, right.amount)

    def __mul__(self, factor: object) -> Money:
        """Multiply by a Decimal or int (e.g. hours times a rate); never a float.

        Raises:
            TypeError: If ``factor`` is not a Decimal or int.
        """
        if isinstance(factor, bool) or not isinstance(factor, Decimal | int):
            raise TypeError(f"cannot multiply Money by {type(factor).__name__}")
        return self._exact(operator.mul, Decimal(factor))

    def __neg__(self) -> Money:
        """Return the amount with its sign flipped."""
        return Money(amount=-self.amount, currency=self.currency)

    def _exact(
        self, op: Callable[[Decimal, Decimal], Decimal], operand: Decimal
    ) -> Money:
        try:
            with localcontext(_EXACT):
                amount = op(self.amount, operand)
        except (Inexact, Overflow) as exc:
            raise ValueError("money result is too large to be exact") from exc
        return Money(amount=amount, currency=self.currency)


class HoursPrecision(StrEnum):
    """How finely a time entry's decimal hours may be recorded."""

    QUARTER_HOUR = "quarter_hour"
    MINUTE = "minute"


def validate_hours(value: Decimal, precision: HoursPrecision) -> Decimal:
    """Check the hours of a single time entry and return them unchanged.

    ``QUARTER_HOUR`` accepts exact multiples of 0.25. ``MINUTE`` accepts a whole
    number of minutes written as decimal hours, exactly or rounded half-up to
    the number of decimal places given (``0.5``, ``1.05``, ``0.0167`` for one
    minute; not ``0.01``, which is 36 seconds).

    Args:
        value: Decimal hours.
        precision: The precision configured for the source.

    Returns:
        ``value``, unchanged.

    Raises:
        ValueError: With a plain message if the value is not finite, not in
            ``(0, 24]``, or not at the required precision.
    """
    if not value.is_finite():
        raise ValueError("hours must be a finite number")
    if not 0 < value <= MAX_HOURS_PER_ENTRY:
        raise ValueError("hours must be greater than 0 and at most 24")
    if precision is HoursPrecision.QUARTER_HOUR:
        if value % _QUARTER != 0:
            raise ValueError("hours must be a multiple of 0.25 (quarter hours)")
        return value
    exponent = min(int(value.as_tuple().exponent), 0)
    minutes = (value * _MINUTES_PER_HOUR).to_integral_value(rounding=ROUND_HALF_EVEN)
    written = (minutes / _MINUTES_PER_HOUR).quantize(
        Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP
    )
    if written != value:
        raise ValueError("hours must be a whole number of minutes")
    return value
