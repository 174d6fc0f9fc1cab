"""Approved hours → payroll allocations for a pay period (pure decisions).

Steps: take the approved time entries worked in the period that no earlier
batch exported, group them by worker and pay code, and produce one
:class:`PayrollAllocation` per worker with the entry ids it came from. The
export (``connectors/payroll``) writes them in the payroll system's import
layout and records the batch in the ledger, so a later export of the same
period carries only what is new: hours are never counted twice.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from baton.model.payroll import PayrollAllocation, PayrollAllocationLine

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable

    from baton.model.time_expense import TimeEntry

__all__ = ["allocate"]


def allocate(
    entries: Iterable[TimeEntry],
    period_start: dt.date,
    period_end: dt.date,
    *,
    legal_entity_id: str,
    already_exported: frozenset[str] = frozenset(),
) -> list[PayrollAllocation]:
    """Allocations of the period's approved, not yet exported hours, by worker.

    Lines are sorted by pay code, allocations by worker id, so the same
    input always gives the same file.
    """
    hours: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    ids: dict[str, list[str]] = defaultdict(list)
    for e in entries:
        if e.status.value != "approved" or e.id in already_exported:
            continue
        if not period_start <= e.work_date <= period_end:
            continue
        hours[e.worker_id][e.pay_code] += e.hours
        ids[e.worker_id].append(e.id)
    return [
        PayrollAllocation(
            id=f"pay-{period_start.isoformat()}-{worker}",
            worker_id=worker,
            legal_entity_id=legal_entity_id,
            period_start=period_start,
            period_end=period_end,
            lines=tuple(
                PayrollAllocationLine(pay_code=code, hours=h)
                for code, h in sorted(hours[worker].items())
            ),
            time_entry_ids=tuple(sorted(ids[worker])),
        )
        for worker in sorted(hours)
    ]
