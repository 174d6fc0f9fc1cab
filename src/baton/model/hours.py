"""Decimal hours of one time entry: the precision a source records, and its check.

``HoursPrecision`` lives here rather than in ``enums`` because it exists only
to parameterise :func:`validate_hours`; ``time_expense`` explains how a source's
precision is chosen.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from enum import StrEnum

__all__ = ["MAX_HOURS_PER_ENTRY", "HoursPrecision", "validate_hours"]

MAX_HOURS_PER_ENTRY = Decimal(24)
_QUARTER = Decimal("0.25")
_MINUTES_PER_HOUR = Decimal(60)


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
