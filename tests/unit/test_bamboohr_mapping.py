"""BambooHR → Worker mapping: properties over names, optional fields, dates, types."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.connectors.bamboohr.mapping import BambooHRAccount, event_id, worker
from baton.model.common import WorkerType

names = st.text(min_size=1, max_size=30).filter(lambda s: s.strip() != "")
days = st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31))
edges = st.sampled_from(
    [
        dt.date(2023, 12, 31),
        dt.date(2024, 1, 1),
        dt.date(2024, 1, 31),
        dt.date(2024, 2, 29),
        dt.date(2024, 3, 1),
        dt.date(2024, 12, 31),
    ]
)
optional = st.fixed_dictionaries(
    {},
    optional={
        "employeeNumber": st.one_of(st.none(), st.just(""), st.just("E-1")),
        "workEmail": st.one_of(st.none(), st.just(""), st.just("a@b.example")),
        "jobTitle": st.one_of(st.none(), st.just(""), names),
        "location": st.one_of(st.none(), st.just(""), names),
        "department": st.one_of(st.none(), st.just("Delivery")),
        "supervisorEId": st.one_of(st.none(), st.just(""), st.just("9")),
        "terminationDate": st.one_of(st.none(), st.just(""), st.just("0000-00-00")),
    },
)


@given(first=names, last=names, hire=st.one_of(days, edges), extra=optional)
def test_names_and_optional_fields(first, last, hire, extra):
    raw = {
        "id": "42",
        "firstName": first,
        "lastName": last,
        "hireDate": hire.isoformat(),
        **extra,
    }
    w = worker(raw, BambooHRAccount(cost_centers={"Delivery": "cc-1"}))
    assert (w.given_name, w.family_name) == (first.strip(), last.strip())
    assert w.id == "bamboohr:employee:42"
    assert w.external_ids == {"bamboohr": "42"}
    assert w.hire_date == hire
    assert w.termination_date is None
    assert w.manager_id == (
        "bamboohr:employee:9" if extra.get("supervisorEId") else None
    )
    assert w.cost_center_id == ("cc-1" if extra.get("department") else None)
    assert (w.role_id is None) == (not (extra.get("jobTitle") or "").strip())


@given(hire=st.one_of(days, edges), end=st.one_of(days, edges))
def test_termination_dates_keep_their_day_or_mark_a_rehire(hire, end):
    raw = {
        "id": "1",
        "firstName": "A",
        "lastName": "B",
        "hireDate": hire.isoformat(),
        "terminationDate": end.isoformat(),
        "status": "Inactive",
    }
    w = worker(raw)
    assert w.hire_date == hire
    assert w.termination_date == (end if end >= hire else None)
    assert w.is_active_on(hire)


@given(
    status=st.sampled_from(
        [
            "Contractor",
            "contractor",
            "Contract",
            "Full-Time",
            "Part-Time",
            "Intern",
            "",
            None,
        ]
    )
)
def test_contractor_versus_employee(status):
    raw = {
        "id": "1",
        "firstName": "A",
        "lastName": "B",
        "hireDate": "2024-02-29",
        "employmentHistoryStatus": status,
    }
    expected = (
        WorkerType.CONTRACTOR
        if status and "contract" in status.lower()
        else WorkerType.EMPLOYEE
    )
    assert worker(raw).worker_type is expected


@pytest.mark.parametrize("missing", ["id", "firstName", "lastName", "hireDate"])
def test_a_required_field_missing_is_rejected(missing):
    raw = {"id": "1", "firstName": "A", "lastName": "B", "hireDate": "2024-01-01"}
    with pytest.raises(ValueError):
        worker({**raw, missing: ""})


def test_event_id_uses_last_changed_and_is_stable_without_it():
    raw = {"id": "5", "firstName": "A", "lastChanged": "2024-01-01T00:00:00+00:00"}
    assert event_id(raw) == "bamboohr:employee:5:2024-01-01T00:00:00+00:00"
    assert event_id(raw, "x") == "bamboohr:employee:5:x"
    bare = {"id": "5", "firstName": "A"}
    assert (
        event_id(bare) == event_id(dict(bare)) != event_id({**bare, "firstName": "B"})
    )
