"""Salesforce → canonical: hierarchy loops, unicode, extreme amounts, dates, gaps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.connectors.salesforce.mapping import (
    MappingError,
    SalesforceOrg,
    account_to_customer,
    closes_cycle,
    contract_to_contract,
    event_id,
    line_item_to_contract_line,
    opportunity_to_opportunity,
    parse_amount,
)
from baton.model import ContractStatus, OpportunityStage

ORG = SalesforceOrg(currency="USD", legal_entity_id="LE-US")
NAMES = st.text(min_size=1, max_size=40).filter(lambda s: s.strip())
IDS = st.integers(0, 30).map(lambda i: f"001{i:012d}AAA")
STAMP = "2024-02-29T23:59:59.000+0000"
OPTIONAL = ("Amount", "Probability", "CloseDate", "OwnerId", "StageName", "Name")
EDGE_DAYS = st.dates(dt.date(1900, 1, 1), dt.date(2399, 12, 31)).filter(
    lambda d: d.day in (1, 28, 29, 30, 31) or d.month in (1, 12)
)


def opp(**fields: object) -> dict[str, object]:
    return {
        "Id": "006000000000001AAA",
        "SystemModstamp": STAMP,
        "AccountId": "001000000000001AAA",
        "Name": "Deal",
        "StageName": "Closed Won",
        "Amount": Decimal("10.00"),
        "CloseDate": "2024-12-31",
        **fields,
    }


@given(st.dictionaries(IDS, IDS, max_size=25), st.lists(st.tuples(IDS, IDS)))
def test_linking_accounts_with_the_loop_guard_never_makes_a_loop(start, links):
    parents: dict[str, str | None] = {}
    for child, parent in [*start.items(), *links]:
        if child == parent:
            with pytest.raises(MappingError, match="own parent"):
                account_to_customer({"Id": child, "Name": "x", "ParentId": parent})
            continue
        loop = closes_cycle(parents, child, parent)
        customer = account_to_customer(
            {"Id": child, "Name": "x", "ParentId": parent}, drop_parent=loop
        )
        assert (customer.parent_id is None) == loop
        parents[child] = None if loop else parent
    for node in parents:  # walking up from anywhere ends at a root
        seen: set[str] = set()
        current: str | None = node
        while current is not None:
            assert current not in seen
            seen.add(current)
            current = parents.get(current)


@given(NAMES, st.sampled_from(["DE", "jp", "Deutschland", "", None]))
def test_unicode_account_names_survive(name, country):
    customer = account_to_customer(
        {"Id": "001000000000001AAA", "Name": name, "BillingCountry": country}
    )
    assert customer.name.strip() == name.strip()  # pydantic trims less than str
    assert customer.country in (None, "DE", "JP")
    assert customer.external_ids == {"salesforce": "001000000000001AAA"}


@given(
    st.decimals(
        min_value=Decimal(-(10**18)) + 1,
        max_value=Decimal(10**18) - 1,
        allow_nan=False,
        allow_infinity=False,
    ),
    st.sampled_from(["USD", "JPY", "KWD", "eur", None]),
)
def test_extreme_amounts_stay_exact(amount, iso):
    raw = opp(Amount=amount, **({"CurrencyIsoCode": iso} if iso else {}))
    money = opportunity_to_opportunity(raw, ORG).amount
    assert money is not None
    assert money.amount == amount
    assert money.currency == (iso or "USD").upper()


@pytest.mark.parametrize(
    "amount", [1.5, Decimal("1e18"), Decimal("NaN"), Decimal("-Infinity"), "12,5"]
)
def test_floats_and_unrepresentable_amounts_are_refused(amount):
    with pytest.raises(MappingError):
        parse_amount(amount, "USD")


@given(EDGE_DAYS, st.booleans())
def test_close_dates_at_month_and_year_boundaries_are_kept(day, won):
    stage = "Closed Won" if won else "Negotiation/Review"
    result = opportunity_to_opportunity(
        opp(CloseDate=day.isoformat(), StageName=stage, IsWon=won), ORG
    )
    assert result.expected_close_date == day
    won_or_not = OpportunityStage.CLOSED_WON if won else OpportunityStage.NEGOTIATION
    assert result.stage is won_or_not


@given(st.sets(st.sampled_from(OPTIONAL)))
def test_missing_optional_fields_map_to_none_or_defaults(dropped):
    raw = {
        k: v for k, v in opp(Probability=55, OwnerId="005x").items() if k not in dropped
    }
    result = opportunity_to_opportunity(raw, ORG)
    assert (result.amount is None) == ("Amount" in dropped)
    assert (result.expected_close_date is None) == ("CloseDate" in dropped)
    assert (result.owner_worker_id is None) == ("OwnerId" in dropped)
    assert (result.probability_percent is None) == ("Probability" in dropped)
    assert result.name == (
        "opportunity 006000000000001AAA" if "Name" in dropped else "Deal"
    )
    assert result.customer_id == "salesforce:account:001000000000001AAA"


def test_a_record_without_its_required_reference_is_refused():
    with pytest.raises(MappingError, match="AccountId is missing"):
        opportunity_to_opportunity(opp(AccountId=None), ORG)
    with pytest.raises(MappingError, match="OpportunityId is missing"):
        line_item_to_contract_line({"Id": "00k1", "TotalPrice": Decimal(1)}, ORG)
    with pytest.raises(MappingError, match="no StartDate"):
        contract_to_contract({"Id": "8001", "AccountId": "0011"}, ORG)


@given(st.one_of(st.none(), st.integers(-3, 500)), st.one_of(st.none(), NAMES))
def test_line_items_become_lines_of_their_opportunitys_contract(sort, name):
    line = line_item_to_contract_line(
        {"Id": "00k1", "OpportunityId": "0061", "SortOrder": sort, "Name": name,
         "TotalPrice": Decimal("0.10")},
        ORG,
    )  # fmt: skip
    assert line.contract_id == "salesforce:opportunity:0061"
    assert line.line_number == max(sort or 0, 1)
    assert line.description == (name.strip() if name else "line item 00k1")
    assert str(line.amount) == "0.10 USD"


@pytest.mark.parametrize(
    ("code", "status"),
    [("Activated", ContractStatus.ACTIVE), ("Draft", ContractStatus.DRAFT),
     ("Terminated", ContractStatus.TERMINATED), (None, ContractStatus.DRAFT)],
)  # fmt: skip
def test_contracts_map_status_dates_and_title(code, status):
    contract = contract_to_contract(
        {"Id": "8001", "AccountId": "0011", "StatusCode": code, "ContractNumber": "00000100",
         "StartDate": "2024-01-01", "EndDate": "2024-12-31", "Description": None},
        ORG,
    )  # fmt: skip
    assert contract.status is status
    assert contract.title == "Contract 00000100"
    assert (contract.currency, contract.legal_entity_id) == ("USD", "LE-US")


def test_event_ids_are_per_version_and_normalised_to_utc():
    a = event_id("Opportunity", opp(SystemModstamp="2024-12-31T23:30:00.000-0100"))
    b = event_id("Opportunity", opp(SystemModstamp="2025-01-01T00:30:00.000Z"))
    assert (
        a == b == "salesforce:Opportunity:006000000000001AAA:2025-01-01T00:30:00.000Z"
    )
