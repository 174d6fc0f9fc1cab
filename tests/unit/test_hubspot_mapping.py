"""HubSpot → canonical: unicode names, missing properties, exact amounts, close dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.connectors.hubspot.mapping import (
    HubSpotPortal,
    MappingError,
    close_date,
    company_to_customer,
    deal_to_opportunity,
    line_item_to_contract_line,
    parse_money,
)
from baton.model.commercial import OpportunityStage

NAMES = st.text(min_size=1, max_size=40).filter(lambda s: s.strip())
OPTIONAL = (
    "amount",
    "deal_currency_code",
    "closedate",
    "hubspot_owner_id",
    "dealstage",
)
ZONES = st.sampled_from(
    [
        "UTC",
        "America/Los_Angeles",
        "Asia/Kolkata",
        "Pacific/Kiritimati",
        "Europe/Berlin",
    ]
)


def deal(props: dict[str, str]) -> dict[str, object]:
    return {
        "id": "9",
        "properties": props,
        "associations": {
            "companies": {"results": [{"id": "5", "type": "deal_to_company"}]}
        },
    }


@given(NAMES, st.one_of(st.none(), st.integers(1, 10**12)))
def test_company_names_survive_and_parent_links(name, parent):
    props = {"name": name} | ({"hs_parent_company_id": str(parent)} if parent else {})
    customer = company_to_customer({"id": "0", "properties": props})
    assert customer.name == name.strip()
    assert customer.parent_id == (f"hubspot:company:{parent}" if parent else None)


@given(st.sets(st.sampled_from(OPTIONAL)))
def test_missing_optional_deal_properties(dropped):
    full = {
        "dealname": "x",
        "amount": "12.5",
        "deal_currency_code": "GBP",
        "closedate": "2025-01-01T00:00:00Z",
        "hubspot_owner_id": "3",
        "dealstage": "closedwon",
    }
    opp = deal_to_opportunity(deal({k: v for k, v in full.items() if k not in dropped}))
    assert (opp.amount is None) == ("amount" in dropped)
    if "amount" not in dropped:
        assert opp.amount.currency == (
            "USD" if "deal_currency_code" in dropped else "GBP"
        )
    assert (opp.stage is OpportunityStage.CLOSED_WON) == ("dealstage" not in dropped)
    assert (opp.expected_close_date is None) == ("closedate" in dropped)


@given(
    st.decimals(
        allow_nan=False,
        allow_infinity=False,
        min_value=Decimal("-1e30"),
        max_value=Decimal("1e30"),
    )
)
def test_amount_strings_are_exact(value):
    money = parse_money(str(value), "JPY")
    assert money is not None
    assert money.amount == value
    assert str(money.amount) == str(value)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "1,2x", "abc"])
def test_unusable_amounts_are_refused(text):
    with pytest.raises(MappingError):
        parse_money(text, "USD")


# from 2000: Pacific/Kiritimati skipped 31 Dec 1994 when it moved to UTC+14
@given(st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)), ZONES)
def test_close_date_is_the_portal_day(day, zone):
    edges = [day.replace(day=1), day.replace(month=12, day=31), day]
    for d in edges:
        local = dt.datetime.combine(d, dt.time(), ZoneInfo(zone))
        stamp = local.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        assert close_date(stamp, zone) == d
        opp = deal_to_opportunity(
            deal({"dealname": "x", "closedate": stamp}), HubSpotPortal(time_zone=zone)
        )
        assert opp.expected_close_date == d


def test_deal_without_company_and_line_item_without_deal_are_refused():
    with pytest.raises(MappingError):
        deal_to_opportunity({"id": "1", "properties": {}})
    with pytest.raises(MappingError):
        line_item_to_contract_line({"id": "1", "properties": {}})
    line = line_item_to_contract_line(
        {
            "id": "2",
            "properties": {
                "name": "Fee",
                "amount": "0.10",
                "hs_position_on_quote": "2",
            },
            "associations": {"deals": {"results": [{"id": "9"}]}},
        }
    )
    assert (line.contract_id, line.line_number, str(line.amount)) == (
        "hubspot:deal:9",
        3,
        "0.10 USD",
    )
