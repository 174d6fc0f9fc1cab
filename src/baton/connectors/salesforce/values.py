"""Salesforce values shared by the mapping and the streams (pure).

Ids are ``salesforce:<kind>:<Id>`` (:func:`canonical_id`); ``event_id`` is
``salesforce:<sObject>:<Id>:<SystemModstamp>``; amounts are exact
(:func:`parse_amount` refuses floats, non-finite values and more than the 18
digits a currency field holds). :data:`FIELDS` is every field the mapping
reads per sObject, selected by the connector's SOQL and checked against the
WSDL-derived field list by the contract tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from baton.model import Money

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "FIELDS",
    "MAPPING_VERSION",
    "SYSTEM",
    "MappingError",
    "SalesforceOrg",
    "canonical_id",
    "closes_cycle",
    "event_id",
    "format_cursor",
    "parse_amount",
    "parse_timestamp",
]

MAPPING_VERSION = "salesforce-1"
SYSTEM = "salesforce"
MAX_AMOUNT = Decimal(10) ** 18  # currency fields hold at most 18 digits
_AUDIT = ("Id", "SystemModstamp", "IsDeleted")
FIELDS: dict[str, tuple[str, ...]] = {
    "Account": (*_AUDIT, "Name", "ParentId", "BillingCountry"),
    "Opportunity": (
        *_AUDIT,
        "AccountId",
        "Name",
        "StageName",
        "IsClosed",
        "IsWon",
        "Amount",
        "Probability",
        "CloseDate",
        "OwnerId",
    ),
    "OpportunityLineItem": (
        *_AUDIT,
        "OpportunityId",
        "Name",
        "Description",
        "SortOrder",
        "TotalPrice",
    ),
    "Contract": (
        *_AUDIT,
        "AccountId",
        "ContractNumber",
        "Description",
        "StatusCode",
        "StartDate",
        "EndDate",
    ),
}


class MappingError(ValueError):
    """A Salesforce record that cannot become a canonical record."""


@dataclass(frozen=True, slots=True)
class SalesforceOrg:
    """What the org does not say on each record.

    Attributes:
        currency: the corporate currency (amounts without ``CurrencyIsoCode``).
        legal_entity_id: the firm's contracting legal entity for contracts.
        multi_currency: whether records carry ``CurrencyIsoCode``.
    """

    currency: str
    legal_entity_id: str
    multi_currency: bool = False

    def fields(self, sobject: str) -> tuple[str, ...]:
        """The fields to SELECT for ``sobject``."""
        extra = ("CurrencyIsoCode",) if self.multi_currency else ()
        return FIELDS[sobject] + (extra if sobject != "Account" else ())


def canonical_id(kind: str, sf_id: object) -> str:
    """``salesforce:<kind>:<Id>``."""
    return f"{SYSTEM}:{kind}:{sf_id}"


def parse_timestamp(value: str) -> dt.datetime:
    """A Salesforce dateTime (``2024-01-01T00:00:00.000+0000``) in UTC."""
    try:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MappingError(f"not a dateTime: {value!r}") from exc
    if stamp.tzinfo is None:
        raise MappingError(f"dateTime without a time zone: {value!r}")
    return stamp.astimezone(dt.UTC)


def event_id(sobject: str, raw: Mapping[str, Any]) -> str:
    """``salesforce:<sObject>:<Id>:<SystemModstamp>`` (unique per version)."""
    stamp = parse_timestamp(str(raw["SystemModstamp"]))
    text = stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return f"{SYSTEM}:{sobject}:{raw['Id']}:{text}"


def parse_amount(value: object, currency: str) -> Money | None:
    """Exact ``Money`` from a Salesforce currency field (None when absent).

    Raises:
        MappingError: a float, not finite, over 18 digits, unknown currency.
    """
    if value is None:
        return None
    if isinstance(value, float | bool):
        raise MappingError(f"amount must be exact, got {type(value).__name__}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise MappingError(f"amount is not a number: {value!r}") from exc
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise MappingError(f"amount out of range: {value!r}")
    if amount.as_tuple().exponent > 0:  # type: ignore[operator]
        amount = amount.quantize(Decimal(1))
    try:
        return Money(amount=amount, currency=currency.strip().upper())
    except ValueError as exc:
        raise MappingError(f"unusable currency {currency!r}") from exc


def closes_cycle(parents: Mapping[str, str | None], child: str, parent: str) -> bool:
    """Whether linking ``child`` under ``parent`` closes a loop in ``parents``."""
    seen: set[str] = set()
    node: str | None = parent
    while node is not None and node not in seen:
        if node == child:
            return True
        seen.add(node)
        node = parents.get(node)
    return False


def format_cursor(stamp: dt.datetime) -> str:
    """A SOQL dateTime literal, truncated to the second (``…T10:00:00Z``)."""
    return stamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
