"""Kantata ⇄ canonical mapping: exact units, unicode, date edges, sparse records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.connectors.kantata import mapping
from baton.connectors.kantata.staffing_mapping import (
    is_staffing,
    participation_to_assignment,
)
from baton.connectors.kantata.units import (
    cents_to_money,
    hours_to_minutes,
    minutes_to_hours,
    money_to_cents,
)
from baton.model.common import (
    CURRENCY_MINOR_UNITS,
    ApprovalStatus,
    HoursPrecision,
    Money,
    validate_hours,
)

CTX = mapping.KantataContext(workers={"3": "W00003"}, project_codes={"77": "PRJ-0001"})
minutes = st.integers(min_value=1, max_value=24 * 60)
currencies = st.sampled_from(sorted(CURRENCY_MINOR_UNITS))
names = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1
)


def raw_entry(**over: object) -> dict[str, object]:
    return {
        "id": "418",
        "user_id": "3",
        "workspace_id": "77",
        "date_performed": "2026-11-02",
        "time_in_minutes": 90,
        "updated_at": "2026-11-02T17:00:00-07:00",
        **over,
    }


@given(minutes)
def test_minutes_hours_round_trip_exactly(m: int) -> None:
    hours = minutes_to_hours(m)
    assert hours_to_minutes(hours) == m
    assert validate_hours(hours, HoursPrecision.MINUTE) == hours
    assert abs(hours * 60 - m) <= Decimal("0.003")
    if m % 3 == 0:  # m / 60 terminates: written exactly
        assert hours * 60 == m


@pytest.mark.parametrize("bad", ["0.01", "1.001", "0.013"])
def test_hours_that_are_not_whole_minutes_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="whole number of minutes"):
        hours_to_minutes(Decimal(bad))


@given(st.integers(min_value=-(10**12), max_value=10**12), currencies)
def test_cents_money_round_trip(cents: int, currency: str) -> None:
    money = cents_to_money(cents, currency)
    assert money.amount == Decimal(cents).scaleb(-CURRENCY_MINOR_UNITS[currency])
    assert money_to_cents(money) == cents


@pytest.mark.parametrize("bad", [1.5, "100", True, None])
def test_cents_must_be_integers(bad: object) -> None:
    with pytest.raises(ValueError, match="integer"):
        cents_to_money(bad, "USD")


def test_sub_cent_money_is_refused_and_base_unit_wins() -> None:
    with pytest.raises(ValueError, match="more decimals"):
        money_to_cents(Money(amount=Decimal("1.005"), currency="USD"))
    assert cents_to_money(1234, "KWD", 1000).amount == Decimal("1.234")


@given(minutes, st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)), names)
def test_time_entry_round_trips_through_the_write_body(
    m: int, day: dt.date, notes: str
) -> None:
    entry = mapping.time_entry(
        raw_entry(time_in_minutes=m, date_performed=day.isoformat(), notes=notes), CTX
    )
    assert (entry.work_date, entry.notes) == (day, notes)
    body = mapping.time_entry_body(entry, "77", "3")
    assert body["time_in_minutes"] == m
    assert body["date_performed"] == day.isoformat()
    assert body["notes"] == notes


@pytest.mark.parametrize(
    "day", ["2026-12-31", "2027-01-01", "2028-02-29", "2026-02-28", "2026-03-01"]
)
def test_month_and_year_boundaries_keep_the_day(day: str) -> None:
    raw = raw_entry(date_performed=day, updated_at=f"{day}T23:59:59-12:00")
    assert mapping.time_entry(raw, CTX).work_date.isoformat() == day


def test_missing_optional_fields_get_plain_defaults() -> None:
    entry = mapping.time_entry(raw_entry(), CTX)
    assert entry.id == "kantata:time_entry:418"
    assert (entry.worker_id, entry.project_code) == ("W00003", "PRJ-0001")
    assert (entry.task_id, entry.notes, entry.billable) == (None, None, True)
    assert entry.status is ApprovalStatus.DRAFT
    assert entry.hours == Decimal("1.5")
    assert mapping.time_entry_rate(raw_entry()) is None
    unmapped = mapping.time_entry(raw_entry(user_id="9", workspace_id="8"), CTX)
    assert (unmapped.worker_id, unmapped.project_code) == (
        "kantata:user:9",
        "kantata:workspace:8",
    )


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"approved": True, "active_submission_id": "5"}, ApprovalStatus.APPROVED),
        ({"approved": False, "active_submission_id": "5"}, ApprovalStatus.SUBMITTED),
        ({"approved": None}, ApprovalStatus.DRAFT),
    ],
)
def test_approval_state(fields: dict[str, object], status: ApprovalStatus) -> None:
    assert mapping.time_entry(raw_entry(**fields), CTX).status is status


def test_rate_in_cents_is_money() -> None:
    rate = mapping.time_entry_rate(raw_entry(rate_in_cents=20050, currency="EUR"))
    assert rate == Money(amount=Decimal("200.5"), currency="EUR")


@given(names, names)
def test_unicode_names_survive(given_name: str, family: str) -> None:
    worker = mapping.user_to_worker(
        {"id": "3", "full_name": f"{given_name} {family}"}, CTX
    )
    assert worker.id == "W00003"
    assert (worker.given_name, worker.family_name) == (given_name, family)


def test_other_records_map_with_sparse_fields() -> None:
    project = mapping.workspace_to_project(
        {"id": "77", "title": "Zürich rollout", "archived": True}, CTX
    )
    assert (project.code, project.status.value, project.budget) == (
        "PRJ-0001",
        "completed",
        None,
    )
    task = mapping.story_to_task({"id": "5", "workspace_id": "77", "title": "任务"})
    assert (task.project_id, task.parent_id, task.name) == (
        "kantata:workspace:77",
        None,
        "任务",
    )
    spent = mapping.expense(
        {
            "id": "9",
            "user_id": "3",
            "workspace_id": "77",
            "date": "2026-11-30",
            "category": "Travel",
            "amount_in_cents": 1999,
        },
        CTX,
    )
    assert spent.amount == Money(amount=Decimal("19.99"), currency="USD")


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


edges = st.one_of(
    st.builds(_month_end, st.integers(1990, 2090), st.integers(1, 12)),
    st.builds(dt.date, st.integers(1990, 2090), st.just(1), st.just(1)),
)


@given(
    names,
    st.integers(min_value=0, max_value=10**15),
    currencies,
    edges,
    st.none() | st.integers(0, 400),
    st.booleans(),
)
def test_participation_to_assignment_keeps_ids_rates_and_dates(
    who: str, cents: int, currency: str, start: dt.date, days: int | None, sparse: bool
) -> None:
    ctx = mapping.KantataContext(workers={"3": who}, cost_center_id="CC-é")
    end = None if days is None else start + dt.timedelta(days=days)
    ws: dict[str, object] = {"id": "77", "currency": currency, "start_date": str(start)}
    if end is not None:
        ws["due_date"] = end.isoformat()
    raw: dict[str, object] = {"id": "1", "user_id": "3", "workspace_id": "77"}
    raw |= {"default_rate_in_cents": cents} if sparse else {"rate_in_cents": cents}
    if not sparse:
        raw |= {"role": "maven", "workspace_role_id": "ロール"}
    got = participation_to_assignment(raw, ws, ctx)
    assert (got.worker_id, got.project_id) == (who, "kantata:workspace:77")
    assert (got.start_date, got.end_date) == (start, end)
    assert money_to_cents(got.bill_rate) == cents
    assert got.bill_rate.currency == currency
    assert got.role_id == (None if sparse else "ロール")
    assert (got.cost_center_id, got.legal_entity_id) == ("CC-é", ctx.legal_entity_id)
    assert got.allocation_percent == 100
    assert is_staffing(raw)


def test_sparse_workspaces_fall_back_and_bad_participations_are_refused() -> None:
    raw = {"id": "1", "user_id": "9", "workspace_id": "77", "rate_in_cents": 1}
    got = participation_to_assignment(raw, {"id": "77"}, CTX)
    assert (got.worker_id, got.start_date, got.end_date) == (
        "kantata:user:9",
        CTX.hire_date,
        None,
    )
    assert got.bill_rate == Money(amount=Decimal("0.01"), currency="USD")
    assert not is_staffing({**raw, "role": "buyer"})
    with pytest.raises(ValueError, match="no bill rate"):
        participation_to_assignment({**raw, "rate_in_cents": None}, {"id": "77"}, CTX)
    with pytest.raises(ValueError, match="not 78"):
        participation_to_assignment(raw, {"id": "78"}, CTX)
    with pytest.raises(ValueError, match="negative"):
        participation_to_assignment({**raw, "rate_in_cents": -1}, {"id": "77"}, CTX)
    late = {"id": "77", "start_date": "2027-01-01", "due_date": "2026-12-31"}
    with pytest.raises(ValueError, match="end_date"):
        participation_to_assignment(raw, late, CTX)
