"""Money: an exact amount in one ISO 4217 currency, and the types it is built from.

``amount`` is kept exactly as given (no silent rounding); floats are rejected
because they cannot carry cents exactly. ``Money.quantize`` rounds to the
currency's minor units when a workflow needs a postable amount.
"""

from __future__ import annotations

import operator
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from baton.model.base import CanonicalModel

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "CURRENCY_MINOR_UNITS",
    "DECIMAL_PATTERN",
    "CurrencyCode",
    "Money",
    "MoneyAmount",
    "ensure_currency",
]

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

CurrencyCode = Annotated[
    str,
    AfterValidator(_check_currency),
    Field(json_schema_extra={"enum": sorted(CURRENCY_MINOR_UNITS)}),
]
"""An ISO 4217 code from ``CURRENCY_MINOR_UNITS``, e.g. ``"USD"``."""


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
