"""Harvest value conversions shared by the mapping and the source (pure).

Provisional ids (``harvest:<kind>:<id>``), exact decimals from JSON numbers,
hours at minute precision, UTC timestamps and per-version event ids; the
rules are explained in :mod:`baton.connectors.harvest.mapping`.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from baton.model import ApprovalStatus

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "SYSTEM",
    "approval_status",
    "canonical_id",
    "event_id",
    "format_timestamp",
    "harvest_id",
    "minute_hours",
    "parse_timestamp",
    "to_decimal",
]

SYSTEM = "harvest"
_MINUTES = Decimal(60)
_FOUR_PLACES = Decimal("0.0001")
_APPROVAL = {
    "unsubmitted": ApprovalStatus.DRAFT,
    "submitted": ApprovalStatus.SUBMITTED,
    "approved": ApprovalStatus.APPROVED,
    "rejected": ApprovalStatus.REJECTED,
}


def canonical_id(kind: str, harvest_value: object) -> str:
    """The provisional canonical id of a Harvest record."""
    return f"{SYSTEM}:{kind}:{harvest_value}"


def harvest_id(canonical: str, kind: str) -> int:
    """The Harvest id inside a provisional canonical id (inverse of the above).

    Raises:
        ValueError: ``canonical`` is not a Harvest id of this kind.
    """
    prefix = f"{SYSTEM}:{kind}:"
    if not canonical.startswith(prefix):
        raise ValueError(f"{canonical!r} is not a Harvest {kind} id")
    return int(canonical.removeprefix(prefix))


def to_decimal(value: object) -> Decimal:
    """An exact Decimal from a JSON number (Decimal, int, str; float via repr)."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal | int | str):
        return Decimal(value)
    raise ValueError(f"not a number: {value!r}")


def minute_hours(value: object) -> Decimal:
    """Harvest hours as canonical hours at minute precision (module docstring)."""
    hours = to_decimal(value)
    if not hours.is_finite():
        raise ValueError("hours must be a finite number")
    exact = (hours * _MINUTES).to_integral_value(rounding=ROUND_HALF_EVEN) / _MINUTES
    exponent = min(int(hours.as_tuple().exponent), 0)
    if exact.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP) == hours:
        return hours
    return exact.quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP)


def parse_timestamp(value: str) -> dt.datetime:
    """An aware UTC datetime from Harvest's ISO 8601 (``Z`` or an offset)."""
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def format_timestamp(value: dt.datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` in UTC (cursors and event ids)."""
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def event_id(kind: str, raw: Mapping[str, Any]) -> str:
    """``harvest:<kind>:<id>:<updated_at in UTC>``: one per version of a record."""
    updated = format_timestamp(parse_timestamp(str(raw["updated_at"])))
    return f"{SYSTEM}:{kind}:{raw['id']}:{updated}"


def approval_status(raw: Mapping[str, Any]) -> ApprovalStatus:
    """The canonical approval state of a Harvest time entry (module docstring).

    Raises:
        ValueError: an ``approval_status`` value this mapping does not know.
    """
    explicit = raw.get("approval_status")
    if explicit is not None:
        try:
            return _APPROVAL[str(explicit)]
        except KeyError:
            raise ValueError(f"unknown approval_status {explicit!r}") from None
    if raw.get("is_closed"):
        return ApprovalStatus.APPROVED
    if raw.get("is_locked"):
        billed = bool(raw.get("is_billed"))
        return ApprovalStatus.APPROVED if billed else ApprovalStatus.SUBMITTED
    return ApprovalStatus.DRAFT
