"""Property tests of the Harvest mapping: round trips, edges, time zones."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baton.connectors.harvest import mapping
from baton.connectors.harvest.values import minute_hours
from baton.model import ApprovalStatus, TimeEntry

ACCOUNT = mapping.HarvestAccount(
    currency="JPY", legal_entity_id="LE", cost_center_id="CC"
)
ids = st.integers(min_value=1, max_value=2**31 - 1)
minutes = st.integers(min_value=1, max_value=24 * 60)
days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))
edge_days = st.sampled_from(
    [
        dt.date(2023, 12, 31),
        dt.date(2024, 1, 1),
        dt.date(2024, 2, 29),
        dt.date(2024, 3, 1),
        dt.date(2024, 4, 30),
        dt.date(1999, 12, 31),
        dt.date(2000, 1, 1),
    ]
)
notes = st.one_of(st.none(), st.text(max_size=200).map(str.strip))
zones = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)
instants = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),
    max_value=dt.datetime(2099, 12, 31),
    timezones=st.just(dt.UTC),
).map(lambda d: d.replace(microsecond=0))


def hours_of(n_minutes: int, places: int) -> Decimal:
    return minute_hours((Decimal(n_minutes) / 60).quantize(Decimal(1).scaleb(-places)))


@st.composite
def entries(draw) -> TimeEntry:
    eid, uid, pid, tid = draw(ids), draw(ids), draw(ids), draw(ids)
    return TimeEntry.model_validate(
        {
            "id": mapping.canonical_id("time_entry", eid),
            "source_system": "harvest",
            "external_ids": {"harvest": str(eid)},
            "worker_id": mapping.canonical_id("user", uid),
            "project_id": mapping.canonical_id("project", pid),
            "task_id": mapping.canonical_id("task", tid),
            "work_date": draw(st.one_of(days, edge_days)),
            "hours": draw(st.builds(hours_of, minutes, st.integers(2, 6))),
            "pay_code": "REG",
            "billable": True,
            "status": ApprovalStatus.DRAFT,
            "notes": draw(notes),
        },
        context={"hours_precision": "minute"},
    )


def as_harvest(entry: TimeEntry, body: dict, updated_at: str) -> dict:
    """What Harvest answers for a created entry, through JSON and back as Decimal."""
    record = {
        "id": mapping.harvest_id(entry.id, "time_entry"),
        "spent_date": body["spent_date"],
        "user": {"id": body["user_id"]},
        "project": {"id": body["project_id"], "name": "p"},
        "task": {"id": body["task_id"], "name": "t"},
        "hours": body["hours"],
        "notes": body["notes"],
        "is_locked": False,
        "is_closed": False,
        "billable": True,
        "updated_at": updated_at,
    }
    return json.loads(json.dumps(record), parse_float=Decimal)


@settings(max_examples=300, deadline=None)
@given(entries(), instants)
def test_time_entries_round_trip_through_harvest(entry, at):
    body = mapping.time_entry_create_body(entry)
    back = mapping.time_entry(as_harvest(entry, body, at.isoformat()), ACCOUNT)
    assert back == entry


@given(st.integers(1, 2**31 - 1), instants, zones)
def test_the_same_instant_in_any_zone_gives_the_same_event_id(eid, at, zone):
    utc = {"id": eid, "updated_at": at.isoformat().replace("+00:00", "Z")}
    local = {"id": eid, "updated_at": at.astimezone(zone).isoformat()}
    assert mapping.event_id("time_entry", utc) == mapping.event_id("time_entry", local)
    assert mapping.event_id("time_entry", utc).endswith("Z")


@given(st.decimals(min_value=Decimal("0.01"), max_value=24, places=2))
def test_any_harvest_hours_become_whole_minutes_within_half_a_minute(hours):
    canonical = minute_hours(hours)
    assert abs(canonical - hours) <= Decimal("0.0084")
    TimeEntry.model_validate(
        {
            "id": "x",
            "worker_id": "w",
            "project_code": "P",
            "work_date": "2024-01-01",
            "hours": canonical,
            "pay_code": "REG",
            "status": "draft",
        },
        context={"hours_precision": "minute"},
    )


def test_hours_out_of_range_are_refused():
    raw = {
        "id": 1,
        "spent_date": "2024-01-31",
        "user": {"id": 2},
        "project": {"id": 3},
        "hours": Decimal("24.01"),
        "updated_at": "2024-01-31T23:59:59Z",
    }
    with pytest.raises(ValueError, match="at most 24"):
        mapping.time_entry(raw, ACCOUNT)
    with pytest.raises(ValueError, match="greater than 0"):
        mapping.time_entry({**raw, "hours": 0}, ACCOUNT)


def test_missing_optional_fields_take_documented_defaults():
    raw = {
        "id": 1,
        "spent_date": "2024-12-31",
        "user": {"id": 2},
        "project": {"id": 3},
        "hours": Decimal("2.11"),
    }
    entry = mapping.time_entry(raw, ACCOUNT)
    assert (entry.task_id, entry.notes, entry.project_code) == (None, None, None)
    assert entry.billable is True
    assert entry.status is ApprovalStatus.DRAFT
    assert entry.hours == Decimal("2.1167")  # 126.6 min → 127 min


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"approval_status": "submitted", "is_closed": True}, ApprovalStatus.SUBMITTED),
        ({"approval_status": "unsubmitted"}, ApprovalStatus.DRAFT),
        ({"is_closed": True}, ApprovalStatus.APPROVED),
        ({"is_locked": True, "is_billed": True}, ApprovalStatus.APPROVED),
        ({"is_locked": True}, ApprovalStatus.SUBMITTED),
        ({}, ApprovalStatus.DRAFT),
    ],
)
def test_the_approval_rule(fields, status):
    assert mapping.approval_status(fields) is status


@given(
    st.text(min_size=1).map(str.strip).filter(bool),
    st.text(min_size=1).map(str.strip).filter(bool),
    st.decimals(min_value=0, max_value=10**12, places=0, allow_nan=False),
    st.one_of(st.none(), st.sampled_from([True, False])),
    instants,
)
def test_users_map_with_unicode_names_and_exact_rates(
    first, last, rate, contractor, at
):
    raw = {
        "id": 9,
        "first_name": first,
        "last_name": last,
        "email": None,
        "is_contractor": contractor,
        "cost_rate": rate,
        "created_at": at.isoformat(),
    }
    worker = mapping.worker(raw, ACCOUNT)
    assert (worker.given_name, worker.family_name) == (first, last)
    assert worker.cost_rate is not None
    assert worker.cost_rate.amount == rate
    assert worker.hire_date == at.date()


@given(
    st.decimals(min_value=0, max_value=Decimal("1e15"), places=3, allow_nan=False),
    instants,
    instants,
)
def test_assignments_keep_exact_rates_and_ordered_dates(rate, created, updated):
    raw = {
        "id": 5,
        "user": {"id": 1},
        "project": {"id": 2},
        "hourly_rate": rate,
        "is_active": False,
        "created_at": created.isoformat(),
        "updated_at": updated.isoformat(),
    }
    result = mapping.assignment(raw, mapping.HarvestAccount("KWD", "LE", "CC"))
    assert result.bill_rate.amount == rate
    assert result.bill_rate.currency == "KWD"
    assert result.end_date is not None
    assert result.end_date >= result.start_date


def test_a_float_is_read_through_its_repr_not_its_binary_value():
    assert mapping.to_decimal(0.1) == Decimal("0.1")
    with pytest.raises(ValueError):
        mapping.to_decimal(None)
