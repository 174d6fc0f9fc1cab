"""Payroll export: ADP pay data batch and generic CSV, checksummed, never twice."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from baton.connectors.payroll.export import export_period
from baton.workflows.time_entry import TimeEntryIn
from tests.conftest import hub_settings, running_hub

START, END = dt.date(2026, 11, 1), dt.date(2026, 11, 15)
IDS = {f"W{i:05d}": f"{100 + i:06d}" for i in range(1, 61)}


def entry(n: int, worker: int, hours: str, pay: str = "REG", day: int = 3):
    return TimeEntryIn.model_validate(
        {
            "entry_id": f"te-p{n}",
            "worker_id": f"W{worker:05d}",
            "project_code": "PRJ-0001",
            "date": dt.date(2026, 11, day).isoformat(),
            "hours": Decimal(hours),
            "pay_code": pay,
            "status": "approved",
        }
    )


def rows(path):
    with path.open(newline="") as f:
        return list(csv.reader(f))


async def test_export_once_then_only_what_is_new(store_url, refdata_dir, erp, tmp_path):
    _sandbox, url = erp
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:
        flow = hub.time_entries
        for e in (
            entry(1, 1, "8"),
            entry(2, 1, "2", "OT"),
            entry(3, 1, "4", "PTO"),
            entry(4, 2, "7.5"),
            entry(5, 2, "1", day=20),  # outside the period
        ):
            await flow.handle(e, "{}", wait=True, timeout=5)
        first = export_period(hub.store, tmp_path, START, END, payroll_ids=IDS)
        again = export_period(hub.store, tmp_path, START, END, payroll_ids=IDS)
        await flow.handle(entry(6, 2, "0.5", "OT"), "{}", wait=True, timeout=5)
        second = export_period(hub.store, tmp_path, START, END, payroll_ids=IDS)
        lost = first.path.read_bytes()
        first.path.unlink()
        rebuilt = export_period(
            hub.store, tmp_path, START, END, payroll_ids=IDS, again=first.batch_id
        )
        generic = export_period(
            hub.store,
            tmp_path / "csv",
            START,
            END,
            layout="csv",
            payroll_ids=IDS,
            again=first.batch_id,
        )
    assert (first.workers, first.entries, first.hours) == (2, 4, "21.5")
    assert rows(rebuilt.path)[1:] == [
        ["BTN", first.batch_id, "000101", "8.00", "2.00", "VAC", "4.00", *[""] * 6],
        ["BTN", first.batch_id, "000102", "7.50", "0.00", *[""] * 8],
    ]
    assert (again.path, again.entries) == (None, 0)
    assert (second.entries, second.hours) == (1, "0.5")
    assert rows(second.path)[1][2:5] == ["000102", "0.00", "0.50"]
    assert rebuilt.path.read_bytes() == lost
    assert rebuilt.sha256 == hashlib.sha256(lost).hexdigest()
    side = (tmp_path / f"{rebuilt.path.name}.sha256").read_text().split()
    assert side == [rebuilt.sha256, rebuilt.path.name]
    assert rows(generic.path)[1:] == [
        ["W00001", "000101", "2026-11-01", "2026-11-15", "OT", "2.00"],
        ["W00001", "000101", "2026-11-01", "2026-11-15", "PTO", "4.00"],
        ["W00001", "000101", "2026-11-01", "2026-11-15", "REG", "8.00"],
        ["W00002", "000102", "2026-11-01", "2026-11-15", "REG", "7.50"],
    ]


async def test_a_worker_without_payroll_id_is_refused(
    store_url, refdata_dir, erp, tmp_path
):
    _sandbox, url = erp
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:
        await hub.time_entries.handle(entry(1, 1, "8"), "{}", wait=True, timeout=5)
        with pytest.raises(ValueError, match="W00001 has no payroll file number"):
            export_period(hub.store, tmp_path, START, END, payroll_ids={})
        ledger = hub.store.xrefs("TimeEntry", "payroll")
    assert ledger == {}  # nothing marked exported when the file was not written
