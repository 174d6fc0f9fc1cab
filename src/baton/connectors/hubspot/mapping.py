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

Value parsing lives in :mod:`.values` (re-exported here); canonical → HubSpot
bodies in :mod:`.write_mapping`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from baton.connectors.hubspot.values import (
    SYSTEM,
    MappingError,
    canonical_id,
    close_date,
    event_id,
    modified_at,
    parse_money,
    parse_timestamp,
)
from baton.connectors.hubspot.values import props_of as _props
from baton.model.commercial import ContractLine, Opportunity, OpportunityStage
from baton.model.common import BillingMethod
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

DEFAULT_STAGES: dict[str, OpportunityStage] = {
    "appointmentscheduled": OpportunityStage.PROSPECTING,
    "qualifiedtobuy": OpportunityStage.QUALIFICATION,
    "presentationscheduled": OpportunityStage.PROPOSAL,
    "decisionmakerboughtin": OpportunityStage.NEGOTIATION,
    "contractsent": OpportunityStage.NEGOTIATION,
    "closedwon": OpportunityStage.CLOSED_WON,
    "closedlost": OpportunityStage.CLOSED_LOST,
}


@dataclass(frozen=True, slots=True)
class HubSpotPortal:
    """What the mapping needs and HubSpot objects do not carry."""

    currency: str = "USD"
    time_zone: str = "UTC"
    stages: Mapping[str, OpportunityStage] = field(default_factory=dict)


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
