"""Workday RaaS report entries → termination dates and workers, as properties."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.connectors.workday import mapping, raas
from baton.model.common import WorkerType

names = st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != "")
edges = st.sampled_from(
    [
        dt.date(2023, 12, 31),
        dt.date(2024, 1, 1),
        dt.date(2024, 2, 29),
        dt.date(2024, 3, 1),
    ]
)
days = st.one_of(edges, st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)))
suffixes = st.sampled_from(["", "-08:00", "+05:30", "Z", "T00:00:00-07:00", "-00:00"])
optional = st.fixed_dictionaries(
    {},
    optional={
        "Worker_Type": st.sampled_from(
            ["Employee", "Contingent Worker", {"Descriptor": "Contingent Worker"}, []]
        ),
        "Legal_Name_First_Name": names,
        "Legal_Name_Last_Name": names,
        "Email_Address": st.just("a@b.example"),
        "Hire_Date": st.just("2020-01-01"),
    },
)


@given(day=days, suffix=suffixes)
def test_a_workday_date_keeps_its_calendar_day_whatever_the_suffix(day, suffix):
    assert raas.parse_day(day.isoformat() + suffix) == day


@given(
    text=st.one_of(
        st.text(max_size=12), st.from_regex(r"\A\d{4}-\d{2}-\d{2}Z?\Z")
    ).filter(lambda s: s.strip() != "")
)
def test_anything_else_is_not_a_date(text):
    # within 12 characters the only Workday forms are YYYY-MM-DD and YYYY-MM-DDZ
    shaped = re.fullmatch(r"\d{4}-\d{2}-\d{2}Z?", text.strip(), re.ASCII)
    try:
        expected = dt.date.fromisoformat(text.strip()[:10]) if shaped else None
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(ValueError, match="is not a date"):
            raas.parse_day(text)
    else:
        assert raas.parse_day(text) == expected


@given(end=days, suffix=suffixes, extra=optional, last=st.one_of(st.none(), days))
def test_an_entry_maps_through_the_field_map(end, suffix, extra, last):
    raw = {
        "Employee_ID": "21001",
        "Termination_Date": end.isoformat() + suffix,
        **extra,
    }
    if last is not None:
        raw["Last_Day_of_Work"] = last.isoformat()
    found = raas.entry(raw, raas.FieldMap())
    assert (found.employee_id, found.wid, found.end) == ("21001", None, end)
    assert found.given_name == (extra.get("Legal_Name_First_Name", "").strip() or None)
    contingent = "Contingent" in str(extra.get("Worker_Type"))
    kinds = {True: WorkerType.CONTRACTOR, False: WorkerType.EMPLOYEE}
    expected = kinds[contingent] if extra.get("Worker_Type") not in (None, []) else None
    assert found.worker_type is expected
    # renamed columns read the same entry the same way
    fields = raas.FieldMap(employee_id="Emp", termination_date="End")
    renamed = {
        ("Emp" if k == "Employee_ID" else "End" if k == "Termination_Date" else k): v
        for k, v in raw.items()
    }
    assert raas.entry(renamed, fields) == found
    without = {k: v for k, v in raw.items() if k != "Termination_Date"}
    assert raas.entry(without, raas.FieldMap()).end == last


@given(hire=days, end=days, first=names, last=names, contingent=st.booleans())
def test_an_absent_worker_is_a_record_or_refused_and_rehires_drop_old_ends(
    hire, end, first, last, contingent
):
    raw = {
        "Employee_ID": "21001",
        "Workday_ID": "wid-1",
        "Termination_Date": f"{end.isoformat()}-08:00",
        "Hire_Date": hire.isoformat(),
        "Worker_Type": "Contingent Worker" if contingent else "Employee",
        "Legal_Name_First_Name": first,
        "Legal_Name_Last_Name": last,
    }
    found = raas.entry(raw, raas.FieldMap())
    assert mapping.end_for(found, hire) == (end if end >= hire else None)
    if end < hire:
        with pytest.raises(ValueError, match="before hire"):
            mapping.absent_worker(found)
        return
    worker = mapping.absent_worker(found)
    assert (worker.hire_date, worker.termination_date) == (hire, end)
    assert (worker.given_name, worker.family_name) == (first.strip(), last.strip())
    assert worker.external_ids == {"workday": "wid-1"}
    kind = WorkerType.CONTRACTOR if contingent else WorkerType.EMPLOYEE
    assert worker.worker_type is kind
    assert worker.is_active_on(end)
    assert not worker.is_active_on(end + dt.timedelta(days=1))


@given(ends=st.lists(st.one_of(st.none(), days), min_size=1, max_size=5))
def test_a_worker_listed_twice_keeps_the_latest_end(ends):
    rows = [
        {
            "Employee_ID": "E1",
            "Workday_ID": "w1",
            "Termination_Date": e and e.isoformat(),
        }
        for e in ends
    ]
    rows = [{k: v for k, v in r.items() if v is not None} for r in rows]
    if not any("Termination_Date" in r for r in rows):
        with pytest.raises(raas.FieldMapError):
            raas.terminations(rows, raas.FieldMap())
        return
    index = raas.terminations(rows, raas.FieldMap())
    expected = max(e for e in ends if e is not None)
    assert index.find("w1", None).end == expected  # type: ignore[union-attr]
    assert index.find(None, "E1") is index.find("w1", None)
    assert len(index.all()) == 1
