"""Write a pay period's new approved hours as a payroll import file, once.

The ledger is the cross-reference table: each exported time entry gets an
xref ``(TimeEntry, id) → (payroll, batch id)`` written after the file is
complete. An export of a period takes only entries without one, so running
it again never counts hours twice; ``again=BATCH`` rebuilds a lost batch's
file byte for byte (same rows, same checksum). Each file gets a
``.sha256`` beside it.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import orjson

from baton.connectors.payroll.layouts import adp_rows, csv_rows
from baton.model.time_expense import TimeEntry
from baton.workflows.payroll import allocate

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping
    from pathlib import Path

    from baton.store.sql import SqlStore

__all__ = ["ExportResult", "export_period"]

SYSTEM = "payroll"


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote (``path`` None: nothing new to export)."""

    batch_id: str
    path: Path | None
    sha256: str | None
    workers: int
    entries: int
    hours: str


def _entries(store: SqlStore) -> list[TimeEntry]:
    """The stored canonical time entries (``records`` holds them as JSON)."""
    out = []
    for cid, data in store.canonical_records("TimeEntry"):
        doc = orjson.loads(data)
        doc["id"] = cid
        out.append(TimeEntry.model_validate(doc))
    return out


def export_period(
    store: SqlStore,
    out_dir: Path,
    period_start: dt.date,
    period_end: dt.date,
    *,
    layout: str = "adp",
    company_code: str = "BTN",
    legal_entity_id: str = "default",
    payroll_ids: Mapping[str, str] | None = None,
    adp_codes: Mapping[str, str] | None = None,
    again: str | None = None,
) -> ExportResult:
    """Export the period's new approved hours (or rebuild batch ``again``).

    Raises:
        ValueError: unknown layout or batch, or a worker without payroll id.
    """
    if layout not in ("adp", "csv"):
        raise ValueError(f"unknown layout {layout!r} (adp or csv)")
    ledger = store.xrefs("TimeEntry", SYSTEM)
    entries = _entries(store)
    if again is not None:
        chosen = {cid for cid, batch in ledger.items() if batch == again}
        if not chosen:
            raise ValueError(f"no exported batch {again!r}")
        entries = [e for e in entries if e.id in chosen]
        done: frozenset[str] = frozenset()
        batch_id = again
    else:
        done = frozenset(ledger)
        n = len({b for b in ledger.values() if b.startswith(period_start.isoformat())})
        batch_id = f"{period_start.isoformat()}-{n + 1:03d}"
    allocations = allocate(
        entries,
        period_start,
        period_end,
        legal_entity_id=legal_entity_id,
        already_exported=done,
    )
    count = sum(len(a.time_entry_ids) for a in allocations)
    total = sum((a.total_hours() for a in allocations), Decimal(0))
    if not allocations:
        return ExportResult(batch_id, None, None, 0, 0, "0")
    ids = dict(payroll_ids or {})
    if layout == "adp":
        rows = adp_rows(
            allocations,
            ids,
            company_code=company_code,
            batch_id=batch_id,
            adp_codes=adp_codes or {"PTO": "VAC"},
        )
    else:
        rows = csv_rows(allocations, ids)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    data = buf.getvalue().encode()
    digest = hashlib.sha256(data).hexdigest()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{layout}-{batch_id}.csv"
    path.write_bytes(data)
    (out_dir / f"{path.name}.sha256").write_text(f"{digest}  {path.name}\n")
    if again is None:
        store.put_xrefs(
            "TimeEntry",
            SYSTEM,
            ((tid, batch_id) for a in allocations for tid in a.time_entry_ids),
        )
    return ExportResult(batch_id, path, digest, len(allocations), count, str(total))
