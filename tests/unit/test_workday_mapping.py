"""Workday → Worker mapping: properties over names, optional fields, dates, types."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.connectors.workday.mapping import event_id, worker
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
ref = st.fixed_dictionaries({"id": st.sampled_from(["x1", "", " "])})
job = st.fixed_dictionaries(
    {},
    optional={
        "businessTitle": names,
        "jobProfile": st.one_of(st.none(), ref),
        "location": st.one_of(st.none(), ref),
    },
)
optional = st.fixed_dictionaries(
    {},
    optional={
        "workerId": st.one_of(st.none(), st.just(""), st.just("21001")),
        "person": st.one_of(
            st.none(),
            st.fixed_dictionaries({}, optional={"email": st.just("a@b.example")}),
        ),
        "primaryJob": st.one_of(st.none(), job),
        "workerType": st.one_of(st.none(), st.just({"id": "t"})),
    },
)


def base(**extra: object) -> dict[str, object]:
    return {"id": "w1", "descriptor": "A B", **extra}


@given(first=names, last=names, hire=st.one_of(days, edges), extra=optional)
def test_names_and_optional_fields(first, last, hire, extra):
    w = worker(
        base(**extra),
        service_dates={"hireDate": hire.isoformat()},
        legal_name={"first": first, "primary": last},
    )
    assert (w.given_name, w.family_name) == (first.strip(), last.strip())
    assert (w.id, w.external_ids) == ("workday:worker:w1", {"workday": "w1"})
    assert w.hire_date == hire
    assert w.termination_date is None
    assert w.worker_type is WorkerType.EMPLOYEE
    assert w.employee_number == (extra.get("workerId") or None)
    assert w.email == ((extra.get("person") or {}).get("email"))
    profile = ((extra.get("primaryJob") or {}).get("jobProfile") or {}).get("id")
    assert w.role_id == (f"workday:jobProfile:{profile}" if profile == "x1" else None)


@given(hire=st.one_of(days, edges), end=st.one_of(days, edges))
def test_termination_before_hire_is_refused(hire, end):
    def build():
        return worker(
            base(),
            service_dates={"hireDate": hire.isoformat()},
            legal_name={"first": "A", "primary": "B"},
            termination_date=end,
        )

    if end < hire:
        with pytest.raises(ValueError, match="before hire"):
            build()
    else:
        w = build()
        assert (w.hire_date, w.termination_date) == (hire, end)
        assert w.is_active_on(hire)
        assert w.is_active_on(end)
        assert not w.is_active_on(end + dt.timedelta(days=1))


@given(
    descriptor=st.sampled_from(
        ["Employee", "Contingent Worker", "contingent worker", "CONTINGENT", "", None]
    ),
    managers=st.lists(st.sampled_from(["w1", "m1", "m2"]), max_size=3),
)
def test_employee_versus_contingent_and_the_manager(descriptor, managers):
    w = worker(
        base(workerType={"id": "t", "descriptor": descriptor}),
        service_dates={"hireDate": "2024-01-01"},
        legal_name={"first": "A", "primary": "B"},
        organization={"managers": [{"id": m} for m in managers]},
    )
    contingent = bool(descriptor) and "contingent" in descriptor.lower()
    assert w.worker_type is (
        WorkerType.CONTRACTOR if contingent else WorkerType.EMPLOYEE
    )
    others = [m for m in managers if m != "w1"]
    assert w.manager_id == (f"workday:worker:{others[0]}" if others else None)


@pytest.mark.parametrize(
    ("raw", "dates", "name"),
    [
        (
            {"descriptor": "A B"},
            {"hireDate": "2024-01-01"},
            {"first": "A", "primary": "B"},
        ),
        (base(), {}, {"first": "A", "primary": "B"}),
        (base(), {"hireDate": "2024-13-01"}, {"first": "A", "primary": "B"}),
        (base(), {"hireDate": "2024-01-01"}, {"first": " ", "primary": "B"}),
        (base(), {"hireDate": "2024-01-01"}, None),
    ],
)
def test_a_required_field_missing_is_rejected(raw, dates, name):
    with pytest.raises(ValueError):
        worker(raw, service_dates=dates, legal_name=name)


def test_event_id_is_the_content_hash_of_the_mapped_record():
    def build(first: str):
        return worker(
            base(),
            service_dates={"hireDate": "2024-01-01"},
            legal_name={"first": first, "primary": "B"},
        )

    assert event_id(build("A")) == event_id(build("A")) != event_id(build("Å"))
    assert event_id(build("A")).startswith("workday:worker:w1:")
