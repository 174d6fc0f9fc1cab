"""Canonical entities: construction, invariants, hours precision, round trips."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from baton.model import (
    ENTITIES,
    HOURS_PRECISION_CONTEXT_KEY,
    Assignment,
    BillingSchedule,
    Contract,
    Customer,
    Entity,
    EntityKind,
    Expense,
    HoursPrecision,
    InvoiceLine,
    InvoiceRequest,
    Money,
    OwnerTeam,
    PayrollAllocation,
    PurchaseOrder,
    RateCard,
    Task,
    TimeEntry,
    Worker,
    validate_hours,
)


def usd(amount: str) -> Money:
    return Money(amount=amount, currency="USD")


def usd_dict(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "USD"}


START = "2024-01-01"

# One valid payload per entity: the smallest a source could send.
VALID: dict[str, dict[str, Any]] = {
    "LegalEntity": {"name": "Acme LLC", "country": "US", "functional_currency": "USD"},
    "CostCenter": {"code": "CC1", "name": "Delivery", "legal_entity_id": "le1"},
    "BusinessUnit": {"code": "BU1", "name": "Advisory"},
    "GLDimension": {"dimension": "department", "code": "D1", "name": "Tax"},
    "TaxCode": {"code": "VAT20", "name": "VAT 20%", "rate": "0.2", "country": "GB"},
    "Customer": {"name": "Globex"},
    "Contact": {"customer_id": "c1", "name": "Ana Lima", "email": "ana@globex.com"},
    "Opportunity": {"customer_id": "c1", "name": "ERP rollout", "stage": "proposal"},
    "Contract": {
        "customer_id": "c1",
        "legal_entity_id": "le1",
        "title": "MSA",
        "status": "active",
        "currency": "USD",
        "start_date": START,
    },
    "ContractLine": {
        "contract_id": "k1",
        "line_number": 1,
        "description": "Implementation",
        "billing_method": "time_and_materials",
    },
    "RateCard": {
        "name": "Standard 2024",
        "currency": "USD",
        "effective_from": START,
        "lines": [{"role_id": "r1", "rate": usd_dict("150.00")}],
    },
    "Project": {
        "code": "P-100",
        "name": "Rollout",
        "customer_id": "c1",
        "legal_entity_id": "le1",
        "status": "active",
        "billing_method": "fixed_fee",
        "currency": "USD",
        "start_date": START,
    },
    "Task": {"project_id": "p1", "code": "1.1", "name": "Design"},
    "Milestone": {"project_id": "p1", "name": "Go-live", "due_date": "2024-06-30"},
    "BillingSchedule": {
        "project_id": "p1",
        "currency": "USD",
        "lines": [
            {"bill_date": "2024-01-31", "amount": usd_dict("1000"), "description": "1"}
        ],
    },
    "Worker": {
        "given_name": "Jo",
        "family_name": "Bloggs",
        "worker_type": "employee",
        "hire_date": START,
    },
    "Role": {"code": "CONS", "name": "Consultant"},
    "Location": {"code": "LON", "name": "London", "country": "GB"},
    "Assignment": {
        "worker_id": "w1",
        "project_id": "p1",
        "start_date": START,
        "bill_rate": usd_dict("150"),
        "cost_center_id": "cc1",
        "legal_entity_id": "le1",
    },
    "TimeEntry": {
        "worker_id": "w1",
        "project_id": "p1",
        "work_date": START,
        "hours": "7.5",
        "pay_code": "REG",
        "status": "submitted",
    },
    "Expense": {
        "worker_id": "w1",
        "expense_date": START,
        "amount": usd_dict("42.10"),
        "category": "travel",
        "status": "draft",
    },
    "InvoiceRequest": {
        "customer_id": "c1",
        "legal_entity_id": "le1",
        "currency": "USD",
        "invoice_date": START,
        "lines": [{"description": "Fees", "amount": usd_dict("100.00")}],
    },
    "RevenueEvent": {
        "project_id": "p1",
        "legal_entity_id": "le1",
        "recognition_date": START,
        "amount": usd_dict("-50.00"),
        "revenue_type": "milestone",
    },
    "PurchaseRequest": {
        "requester_worker_id": "w1",
        "description": "Licences",
        "amount": usd_dict("500"),
        "status": "submitted",
    },
    "PurchaseOrder": {
        "vendor_id": "v1",
        "legal_entity_id": "le1",
        "currency": "USD",
        "order_date": START,
        "lines": [
            {
                "line_number": 1,
                "description": "Licence",
                "quantity": "3",
                "unit_price": usd_dict("19.99"),
            }
        ],
    },
    "Vendor": {"name": "Initech"},
    "PayrollAllocation": {
        "worker_id": "w1",
        "legal_entity_id": "le1",
        "period_start": "2024-01-01",
        "period_end": "2024-01-15",
        "lines": [{"pay_code": "REG", "hours": "80"}],
    },
}


def build(entity: str, **overrides: Any) -> Any:
    return ENTITIES[entity].model_validate({"id": "x1", **VALID[entity], **overrides})


# --- every entity ------------------------------------------------------------


def test_every_entity_has_a_valid_example():
    assert set(VALID) == set(ENTITIES)


@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_entity_round_trips_through_json(name: str):
    entity = build(name, source_system="psa", external_ids={"psa": "123"})
    cls = ENTITIES[name]
    assert cls.model_validate_json(entity.model_dump_json()) == entity
    assert entity.external_ids == {"psa": "123"}


@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_entity_declares_kind_and_steward(name: str):
    cls = ENTITIES[name]
    assert isinstance(cls.kind, EntityKind)
    assert isinstance(cls.steward, OwnerTeam)
    assert issubclass(cls, Entity)


@pytest.mark.parametrize("name", sorted(ENTITIES))
@pytest.mark.parametrize("bad_id", ["", "   "])
def test_entity_id_must_not_be_empty(name: str, bad_id: str):
    with pytest.raises(ValidationError, match="at least 1 character"):
        ENTITIES[name].model_validate({**VALID[name], "id": bad_id})


@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_entity_rejects_unknown_fields(name: str):
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        build(name, vendor_field="surprise")


@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_entity_is_immutable(name: str):
    entity = build(name)
    with pytest.raises(ValidationError, match="frozen"):
        entity.id = "other"


def test_model_version_is_not_serialized():
    entity = build("TimeEntry")
    assert type(entity).model_version == "1"
    assert "model_version" not in entity.model_dump()


def test_strings_are_stripped():
    assert build("Customer", name="  Globex  ").name == "Globex"


# --- invariants --------------------------------------------------------------


def test_worker_termination_must_not_precede_hire():
    with pytest.raises(
        ValidationError, match="termination_date must be on or after hire_date"
    ):
        build("Worker", hire_date="2024-03-01", termination_date="2024-02-29")
    same_day = build("Worker", hire_date="2024-03-01", termination_date="2024-03-01")
    assert same_day.is_active_on(date(2024, 3, 1))
    assert not same_day.is_active_on(date(2024, 3, 2))


def test_worker_manager_and_skills_rules():
    with pytest.raises(ValidationError, match="their own manager"):
        build("Worker", manager_id="x1")
    with pytest.raises(ValidationError, match="skills must not repeat"):
        build("Worker", skills=["SAP", "SAP"])
    worker = build("Worker", skills=["SAP", "Python"], cost_rate=usd_dict("80"))
    assert isinstance(worker, Worker)
    assert worker.cost_rate == usd("80")


def test_assignment_end_must_not_precede_start():
    with pytest.raises(ValidationError, match="end_date must be on or after start"):
        build("Assignment", start_date="2024-01-01", end_date="2023-12-31")
    with pytest.raises(ValidationError, match="bill_rate must not be negative"):
        build("Assignment", bill_rate=usd_dict("-1"))


def test_hierarchies_reject_self_parents():
    with pytest.raises(ValidationError, match="own parent"):
        build("Customer", parent_id="x1")
    with pytest.raises(ValidationError, match="own parent"):
        build("Task", parent_id="x1")
    child = build("Task", parent_id="t0")
    assert isinstance(child, Task)


def test_document_amounts_must_match_document_currency():
    with pytest.raises(ValidationError, match="total_value is in EUR"):
        build("Contract", total_value={"amount": "1", "currency": "EUR"})
    eur_line = {"role_id": "r1", "rate": {"amount": "1", "currency": "EUR"}}
    with pytest.raises(ValidationError, match="document currency is USD"):
        build("RateCard", lines=[eur_line])
    with pytest.raises(ValidationError, match="budget is in GBP"):
        build("Project", budget={"amount": "1", "currency": "GBP"})


def test_rate_card_rejects_two_rates_for_one_role():
    line = {"role_id": "r1", "rate": usd_dict("150")}
    with pytest.raises(ValidationError, match="two rates"):
        build("RateCard", lines=[line, line])
    card = build("RateCard", lines=[line, {**line, "unit": "day"}])
    assert isinstance(card, RateCard)


def test_time_entry_needs_a_project_id_or_code():
    with pytest.raises(ValidationError, match="needs a project_id or a project_code"):
        build("TimeEntry", project_id=None)
    assert build("TimeEntry", project_id=None, project_code="P-100").project_code


def test_expense_and_purchase_request_amounts_must_be_positive():
    with pytest.raises(ValidationError, match="greater than zero"):
        build("Expense", amount=usd_dict("0"))
    with pytest.raises(ValidationError, match="greater than zero"):
        build("PurchaseRequest", amount=usd_dict("-5"))
    assert isinstance(build("Expense", receipt_attached=True), Expense)


def test_invoice_line_amount_must_equal_quantity_times_price():
    with pytest.raises(ValidationError, match="does not equal quantity x unit price"):
        InvoiceLine(
            description="T&M",
            amount=usd("100"),
            quantity=Decimal("7.5"),
            unit_price=usd("13.33"),
        )
    line = InvoiceLine(
        description="T&M",
        amount=usd("99.98"),
        quantity=Decimal("7.5"),
        unit_price=usd("13.33"),
    )
    assert line.amount == usd("99.98")


def test_invoice_request_total_and_non_empty_lines():
    with pytest.raises(ValidationError, match="at least 1 item"):
        build("InvoiceRequest", lines=[])
    lines = [
        {"description": "a", "amount": usd_dict("100.10")},
        {"description": "b", "amount": usd_dict("0.90")},
    ]
    request = build("InvoiceRequest", lines=lines)
    assert isinstance(request, InvoiceRequest)
    assert request.total() == usd("101.00")
    with pytest.raises(ValidationError, match="due_date must be on or after"):
        build("InvoiceRequest", due_date="2023-12-31")


def test_purchase_order_total_and_unique_line_numbers():
    order = build("PurchaseOrder")
    assert isinstance(order, PurchaseOrder)
    assert order.total() == usd("59.97")
    line = VALID["PurchaseOrder"]["lines"][0]
    with pytest.raises(ValidationError, match="line numbers must be unique"):
        build("PurchaseOrder", lines=[line, line])


def test_billing_schedule_is_in_date_order_and_totals():
    lines = [
        {"bill_date": "2024-02-29", "amount": usd_dict("10"), "description": "b"},
        {"bill_date": "2024-01-31", "amount": usd_dict("5"), "description": "a"},
    ]
    with pytest.raises(ValidationError, match="date order"):
        build("BillingSchedule", lines=lines)
    schedule = build("BillingSchedule", lines=list(reversed(lines)))
    assert isinstance(schedule, BillingSchedule)
    assert schedule.total() == usd("15")


def test_payroll_allocation_period_and_hours():
    with pytest.raises(ValidationError, match="period_end must be on or after"):
        build("PayrollAllocation", period_start="2024-02-01", period_end="2024-01-31")
    lines = [{"pay_code": "REG", "hours": "72"}, {"pay_code": "OT", "hours": "4.5"}]
    allocation = build("PayrollAllocation", lines=lines)
    assert isinstance(allocation, PayrollAllocation)
    assert allocation.total_hours() == Decimal("76.5")


def test_tax_rate_is_a_fraction():
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        build("TaxCode", rate="20")


def test_bad_codes_are_rejected():
    with pytest.raises(ValidationError, match="currency must be"):
        build("Contract", currency="usd")
    with pytest.raises(ValidationError, match="pattern"):
        build("Location", country="GBR")
    with pytest.raises(ValidationError, match="pattern"):
        build("Contact", email="not-an-email")


# --- hours -------------------------------------------------------------------


@pytest.mark.parametrize("hours", ["0", "-0.25", "24.25", "100"])
def test_time_entry_hours_must_be_in_range(hours: str):
    with pytest.raises(ValidationError, match="greater than 0 and at most 24"):
        build("TimeEntry", hours=hours)


def test_time_entry_default_precision_is_quarter_hours():
    assert build("TimeEntry", hours="24").hours == Decimal(24)
    with pytest.raises(
        ValidationError, match=r"hours must be a multiple of 0\.25 \(quarter hours\)"
    ):
        build("TimeEntry", hours="7.1")
    with pytest.raises(ValidationError, match="quarter hours"):
        TimeEntry(
            id="t",
            worker_id="w",
            project_id="p",
            work_date=date(2024, 1, 1),
            hours=Decimal("0.1"),
            pay_code="REG",
            status="draft",
        )


def test_time_entry_precision_comes_from_the_validation_context():
    data = {"id": "t1", **VALID["TimeEntry"], "hours": "1.05"}
    with pytest.raises(ValidationError, match="quarter hours"):
        TimeEntry.model_validate(data)
    entry = TimeEntry.model_validate(
        data, context={HOURS_PRECISION_CONTEXT_KEY: "minute"}
    )
    assert entry.hours == Decimal("1.05")
    with pytest.raises(ValidationError, match="whole number of minutes"):
        TimeEntry.model_validate(
            {**data, "hours": "0.01"}, context={"hours_precision": "minute"}
        )
    with pytest.raises(ValidationError, match="unknown hours precision 'seconds'"):
        TimeEntry.model_validate(data, context={"hours_precision": "seconds"})


def test_validate_hours_messages_are_plain():
    with pytest.raises(ValueError, match="finite"):
        validate_hours(Decimal("NaN"), HoursPrecision.MINUTE)
    with pytest.raises(ValueError, match=r"^hours must be a multiple of 0\.25"):
        validate_hours(Decimal("0.3"), HoursPrecision.QUARTER_HOUR)


def _places(value: Decimal) -> int:
    return max(0, -int(value.as_tuple().exponent))


hours_values = st.integers(min_value=0, max_value=5).flatmap(
    lambda places: st.decimals(
        min_value=Decimal("0.00001"), max_value=Decimal(24), places=places
    )
)


@given(st.integers(min_value=1, max_value=96))
def test_quarter_hours_accept_every_multiple(quarters: int):
    value = Decimal(quarters) / 4
    assert validate_hours(value, HoursPrecision.QUARTER_HOUR) == value


@given(hours_values)
def test_quarter_hours_accept_exactly_the_multiples(value: Decimal):
    is_multiple = Fraction(value) * 4 == int(Fraction(value) * 4)
    if value > 0 and is_multiple:
        assert validate_hours(value, HoursPrecision.QUARTER_HOUR) == value
    else:
        with pytest.raises(ValueError, match="hours must"):
            validate_hours(value, HoursPrecision.QUARTER_HOUR)


@given(st.integers(min_value=1, max_value=24 * 60), st.integers(2, 6))
def test_minutes_accept_every_whole_minute_rounded(minutes: int, places: int):
    value = (Decimal(minutes) / 60).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )
    assert validate_hours(value, HoursPrecision.MINUTE) == value


@given(hours_values)
def test_minutes_accept_exactly_the_rounded_whole_minutes(value: Decimal):
    # Independent oracle in exact fractions: some whole minute m rounds
    # half-up to `value` at its own number of places.
    half = Fraction(1, 2 * 10 ** _places(value))
    low, high = 60 * (Fraction(value) - half), 60 * (Fraction(value) + half)
    first = -(-low.numerator // low.denominator)  # ceil(low)
    is_minute = first < high and first >= 1
    if value > 0 and is_minute:
        assert validate_hours(value, HoursPrecision.MINUTE) == value
    else:
        with pytest.raises(ValueError, match="hours must"):
            validate_hours(value, HoursPrecision.MINUTE)


# --- unicode and dates -------------------------------------------------------

names = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(lambda s: s.strip() == s and s != "")


@given(given_name=names, family_name=names)
def test_unicode_names_round_trip(given_name: str, family_name: str):
    worker = build("Worker", given_name=given_name, family_name=family_name)
    assert (worker.given_name, worker.family_name) == (given_name, family_name)
    restored = Worker.model_validate_json(worker.model_dump_json())
    assert restored == worker
    customer = build("Customer", name=given_name, legal_name=family_name)
    assert Customer.model_validate_json(customer.model_dump_json()) == customer


@st.composite
def month_ends(draw: st.DrawFn) -> date:
    year = draw(st.integers(min_value=1990, max_value=2100))
    month = draw(st.integers(min_value=1, max_value=12))
    return date(year, month, calendar.monthrange(year, month)[1])


@given(month_ends(), st.integers(min_value=0, max_value=400))
def test_date_ranges_across_month_and_year_ends(start: date, days: int):
    end = start + timedelta(days=days)
    assignment = build("Assignment", start_date=start, end_date=end)
    assert isinstance(assignment, Assignment)
    assert assignment.covers(start)
    assert assignment.covers(end)
    assert not assignment.covers(end + timedelta(days=1))
    assert Assignment.model_validate_json(assignment.model_dump_json()) == assignment
    with pytest.raises(ValidationError, match="end_date must be on or after"):
        build("Assignment", start_date=start + timedelta(days=1), end_date=start)


@given(month_ends())
def test_work_dates_at_month_ends_round_trip(day: date):
    entry = build("TimeEntry", work_date=day.isoformat())
    assert entry.work_date == day
    assert TimeEntry.model_validate_json(entry.model_dump_json()).work_date == day
    next_day = day + timedelta(days=1)
    assert build("TimeEntry", work_date=next_day).work_date.day == 1


def test_impossible_dates_are_rejected():
    with pytest.raises(ValidationError):
        build("TimeEntry", work_date="2023-02-29")
    assert build("TimeEntry", work_date="2024-02-29").work_date == date(2024, 2, 29)


def test_contract_spanning_a_year_end():
    contract = build("Contract", start_date="2024-12-31", end_date="2025-01-01")
    assert isinstance(contract, Contract)
