"""Kantata's units ⇄ canonical: whole minutes ⇄ decimal hours, cents ⇄ Money.

Minutes become hours exactly when they divide evenly (90 → ``1.5``) and to
four places otherwise (1 → ``0.0167``), which always maps back to the same
minute. Money is ``cents / currency_base_unit`` (100 for most currencies,
from ISO 4217 when the record does not say), never through a float.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, localcontext
from typing import Any

from baton.model.common import CURRENCY_MINOR_UNITS, Money

__all__ = ["cents_to_money", "hours_to_minutes", "minutes_to_hours", "money_to_cents"]

_SIXTY = Decimal(60)
_FOUR_PLACES = Decimal("0.0001")
_EXACT = Context(prec=50, traps=[Inexact])


def minutes_to_hours(minutes: int) -> Decimal:
    """Decimal hours of whole ``minutes`` (see the module docstring)."""
    try:
        with localcontext(_EXACT):
            return Decimal(minutes) / _SIXTY
    except Inexact:
        return (Decimal(minutes) / _SIXTY).quantize(_FOUR_PLACES, ROUND_HALF_UP)


def hours_to_minutes(hours: Decimal) -> int:
    """Whole minutes of decimal hours written at minute precision.

    Accepts what ``validate_hours`` accepts at minute precision: the hours of
    a whole minute, exactly or rounded half-up to the places written.

    Raises:
        ValueError: the hours are not a whole number of minutes.
    """
    if not hours.is_finite():
        raise ValueError(f"{hours} hours is not a number")
    minutes = int((hours * _SIXTY).to_integral_value(ROUND_HALF_UP))
    places = Decimal(1).scaleb(min(int(hours.as_tuple().exponent), 0))
    written = (Decimal(minutes) / _SIXTY).quantize(places, ROUND_HALF_UP)
    if written != hours:
        raise ValueError(f"{hours} hours is not a whole number of minutes")
    return minutes


def _units(currency: str, base_unit: Any) -> int:
    if base_unit:
        return int(base_unit)
    return int(10 ** CURRENCY_MINOR_UNITS[currency])


def cents_to_money(cents: Any, currency: str, base_unit: Any = None) -> Money:
    """``cents`` minor units of ``currency`` as exact Money.

    Raises:
        ValueError: ``cents`` is not an integer, or the currency is unknown.
    """
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise ValueError(f"amount in cents must be an integer, got {cents!r}")  # noqa: TRY004
    if currency not in CURRENCY_MINOR_UNITS:
        raise ValueError(f"unknown currency {currency!r}")
    with localcontext(_EXACT):
        amount = Decimal(cents) / _units(currency, base_unit)
    return Money(amount=amount, currency=currency)


def money_to_cents(money: Money, base_unit: Any = None) -> int:
    """Integer minor units of ``money``.

    Raises:
        ValueError: the amount has more decimals than the currency allows.
    """
    with localcontext(_EXACT):
        cents = money.amount * _units(money.currency, base_unit)
    if cents != cents.to_integral_value():
        raise ValueError(f"{money} has more decimals than {money.currency} allows")
    return int(cents)
