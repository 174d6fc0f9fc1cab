"""Publishing to DuckDB and Parquet: what BI reads matches what Baton holds."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import duckdb

from baton.analytics.publish import publish
from baton.workflows.time_entry import TimeEntryIn
from tests.conftest import hub_settings, running_hub


def entry(n: int, project: str = "PRJ-0001", hours: str = "7.5") -> TimeEntryIn:
    return TimeEntryIn.model_validate(
        {
            "entry_id": f"te-a{n}",
            "worker_id": f"W{n:05d}",
            "project_code": project,
            "date": dt.date(2026, 11, n).isoformat(),
            "hours": Decimal(hours),
            "pay_code": "REG",
            "status": "approved",
        }
    )


async def test_publish_refreshes_tables_and_parquet(
    store_url, refdata_dir, erp, tmp_path
):
    _sandbox, url = erp
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:
        for n in range(1, 5):
            await hub.time_entries.handle(entry(n), "{}", wait=True, timeout=5)
        await hub.time_entries.handle(entry(9, "PRJ-0007"), "{}", wait=True, timeout=5)
        first = publish(hub.store, tmp_path)
        await hub.time_entries.handle(
            entry(5, hours="1.25"), "{}", wait=True, timeout=5
        )
        for _ in range(100):  # the settlement is committed right after the answer
            if hub.store.counts()["deliveries"].get("confirmed") == 5:
                break
            await asyncio.sleep(0.02)
        second = publish(hub.store, tmp_path)
    assert first.rows == {
        "time_entries": 4,
        "fact_time_posting": 4,
        "exceptions": 1,
        "dead_letters": 0,
    }
    with duckdb.connect(str(second.database), read_only=True) as con:
        hours = con.execute("SELECT sum(hours) FROM time_entries").fetchone()
        posted = con.execute(
            "SELECT count(*) FROM fact_time_posting WHERE state = 'confirmed'"
        ).fetchone()
        owner = con.execute("SELECT owner_team, rule FROM exceptions").fetchall()
        parquet = con.execute(
            f"SELECT count(*), sum(hours) FROM read_parquet('{second.parquet['time_entries']}')"
        ).fetchone()
    assert hours == (Decimal("31.25"),)
    assert posted == (5,)
    assert owner == [("delivery_ops", "project.inactive")]
    assert parquet == (5, Decimal("31.25"))
    assert not list(tmp_path.glob(".*.tmp"))
