"""Pure HubSpot → canonical mapping: companies, deals, line items.

HubSpot sends every property as a string (or omits it); associations
arrive as ``{"associations": {type: {"results": [{"id", "type"}]}}}``.
* company → ``Customer``; the parent comes from ``hs_parent_company_id``, else
  from a ``companies`` association whose type names the parent.
* deal → ``Opportunity``; ``dealstage`` ids of the default pipeline map to a
  stage (``closedwon`` → won), other ids through ``stages`` or the
  ``hs_is_closed_won``/``hs_is_closed`` flags; ``amount`` +
  ``deal_currency_code`` → exact ``Money`` (the portal currency when the
  code is missing); ``closedate`` is read in the portal's time zone.
* line item → ``ContractLine`` of its deal's contract. Ids: ``hubspot:<kind>:<id>``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from baton.model.commercial import ContractLine, Opportunity, OpportunityStage
from baton.model.common import BillingMethod, Money
from baton.model.customer import Customer

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "DEFAULT_STAGES",
    "MAPPING_VERSION",
    "SYSTEM",
    "HubSpotPortal",
    "MappingError",
    "canonical_id",
    "close_date",
    "company_to_customer",
    "deal_to_opportunity",
    "event_id",
    "line_item_to_contract_line",
    "modified_at",
    "parse_money",
    "parse_timestamp",
]

MAPPING_VERSION = "hubspot/v1"
SYSTEM = "hubspot"

DEFAULT_STAGES: dict[str, OpportunityStage] = {
    "appointmentscheduled": OpportunityStage.PROSPECTING,
    "qualifiedtobuy": OpportunityStage.QUALIFICATION,
    "presentationscheduled": OpportunityStage.PROPOSAL,
    "decisionmakerboughtin": OpportunityStage.NEGOTIATION,
    "contractsent": OpportunityStage.NEGOTIATION,
    "closedwon": OpportunityStage.CLOSED_WON,
    "closedlost": OpportunityStage.CLOSED_LOST,
}


class MappingError(ValueError):
    """A HubSpot object that cannot become a canonical record."""


@dataclass(frozen=True, slots=True)
class HubSpotPortal:
    """What the mapping needs and HubSpot objects do not carry."""

    currency: str = "USD"
    time_zone: str = "UTC"
    stages: Mapping[str, OpportunityStage] = field(default_factory=dict)


def canonical_id(kind: str, hubspot_id: object) -> str:
    """The provisional canonical id of a HubSpot object."""
    return f"{SYSTEM}:{kind}:{hubspot_id}"


def _props(obj: Mapping[str, Any]) -> dict[str, str]:
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
    value = _props(obj).get("hs_lastmodifieddate") or obj.get("updatedAt")
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


def _associated(obj: Mapping[str, Any], to: str) -> list[dict[str, str]]:
    assoc = (obj.get("associations") or {}).get(to) or {}
    return [
        {"id": str(r["id"]), "type": str(r.get("type", ""))}
        for r in assoc.get("results") or []
        if isinstance(r, dict) and r.get("id") is not None
    ]


def _base(kind: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": canonical_id(kind, obj["id"]),
        "source_system": SYSTEM,
        "external_ids": {SYSTEM: str(obj["id"])},
    }


def company_to_customer(obj: Mapping[str, Any]) -> Customer:
    """A HubSpot company as a canonical ``Customer``."""
    props = _props(obj)
    name = props.get("name") or props.get("domain")
    if not name:
        raise MappingError(f"company {obj.get('id')} has no name or domain")
    parent = props.get("hs_parent_company_id")
    if parent is None:
        parents = [a for a in _associated(obj, "companies") if "parent" in a["type"]]
        parent = parents[0]["id"] if parents else None
    country = props.get("country", "")
    return Customer(
        **_base("company", obj),
        name=name,
        parent_id=canonical_id("company", parent) if parent else None,
        country=country.upper() if len(country) == 2 else None,
        active=not obj.get("archived", False),
    )


def _stage(props: Mapping[str, str], portal: HubSpotPortal) -> OpportunityStage:
    stage = props.get("dealstage", "")
    known = portal.stages.get(stage) or DEFAULT_STAGES.get(stage)
    if known is not None:
        return known
    if props.get("hs_is_closed_won") == "true":
        return OpportunityStage.CLOSED_WON
    if props.get("hs_is_closed") == "true":
        return OpportunityStage.CLOSED_LOST
    return OpportunityStage.PROSPECTING


def _probability(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = (Decimal(text) * 100).quantize(Decimal(1))
    except InvalidOperation:
        return None
    return int(value) if 0 <= value <= 100 else None


def deal_to_opportunity(
    obj: Mapping[str, Any], portal: HubSpotPortal | None = None
) -> Opportunity:
    """A HubSpot deal as a canonical ``Opportunity`` (needs a company)."""
    portal = portal or HubSpotPortal()
    props = _props(obj)
    companies = _associated(obj, "companies")
    if not companies:
        raise MappingError(f"deal {obj.get('id')} is not associated with a company")
    closes = props.get("closedate")
    owner = props.get("hubspot_owner_id")
    return Opportunity(
        **_base("deal", obj),
        customer_id=canonical_id("company", companies[0]["id"]),
        name=props.get("dealname") or f"deal {obj['id']}",
        stage=_stage(props, portal),
        amount=parse_money(
            props.get("amount"), props.get("deal_currency_code") or portal.currency
        ),
        probability_percent=_probability(props.get("hs_deal_stage_probability")),
        expected_close_date=close_date(closes, portal.time_zone) if closes else None,
        owner_worker_id=canonical_id("owner", owner) if owner else None,
    )


def line_item_to_contract_line(
    obj: Mapping[str, Any], portal: HubSpotPortal | None = None
) -> ContractLine:
    """A HubSpot line item as a ``ContractLine`` of its deal's contract."""
    portal = portal or HubSpotPortal()
    props = _props(obj)
    deals = _associated(obj, "deals")
    if not deals:
        raise MappingError(f"line item {obj.get('id')} is not associated with a deal")
    position = props.get("hs_position_on_quote", "")
    recurring = props.get("recurringbillingfrequency")
    currency = props.get("hs_line_item_currency_code") or portal.currency
    return ContractLine(
        **_base("line_item", obj),
        contract_id=canonical_id("deal", deals[0]["id"]),
        line_number=int(position) + 1 if position.isdigit() else 1,
        description=props.get("name")
        or props.get("hs_sku")
        or f"line item {obj['id']}",
        billing_method=BillingMethod.RETAINER if recurring else BillingMethod.FIXED_FEE,
        amount=parse_money(props.get("amount"), currency),
    )
