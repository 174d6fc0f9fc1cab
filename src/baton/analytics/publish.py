"""Publish Baton's entities and facts to a DuckDB file and Parquet files.

The embedded default BI target: ``baton.duckdb`` holds one table per
dataset, and each dataset is also written as ``<name>.parquet`` for any
warehouse to load. A publish is a full refresh done atomically per file
(written beside, then renamed), so a reader never sees half a table.

Datasets:

* ``time_entries`` — canonical time entries (entry, worker, project, date,
  hours, pay code, status);
* ``fact_time_posting`` — each time entry with its ERP delivery (state,
  amount, currency, attempts, ERP id);
* ``exceptions`` — open quarantine by owner team and rule, amount at stake;
* ``dead_letters`` — deliveries that gave up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import duckdb
import orjson

if TYPE_CHECKING:
    from pathlib import Path

    from baton.store.sql import SqlStore

__all__ = ["Published", "publish"]

_SCHEMAS = {
    "time_entries": (
        "entry_id VARCHAR, worker_id VARCHAR, project_code VARCHAR, work_date DATE, "
        "hours DECIMAL(9, 2), pay_code VARCHAR, status VARCHAR"
    ),
    "fact_time_posting": (
        "entry_id VARCHAR, target VARCHAR, state VARCHAR, amount DECIMAL(18, 2), "
        "currency VARCHAR, attempts INTEGER, external_ref VARCHAR"
    ),
    "exceptions": (
        "item_id VARCHAR, entity VARCHAR, record_id VARCHAR, rule VARCHAR, "
        "owner_team VARCHAR, amount DECIMAL(18, 2), currency VARCHAR, reason VARCHAR"
    ),
    "dead_letters": "item_id VARCHAR, delivery_id VARCHAR, target VARCHAR, attempts INTEGER, reason VARCHAR",
}


@dataclass(frozen=True, slots=True)
class Published:
    """Where the datasets went and how many rows each has."""

    database: Path
    parquet: dict[str, Path]
    rows: dict[str, int]


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _datasets(store: SqlStore) -> dict[str, list[tuple[Any, ...]]]:
    entries = []
    for cid, data in store.canonical_records("TimeEntry"):
        doc = orjson.loads(data)
        entries.append(
            (
                cid,
                doc.get("worker_id"),
                doc.get("project_code"),
                doc.get("work_date"),
                _dec(doc.get("hours")),
                doc.get("pay_code"),
                doc.get("status"),
            )
        )
    postings = [
        (
            d.canonical_id,
            d.target,
            d.state,
            _dec(d.amount),
            d.currency,
            d.attempts,
            d.external_ref,
        )
        for d in store.list_deliveries(limit=10_000_000)
        if d.entity == "TimeEntry"
    ]
    exceptions = [
        (
            q.id,
            q.entity,
            q.canonical_id,
            q.rule,
            q.owner_team,
            _dec(q.amount),
            q.currency,
            q.reason,
        )
        for q in store.list_quarantine("open", limit=10_000_000)
    ]
    deads = [
        (x.id, x.delivery_id, x.target, x.attempts, x.reason)
        for x in store.list_dead_letters("open", limit=10_000_000)
    ]
    return {
        "time_entries": entries,
        "fact_time_posting": postings,
        "exceptions": exceptions,
        "dead_letters": deads,
    }


def publish(store: SqlStore, out_dir: Path) -> Published:
    """Refresh every dataset in ``out_dir`` (DuckDB file + Parquet files)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = _datasets(store)
    db_path = out_dir / "baton.duckdb"
    tmp_db = out_dir / ".baton.duckdb.tmp"
    tmp_db.unlink(missing_ok=True)
    parquet: dict[str, Path] = {}
    with duckdb.connect(str(tmp_db)) as con:
        for name, rows in data.items():
            con.execute(f"CREATE TABLE {name} ({_SCHEMAS[name]})")
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                con.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)  # noqa: S608 - fixed names
            target = out_dir / f"{name}.parquet"
            tmp = out_dir / f".{name}.parquet.tmp"
            con.execute(f"COPY {name} TO '{tmp}' (FORMAT PARQUET)")
            tmp.replace(target)
            parquet[name] = target
    tmp_db.replace(db_path)
    return Published(db_path, parquet, {k: len(v) for k, v in data.items()})
