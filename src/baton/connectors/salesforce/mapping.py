"""Salesforce sObjects → canonical models (pure: no I/O, no clock).

Ids: a record's canonical id is the provisional ``salesforce:<kind>:<Id>``
(:func:`canonical_id`); the 18-character Salesforce Id is kept in
``external_ids["salesforce"]``. References (``AccountId``, ``ParentId``,
``OwnerId``) use the same scheme so they agree across streams.

Amounts arrive as ``Decimal`` (the client parses JSON numbers exactly) and
become ``Money`` in ``CurrencyIsoCode`` (multi-currency orgs only) or else
the org's corporate currency (:class:`SalesforceOrg`). Floats are refused.

Line items have no contract of their own: until a contract is set up, their
``contract_id`` is the provisional contract of their opportunity
(``salesforce:opportunity:<OpportunityId>``).

Account hierarchies: a record that is its own parent is refused;
:func:`closes_cycle` lets the stream drop a ``ParentId`` that would close a
longer loop (the record is kept without a parent).

:data:`FIELDS` lists every field the mapping reads per sObject; the SOQL the
connector sends selects exactly these (tests check them against the
WSDL-derived standard field list). ``CurrencyIsoCode`` is added only for
multi-currency orgs (elsewhere the field does not exist).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from baton.connectors.salesforce.values import (
    FIELDS,
    MAPPING_VERSION,
    SYSTEM,
    MappingError,
    SalesforceOrg,
    canonical_id,
    closes_cycle,
    event_id,
    format_cursor,
    parse_amount,
    parse_timestamp,
)
from baton.model import (
    BillingMethod,
    Contract,
    ContractLine,
    ContractStatus,
    Customer,
    Opportunity,
    OpportunityStage,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "FIELDS",
    "MAPPING_VERSION",
    "SYSTEM",
    "MappingError",
    "SalesforceOrg",
    "account_to_customer",
    "canonical_id",
    "closes_cycle",
    "contract_to_contract",
    "event_id",
    "format_cursor",
    "line_item_to_contract_line",
    "opportunity_to_opportunity",
    "parse_amount",
    "parse_timestamp",
]

_STAGES = {
    "prospecting": OpportunityStage.PROSPECTING,
    "qualification": OpportunityStage.QUALIFICATION,
    "needs analysis": OpportunityStage.QUALIFICATION,
    "value proposition": OpportunityStage.QUALIFICATION,
    "id. decision makers": OpportunityStage.QUALIFICATION,
    "perception analysis": OpportunityStage.QUALIFICATION,
    "proposal/price quote": OpportunityStage.PROPOSAL,
    "negotiation/review": OpportunityStage.NEGOTIATION,
    "closed won": OpportunityStage.CLOSED_WON,
    "closed lost": OpportunityStage.CLOSED_LOST,
}
_CONTRACT_STATUS = {
    "Draft": ContractStatus.DRAFT,
    "InApproval": ContractStatus.DRAFT,
    "Activated": ContractStatus.ACTIVE,
    "Terminated": ContractStatus.TERMINATED,
    "Expired": ContractStatus.EXPIRED,
}


def _date(raw: Mapping[str, Any], field: str) -> dt.date | None:
    value = raw.get(field)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise MappingError(f"{field} is not a date: {value!r}") from exc


def _required(raw: Mapping[str, Any], field: str) -> str:
    value = raw.get(field)
    if value is None or not str(value).strip():
        raise MappingError(f"{raw.get('Id')}: {field} is missing")
    return str(value)


def _base(kind: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    sf_id = _required(raw, "Id")
    return {
        "id": canonical_id(kind, sf_id),
        "source_system": SYSTEM,
        "external_ids": {SYSTEM: sf_id},
    }


def _currency(raw: Mapping[str, Any], org: SalesforceOrg) -> str:
    return str(raw.get("CurrencyIsoCode") or org.currency)


def account_to_customer(
    raw: Mapping[str, Any], *, drop_parent: bool = False
) -> Customer:
    """An Account as a ``Customer`` (``ParentId`` → ``parent_id``)."""
    base = _base("account", raw)
    parent = raw.get("ParentId")
    if parent is not None and str(parent) == str(raw["Id"]):
        raise MappingError(f"account {raw['Id']} is its own parent")
    country = str(raw.get("BillingCountry") or "").strip()
    return Customer(
        **base,
        name=_required(raw, "Name"),
        parent_id=canonical_id("account", parent)
        if parent and not drop_parent
        else None,
        country=country.upper() if len(country) == 2 and country.isalpha() else None,
        active=not raw.get("IsDeleted", False),
    )


def _stage(raw: Mapping[str, Any]) -> OpportunityStage:
    if raw.get("IsWon") is True:
        return OpportunityStage.CLOSED_WON
    known = _STAGES.get(str(raw.get("StageName") or "").strip().lower())
    if known is not None:
        return known
    if raw.get("IsClosed") is True:
        return OpportunityStage.CLOSED_LOST
    return OpportunityStage.PROSPECTING


def _probability(value: object) -> int | None:
    if value is None or isinstance(value, float | bool):
        return None
    try:
        pct = Decimal(str(value)).quantize(Decimal(1))
    except InvalidOperation:
        return None
    return int(pct) if 0 <= pct <= 100 else None


def opportunity_to_opportunity(
    raw: Mapping[str, Any], org: SalesforceOrg
) -> Opportunity:
    """An Opportunity (``StageName`` "Closed Won" or ``IsWon`` → won)."""
    owner = raw.get("OwnerId")
    return Opportunity(
        **_base("opportunity", raw),
        customer_id=canonical_id("account", _required(raw, "AccountId")),
        name=str(raw.get("Name") or "").strip() or f"opportunity {raw['Id']}",
        stage=_stage(raw),
        amount=parse_amount(raw.get("Amount"), _currency(raw, org)),
        probability_percent=_probability(raw.get("Probability")),
        expected_close_date=_date(raw, "CloseDate"),
        owner_worker_id=canonical_id("user", owner) if owner else None,
    )


def line_item_to_contract_line(
    raw: Mapping[str, Any], org: SalesforceOrg
) -> ContractLine:
    """An OpportunityLineItem as a line of its opportunity's contract."""
    sort = raw.get("SortOrder")
    number = sort if isinstance(sort, int) and not isinstance(sort, bool) else 0
    description = str(raw.get("Name") or raw.get("Description") or "").strip()
    return ContractLine(
        **_base("opportunity_line_item", raw),
        contract_id=canonical_id("opportunity", _required(raw, "OpportunityId")),
        line_number=max(number, 1),
        description=description or f"line item {raw['Id']}",
        billing_method=BillingMethod.FIXED_FEE,
        amount=parse_amount(raw.get("TotalPrice"), _currency(raw, org)),
    )


def contract_to_contract(raw: Mapping[str, Any], org: SalesforceOrg) -> Contract:
    """A Contract (``StatusCode`` → status; a start date is required)."""
    start = _date(raw, "StartDate")
    if start is None:
        raise MappingError(f"contract {raw.get('Id')} has no StartDate")
    number = str(raw.get("ContractNumber") or "").strip() or None
    description = str(raw.get("Description") or "").strip().splitlines()
    title = description[0] if description else f"Contract {number or raw['Id']}"
    status = _CONTRACT_STATUS.get(str(raw.get("StatusCode") or ""))
    return Contract(
        **_base("contract", raw),
        customer_id=canonical_id("account", _required(raw, "AccountId")),
        legal_entity_id=org.legal_entity_id,
        number=number,
        title=title[:255],
        status=status or ContractStatus.DRAFT,
        currency=_currency(raw, org).upper(),
        start_date=start,
        end_date=_date(raw, "EndDate"),
    )
