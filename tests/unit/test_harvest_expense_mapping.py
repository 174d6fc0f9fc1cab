"""Property tests of the Harvest expense and task-assignment mappings."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.connectors.harvest import mapping
from baton.connectors.harvest.mapping_expenses import expense, expense_amount, task
from baton.model import ApprovalStatus

ACCOUNT = mapping.HarvestAccount(
    currency="JPY", legal_entity_id="LE", cost_center_id="CC"
)
ids = st.integers(min_value=1, max_value=2**31 - 1)
days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))
edge_days = st.sampled_from(
    [
        dt.date(1999, 12, 31),
        dt.date(2000, 1, 1),
        dt.date(2023, 12, 31),
        dt.date(2024, 1, 1),
        dt.date(2024, 1, 31),
        dt.date(2024, 2, 29),
        dt.date(2024, 3, 1),
        dt.date(2100, 2, 28),
    ]
)
amounts = st.one_of(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10) ** 15, places=2),
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(10) ** 20, places=4),
    st.sampled_from([Decimal("0.01"), Decimal("99999999999999999.99"), Decimal(1)]),
)
currencies = st.sampled_from(["USD", "EUR", "JPY", "KWD", None])
# Harvest timestamps around the turn of a month or a year, in any offset
instants = st.builds(
    lambda day, sec, minutes: (
        dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) + dt.timedelta(seconds=sec)
    ).astimezone(dt.timezone(dt.timedelta(minutes=minutes))),
    st.sampled_from([dt.date(2024, 1, 1), dt.date(2024, 3, 1), dt.date(2025, 1, 1)]),
    st.integers(min_value=-86_400, max_value=86_400),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
OPTIONAL = [
    "client",
    "project",
    "receipt",
    "notes",
    "billable",
    "is_closed",
    "is_locked",
    "is_billed",
    "locked_reason",
    "invoice",
    "units",
]


def over_json(raw: dict, amount: Decimal) -> dict:
    """What the client hands the mapping: JSON text parsed with exact decimals,
    ``total_cost`` a bare JSON number with the digits as drawn."""
    text = json.dumps(raw)[:-1] + f', "total_cost": {amount}}}'
    return json.loads(text, parse_float=Decimal)


@st.composite
def harvest_expenses(draw) -> dict:
    amount = draw(amounts)
    raw = {
        "id": draw(ids),
        "spent_date": draw(st.one_of(days, edge_days)).isoformat(),
        "user": {"id": draw(ids), "name": draw(st.text(max_size=20))},
        "project": {"id": draw(ids), "name": "p", "code": draw(st.text(max_size=5))},
        "client": {"id": draw(ids), "name": "c", "currency": draw(currencies)},
        "expense_category": {
            "id": draw(ids),
            "name": draw(st.text(max_size=30)),
            "unit_price": None,
            "unit_name": None,
        },
        "units": 1,
        "notes": draw(st.one_of(st.none(), st.text(max_size=200))),
        "billable": draw(st.sampled_from([True, False, None])),
        "is_closed": draw(st.booleans()),
        "is_locked": draw(st.booleans()),
        "is_billed": draw(st.booleans()),
        "receipt": draw(
            st.sampled_from([None, {"url": "https://r", "file_name": "r"}])
        ),
        "updated_at": "2024-01-01T00:00:00Z",
    }
    for key in draw(st.lists(st.sampled_from(OPTIONAL), unique=True)):
        raw.pop(key, None)
    return over_json(raw, amount) | {"_amount": amount}


@given(harvest_expenses())
def test_an_expense_maps_with_exact_money_and_every_optional_field_missing(raw):
    amount = raw.pop("_amount")
    exp = expense(raw, ACCOUNT)
    assert exp.amount.amount == amount
    assert str(exp.amount.amount) == str(amount)  # same digits: nothing rounded
    client = raw.get("client") or {}
    assert exp.amount.currency == (client.get("currency") or "JPY")
    assert exp.expense_date.isoformat() == raw["spent_date"]
    assert exp.worker_id == f"harvest:user:{raw['user']['id']}"
    project = raw.get("project")
    assert exp.project_id == (project and f"harvest:project:{project['id']}")
    assert exp.description == ((raw.get("notes") or "").strip() or None)
    assert exp.category == (
        raw["expense_category"]["name"].strip() or str(raw["expense_category"]["id"])
    )
    assert exp.billable is (raw.get("billable") is True)
    assert exp.receipt_attached is bool(raw.get("receipt"))
    assert exp.external_ids == {"harvest": str(raw["id"])}
    assert exp.task_id is None
    assert exp.merchant is None


@given(harvest_expenses())
def test_only_a_closed_expense_is_approved(raw):
    raw.pop("_amount")
    status = expense(raw, ACCOUNT).status
    if raw.get("is_closed"):
        assert status is ApprovalStatus.APPROVED
    elif raw.get("is_locked"):
        billed = raw.get("is_billed")
        assert status is (
            ApprovalStatus.APPROVED if billed else ApprovalStatus.SUBMITTED
        )
    else:
        assert status is ApprovalStatus.DRAFT


def test_an_unapproved_expense_is_not_approved():
    raw = {
        "id": 1,
        "spent_date": "2024-02-29",
        "user": {"id": 2},
        "total_cost": 5,
        "expense_category": {"id": 3, "name": "Meals"},
        "is_closed": False,
    }
    assert expense(raw, ACCOUNT).status is ApprovalStatus.DRAFT
    locked = expense(raw | {"is_locked": True}, ACCOUNT).status
    assert locked is ApprovalStatus.SUBMITTED  # archived project: nobody approved
    assert expense(raw | {"is_closed": True}, ACCOUNT).status is ApprovalStatus.APPROVED


@given(
    st.integers(min_value=1, max_value=10**9),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal(10**6), places=3),
)
def test_a_unit_priced_expense_without_total_is_units_times_price_exactly(units, price):
    raw = {"units": units, "expense_category": {"unit_price": str(price)}}
    assert expense_amount(raw) == units * price


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"total_cost": 0}, "greater than zero"),
        ({"total_cost": Decimal("-12.5")}, "greater than zero"),
        ({"total_cost": "NaN"}, "finite"),
        ({"total_cost": None}, "total_cost is missing"),
        ({"user": None}, "user is missing"),
        ({"spent_date": None}, "spent_date is missing"),
        ({"expense_category": None}, "expense_category is missing"),
        ({"expense_category": {"name": " "}}, "expense_category is missing"),
    ],
)
def test_an_unmappable_expense_raises_a_value_error(change, says):
    raw = {
        "id": 1,
        "spent_date": "2024-01-31",
        "user": {"id": 2},
        "total_cost": 5,
        "expense_category": {"id": 3, "name": "Meals"},
    } | change
    with pytest.raises(ValueError, match=says):
        expense(raw, ACCOUNT)


@given(
    ids,
    ids,
    ids,
    st.text(max_size=60),
    st.sampled_from([True, False, None]),
    st.sampled_from([True, False, None]),
    instants,
)
def test_a_task_assignment_is_a_task_of_the_projects_streams_project(
    aid, pid, tid, name, billable, active, updated
):
    raw = {
        "id": aid,
        "project": {"id": pid, "name": "p", "code": "P"},
        "task": {"id": tid, "name": name},
        "billable": billable,
        "is_active": active,
        "hourly_rate": Decimal("100.0"),
        "created_at": "2017-08-22T17:36:54Z",
        "updated_at": updated.isoformat(),
    }
    project_raw = {
        "id": pid,
        "name": "p",
        "client": {"id": 1},
        "created_at": "2024-01-01",
    }
    got = task(raw)
    assert got.project_id == mapping.project(project_raw, ACCOUNT).id
    assert got.id == f"harvest:task_assignment:{aid}"
    assert got.code == str(tid)
    assert got.name == (name.strip() or str(tid))
    assert got.billable is (billable is not False)
    ended = updated.astimezone(dt.UTC).date() if active is False else None
    assert got.end_date == ended
    assert got.start_date is None


@pytest.mark.parametrize("missing", ["task", "project"])
def test_a_task_assignment_without_task_or_project_raises(missing):
    raw = {"id": 1, "project": {"id": 2}, "task": {"id": 3, "name": "x"}}
    with pytest.raises(ValueError, match=f"{missing} is missing"):
        task(raw | {missing: None})
