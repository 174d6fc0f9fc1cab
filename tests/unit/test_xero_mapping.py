"""Property tests of the pure Xero mapping: minutes, dates across zones, markers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.connectors.xero.mapping import (
    MAX_MINUTES,
    date_utc,
    entry_id_of,
    hours_of,
    minutes_of,
    time_entry_body,
    to_canonical,
    work_date_of,
)
from baton.model.commands import PostTimeEntry

ZONES = [
    "UTC", "Pacific/Kiritimati", "Etc/GMT+12", "Pacific/Auckland", "Pacific/Chatham",
    "America/St_Johns", "Asia/Kathmandu", "America/Los_Angeles", "Europe/London",
]  # fmt: skip
IDS = ["11111111-1111-1111-1111-111111111111"] * 3

quarters = st.integers(1, MAX_MINUTES // 15).map(lambda q: Decimal(q) / 4)
boundary_dates = st.builds(
    lambda y, m, last: (
        (dt.date(y, m % 12 + 1, 1) if m < 12 else dt.date(y + 1, 1, 1))
        - dt.timedelta(days=0 if not last else 1)
    ),
    st.integers(1971, 2099),
    st.integers(1, 12),
    st.booleans(),
)
texts = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


def cmd(**kw: object) -> PostTimeEntry:
    base: dict[str, object] = {
        "entry_id": "01HZX", "worker_id": "W", "project_code": "P", "pay_code": "REG",
        "work_date": dt.date(2024, 2, 29), "hours": Decimal("1.25"),
        "amount": Decimal(0), "currency": "NZD",
        "refs": dict(zip(("project", "task", "user"), IDS, strict=True)),
    }  # fmt: skip
    base.update(kw)
    return PostTimeEntry(**base)  # type: ignore[arg-type]


@given(quarters)
def test_quarter_hours_are_exact_minutes_both_ways(hours: Decimal) -> None:
    minutes = minutes_of(hours)
    assert minutes == hours * 60
    assert hours_of(minutes) == hours


@given(st.integers(1, MAX_MINUTES))
def test_any_minute_count_round_trips(minutes: int) -> None:
    hours = hours_of(minutes)  # exact, or 4 places for thirds of a minute
    assert round(hours * 60) == minutes
    if minutes % 15 == 0:
        assert minutes_of(hours) == minutes


@pytest.mark.parametrize(
    "hours", ["0", "-0.25", "0.01", "999.01", "1000", "NaN", "Infinity", "1E+10"]
)
def test_unsendable_hours_are_refused_not_rounded(hours: str) -> None:
    with pytest.raises(ValueError, match="minutes"):
        minutes_of(Decimal(hours))


@given(boundary_dates, st.sampled_from(ZONES))
def test_work_dates_at_month_and_year_ends_survive_every_zone(
    day: dt.date, tz: str
) -> None:
    sent = date_utc(day, tz)
    assert sent.endswith("Z")
    assert work_date_of(sent, tz) == day
    assert abs((dt.datetime.fromisoformat(sent).date() - day).days) <= 1


@given(texts, texts, st.sampled_from(ZONES), quarters.filter(lambda h: h <= 24))
def test_unicode_codes_and_ids_round_trip_through_xero(
    project: str, entry: str, tz: str, hours: Decimal
) -> None:
    command = cmd(project_code=project, entry_id=entry, hours=hours)
    if "[baton:" in entry:
        with pytest.raises(ValueError, match="cannot be marked"):
            time_entry_body(command, tz)
        return
    body = time_entry_body(command, tz)
    assert entry_id_of(body["description"]) == entry
    if entry.strip() != entry:  # canonical ids are never padded
        return
    item = {**body, "timeEntryId": "x1", "duration": body["duration"]}
    back = to_canonical(item, tz)
    assert (back.id, back.work_date, back.hours, back.pay_code) == (
        entry,
        command.work_date,
        hours,
        "REG",
    )
    assert back.external_ids == {"xero": "x1"}
    assert back.project_id == IDS[0]


def test_missing_refs_and_foreign_descriptions() -> None:
    with pytest.raises(KeyError):
        time_entry_body(cmd(refs={}), "UTC")
    assert entry_id_of(None) is None
    assert entry_id_of("typed in Xero") is None
    assert entry_id_of("x [baton:]") is None
    item = {"timeEntryId": "x2", "userId": "U", "projectId": "P", "taskId": "T",
            "dateUtc": "2020-02-27T15:00:00Z", "duration": 45, "description": None}  # fmt: skip
    back = to_canonical(item, "Pacific/Auckland")
    assert (back.id, back.work_date, back.hours) == (
        "xero:x2",
        dt.date(2020, 2, 28),
        Decimal("0.75"),
    )
    with pytest.raises(ValueError, match="24"):
        to_canonical({**item, "duration": MAX_MINUTES}, "UTC")
