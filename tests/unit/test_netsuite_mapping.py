"""PostTimeEntry ⇄ NetSuite timeBill: exact hours, boundary dates, unicode, extremes."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.connectors.netsuite.mapping import (
    MEMO_MAX,
    MappingError,
    duration_minutes,
    parse_hours,
    time_bill_body,
    time_bill_from_netsuite,
)
from baton.model.commands import PostTimeEntry

MINUTES = st.integers(min_value=1, max_value=24 * 60)
PLACES = st.integers(min_value=2, max_value=8)


def cmd(**changes: object) -> PostTimeEntry:
    fields: dict[str, object] = {
        "entry_id": "te-1",
        "worker_id": "w-1",
        "project_code": "PRJ-1",
        "work_date": dt.date(2026, 1, 31),
        "hours": Decimal("1.5"),
        "pay_code": "REG",
        "amount": Decimal("150.00"),
        "currency": "USD",
        "refs": {"employee": "57", "job": "812", "pay_item": "9"},
    }
    fields.update(changes)
    return PostTimeEntry(**fields)  # type: ignore[arg-type]


def wire(body: dict[str, object]) -> dict[str, object]:
    """What NetSuite receives: the body through JSON."""
    doc: dict[str, object] = orjson.loads(orjson.dumps(body))
    return doc


def as_hours(minutes: int, places: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal(1).scaleb(-places))


@given(MINUTES, PLACES)
def test_whole_minutes_at_any_precision_are_exact(minutes: int, places: int) -> None:
    hours = as_hours(minutes, places)
    body = wire(time_bill_body(cmd(hours=hours)))
    assert duration_minutes(hours) == minutes
    assert parse_hours(body["hours"]) == hours  # the exact Decimal, through JSON
    assert time_bill_from_netsuite(body).hours == hours


@given(st.integers(min_value=1, max_value=96))
def test_quarter_hours_are_exact(quarters: int) -> None:
    hours = Decimal(quarters) / 4
    assert parse_hours(wire(time_bill_body(cmd(hours=hours)))["hours"]) == hours


@given(
    st.integers(min_value=0, max_value=24 * 60 - 1),
    st.integers(min_value=6, max_value=8),
)
def test_half_minutes_are_refused(minutes: int, places: int) -> None:
    hours = (Decimal(2 * minutes + 1) / 120).quantize(Decimal(1).scaleb(-places))
    with pytest.raises(MappingError):
        time_bill_body(cmd(hours=hours))


@pytest.mark.parametrize(
    "hours", ["0", "-1", "24.0167", "1E+3", "NaN", "Infinity", "0.01", "0.001"]
)
def test_hours_netsuite_cannot_hold_are_refused(hours: str) -> None:
    with pytest.raises(MappingError):
        time_bill_body(cmd(hours=Decimal(hours)))


@pytest.mark.parametrize(
    ("hours", "minutes"), [("24", 1440), ("0.0167", 1), ("2E+1", 1200)]
)
def test_extreme_hours(hours: str, minutes: int) -> None:
    assert duration_minutes(Decimal(hours)) == minutes


@given(MINUTES)
def test_h_mm_durations_read_back(minutes: int) -> None:
    text = f"{minutes // 60}:{minutes % 60:02d}"
    assert duration_minutes(parse_hours(text)) == minutes


@st.composite
def boundary_dates(draw: st.DrawFn) -> dt.date:
    year = draw(st.integers(min_value=1, max_value=9999))
    month = draw(st.integers(min_value=1, max_value=12))
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, draw(st.sampled_from([1, last])))


@given(st.one_of(boundary_dates(), st.dates()))
def test_dates_survive_month_and_year_ends(day: dt.date) -> None:
    body = wire(time_bill_body(cmd(work_date=day)))
    assert body["tranDate"] == day.isoformat()
    assert time_bill_from_netsuite(body).work_date == day


@given(
    st.text(min_size=1, max_size=2000),
    st.text(min_size=1, max_size=200),
    st.text(min_size=1, max_size=20),
)
def test_unicode_round_trips(project: str, entry_id: str, employee: str) -> None:
    command = cmd(project_code=project, entry_id=entry_id, refs={"employee": employee})
    read = time_bill_from_netsuite(wire(time_bill_body(command)))
    assert read.memo is not None
    assert len(read.memo) <= MEMO_MAX
    assert read.memo == f"REG · {project}"[:MEMO_MAX]
    assert (read.entry_id, read.employee) == (entry_id, employee)
    assert read.customer == f"eid:{project}"  # no job ref: the project code
    assert read.item is None


def test_references_prefer_resolved_ids() -> None:
    body = time_bill_body(cmd())
    assert body["employee"] == {"id": "57"}
    assert body["customer"] == {"id": "812"}
    assert body["item"] == {"id": "9"}
    assert body["externalId"] == "te-1"


def test_a_worker_without_a_netsuite_employee_is_refused() -> None:
    with pytest.raises(MappingError, match="employee"):
        time_bill_body(cmd(refs={"job": "812"}))


def test_suiteql_rows_read_back() -> None:
    row = {
        "id": "7",
        "externalid": "te-9",
        "employee": "57",
        "customer": "812",
        "trandate": "2024-02-29",
        "hours": "1:45",
        "memo": None,
    }
    read = time_bill_from_netsuite(row)
    assert (read.netsuite_id, read.entry_id, read.employee) == ("7", "te-9", "57")
    assert (read.work_date, read.hours) == (dt.date(2024, 2, 29), Decimal("1.75"))
