"""Pure parsing of HubSpot property values: timestamps, amounts, dates, ids.

HubSpot sends every property as a string (or omits it): timestamps as ISO
8601 with ``Z`` (search filters take epoch milliseconds), amounts as
decimal strings, dates as midnight UTC timestamps or ``YYYY-MM-DD``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from baton.model.common import Money

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "SYSTEM",
    "MappingError",
    "canonical_id",
    "close_date",
    "event_id",
    "modified_at",
    "parse_money",
    "parse_timestamp",
    "props_of",
]

SYSTEM = "hubspot"


class MappingError(ValueError):
    """A HubSpot object that cannot become a canonical record."""


def canonical_id(kind: str, hubspot_id: object) -> str:
    """The provisional canonical id of a HubSpot object."""
    return f"{SYSTEM}:{kind}:{hubspot_id}"


def props_of(obj: Mapping[str, Any]) -> dict[str, str]:
    """An object's properties with values, stripped (blank means absent)."""
    props = obj.get("properties") or {}
    return {
        k: str(v).strip() for k, v in props.items() if v is not None and str(v).strip()
    }


def parse_timestamp(value: str) -> dt.datetime:
    """An aware UTC datetime from ISO 8601 (``Z`` or offset) or epoch ms.

    Raises:
        MappingError: not a timestamp, or without a zone.
    """
    text = value.strip()
    try:
        if text.isdigit():
            return dt.datetime.fromtimestamp(int(text) / 1000, dt.UTC)
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError) as exc:
        raise MappingError(f"not a timestamp: {value!r}") from exc
    if stamp.tzinfo is None:
        raise MappingError(f"timestamp without a time zone: {value!r}")
    return stamp.astimezone(dt.UTC)


def modified_at(obj: Mapping[str, Any]) -> dt.datetime:
    """``hs_lastmodifieddate`` (else ``updatedAt``) of an object, in UTC."""
    value = props_of(obj).get("hs_lastmodifieddate") or obj.get("updatedAt")
    if not value:
        raise MappingError(f"object {obj.get('id')} has no modification time")
    return parse_timestamp(str(value))


def event_id(object_type: str, obj: Mapping[str, Any]) -> str:
    """``hubspot:<object>:<id>:<hs_lastmodifieddate>`` (unique per version)."""
    stamp = modified_at(obj).isoformat().replace("+00:00", "Z")
    return f"{SYSTEM}:{object_type}:{obj['id']}:{stamp}"


def parse_money(amount: str | None, currency: str | None) -> Money | None:
    """Exact ``Money`` from HubSpot's amount string (None when absent).

    Raises:
        MappingError: not a finite decimal, or an unknown currency.
    """
    if amount is None or not amount.strip():
        return None
    try:
        value = Decimal(amount.strip().replace(",", ""))
    except InvalidOperation as exc:
        raise MappingError(f"amount is not a number: {amount!r}") from exc
    if not value.is_finite():
        raise MappingError(f"amount is not finite: {amount!r}")
    try:
        return Money(amount=value, currency=(currency or "").strip().upper())
    except ValueError as exc:
        raise MappingError(f"unusable amount {amount!r} {currency!r}") from exc


def close_date(value: str, time_zone: str = "UTC") -> dt.date:
    """The calendar day of ``closedate`` in the portal's time zone."""
    if len(value) == 10 and value[4] == "-":
        return dt.date.fromisoformat(value)
    return parse_timestamp(value).astimezone(ZoneInfo(time_zone)).date()
