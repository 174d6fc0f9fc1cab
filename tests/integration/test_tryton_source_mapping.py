"""Properties of the Tryton source's pure mappings (no server needed).

Hours round-trip through the target's ``duration_seconds``; names, cost
rates, cursors, unicode, missing optional fields, extreme amounts and
month/year boundaries.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.connectors.tryton.mapping import duration_seconds
from baton.connectors.tryton.source_mapping import (
    project_from_work,
    time_entry_from_line,
    worker_from_employee,
)
from baton.connectors.tryton.source_values import (
    Books,
    Watermark,
    WorkRef,
    current_cost,
    event_id,
    hours_of,
    split_name,
)
from baton.model import HoursPrecision, ProjectStatus, validate_hours

BOOKS = Books(company=1, currency="EUR")
WORK = WorkRef("tryton:project.work:7", "PRJ-7", "tryton:project.work:8", True)
CREATED = dt.datetime(2025, 12, 31, 23, 59, 59, 999999)
stamps = st.datetimes(min_value=dt.datetime(1970, 1, 1))
words = st.text(
    st.characters(categories=["L", "M", "N", "P"]), min_size=1, max_size=12
).filter(lambda w: w == w.strip() and len(w.split()) == 1)
prices = st.decimals(min_value=0, max_value=Decimal("1e12"), places=4)


@given(st.integers(min_value=1, max_value=24 * 60))
def test_whole_minutes_round_trip_exactly(minutes: int) -> None:
    hours = hours_of(dt.timedelta(minutes=minutes))
    assert duration_seconds(hours) == minutes * 60
    assert validate_hours(hours, HoursPrecision.MINUTE) == hours
    if (minutes * 100) % 60 == 0:  # finite decimals are exact
        assert hours * 60 == minutes


@given(st.integers(min_value=0, max_value=24 * 3600), st.integers(0, 999_999))
def test_seconds_round_to_the_nearest_minute(seconds: int, micro: int) -> None:
    duration = dt.timedelta(seconds=seconds, microseconds=micro)
    exact = Decimal(seconds) + Decimal(micro) / 1_000_000
    minutes = int((exact / 60).to_integral_value(rounding=ROUND_HALF_UP))
    assert duration_seconds(hours_of(duration)) == minutes * 60


@given(st.lists(words, min_size=1, max_size=5))
def test_names_split_at_the_first_space_and_join_back(parts: list[str]) -> None:
    given_name, family = split_name("  ".join(parts))
    if len(parts) == 1:
        assert (given_name, family) == (parts[0], parts[0])
    else:
        assert f"{given_name} {family}" == " ".join(parts)


def test_a_blank_name_is_refused() -> None:
    with pytest.raises(ValueError, match="no name"):
        split_name(" \t ")


@given(
    st.dictionaries(st.dates(), prices, max_size=6),
    st.dates(),
)
def test_the_cost_in_force_is_the_latest_on_or_before_the_day(
    dated: dict[dt.date, Decimal], day: dt.date
) -> None:
    rows = [{"date": d, "cost_price": p} for d, p in reversed(dated.items())]
    past = [d for d in dated if d <= day]
    expected = dated[max(past)] if past else None
    assert current_cost(rows, day) == expected


@given(stamps, st.integers(min_value=1, max_value=2**53))
def test_cursors_round_trip_and_order_like_tryton(stamp: dt.datetime, rid: int) -> None:
    mark = Watermark(stamp, rid)
    assert Watermark.parse(str(mark)) == mark
    assert Watermark(stamp, rid + 1) > mark
    assert mark.after()[0] == "OR"
    row = {"id": rid, "last_modified_at": stamp}
    assert Watermark.of(row) == mark
    assert (
        event_id("timesheet.line", row) == f"timesheet.line:{rid}:{stamp.isoformat()}"
    )


@pytest.mark.parametrize("bad", ["", "2025-01-01T00:00:00", "x|1", "2025-01-01|-1"])
def test_foreign_cursors_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        Watermark.parse(bad)


def line(**extra: object) -> dict[str, object]:
    return {
        "id": 41,
        "employee": 3,
        "date": dt.date(2025, 1, 1),
        "duration": dt.timedelta(hours=7, minutes=30),
        "description": None,
        "last_modified_at": CREATED,
        **extra,
    }


@given(st.dates(), st.text(max_size=40))
def test_lines_keep_their_day_and_unicode_notes(day: dt.date, text: str) -> None:
    entry = time_entry_from_line(line(date=day, description=text), BOOKS, WORK)
    assert entry.work_date == day
    ref = text.strip().removeprefix("baton:").strip()
    if text.strip().startswith("baton:") and ref:
        assert entry.id == ref
        assert entry.notes is None
    else:
        assert entry.id == "tryton:timesheet.line:41"
        assert entry.notes == (text.strip() or None)
    assert (entry.worker_id, entry.project_code) == (
        "tryton:company.employee:3",
        "PRJ-7",
    )
    assert entry.hours == Decimal("7.5")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"employee": None}, "no employee"),
        ({"duration": dt.timedelta(seconds=29)}, "greater than 0"),
        ({"duration": dt.timedelta(hours=24, minutes=1)}, "at most 24"),
    ],
)
def test_lines_that_cannot_be_time_entries_are_refused(
    extra: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        time_entry_from_line(line(**extra), BOOKS, WORK)


@given(st.one_of(st.none(), prices), st.booleans())
def test_employees_with_optional_fields_missing(
    cost: Decimal | None, dated: bool
) -> None:
    row = {
        "id": 3,
        "party.": {"id": 9, "name": "Zoë Ñandú", "email": ""},
        "start_date": dt.date(2024, 2, 29) if dated else None,
        "end_date": None,
        "create_date": CREATED,
        "cost_prices.": []
        if cost is None
        else [{"date": dt.date(2024, 1, 1), "cost_price": cost}],
    }
    worker = worker_from_employee(row, BOOKS, as_of=dt.date(2025, 1, 1))
    assert (worker.given_name, worker.family_name, worker.email) == (
        "Zoë",
        "Ñandú",
        None,
    )
    assert worker.hire_date == (dt.date(2024, 2, 29) if dated else CREATED.date())
    assert worker.termination_date is None
    if cost is None:
        assert worker.cost_rate is None
    else:
        assert worker.cost_rate is not None
        assert (worker.cost_rate.amount, worker.cost_rate.currency) == (cost, "EUR")


def test_projects_need_a_party_and_never_start_after_they_end() -> None:
    row = {
        "id": 7, "name": "Ünïcode", "number": None, "party.": {"id": 2, "code": "baton:C-1"},
        "status.": {"progress": 1.0}, "project_invoice_method": "effort",
        "timesheet_start_date": None, "timesheet_end_date": dt.date(2025, 1, 31),
        "create_date": dt.datetime(2025, 2, 1, 0, 0),
    }  # fmt: skip
    project = project_from_work(row, BOOKS)
    assert (project.code, project.customer_id) == ("Ünïcode", "C-1")
    assert (project.start_date, project.end_date) == (dt.date(2025, 1, 31),) * 2
    assert project.status is ProjectStatus.COMPLETED
    assert project.billing_method == "fixed_fee"
    with pytest.raises(ValueError, match="no party"):
        project_from_work({**row, "party.": None}, BOOKS)
