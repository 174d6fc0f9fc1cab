"""Import layouts: allocations → CSV rows the payroll system reads.

* ``adp`` — ADP Workforce Now pay data batch (the "EPI" import): one row per
  employee with ``Co Code``, ``Batch ID``, ``File #``, ``Reg Hours``,
  ``O/T Hours`` and other hours as ``Hours 3 Code``/``Hours 3 Amount``
  pairs. Column names follow ADP's documented template as we know it
  [kb]; a firm's own ADP template may add columns — check it before go-live.
* ``csv`` — one row per worker × pay code: ``worker_id, payroll_id,
  period_start, period_end, pay_code, hours``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from baton.model.payroll import PayrollAllocation

__all__ = ["LAYOUTS", "adp_rows", "csv_rows"]

ADP_REG = "REG"
ADP_OT = "OT"
ADP_EXTRA_SLOTS = 4  # Hours 3 .. Hours 6


def _h(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def adp_rows(
    allocations: Sequence[PayrollAllocation],
    payroll_ids: Mapping[str, str],
    *,
    company_code: str,
    batch_id: str,
    adp_codes: Mapping[str, str],
) -> list[list[str]]:
    """Header + one row per worker, in ADP's pay data batch layout.

    Raises:
        ValueError: a worker has no payroll id, or more other pay codes than
            the layout has ``Hours N`` slots.
    """
    header = ["Co Code", "Batch ID", "File #", "Reg Hours", "O/T Hours"]
    for n in range(3, 3 + ADP_EXTRA_SLOTS):
        header += [f"Hours {n} Code", f"Hours {n} Amount"]
    rows = [header]
    for a in allocations:
        file_no = payroll_ids.get(a.worker_id)
        if not file_no:
            raise ValueError(f"worker {a.worker_id} has no payroll file number")
        by_code = {line.pay_code: line.hours for line in a.lines}
        row = [company_code, batch_id, file_no]
        row += [
            _h(by_code.pop(ADP_REG, Decimal(0))),
            _h(by_code.pop(ADP_OT, Decimal(0))),
        ]
        if len(by_code) > ADP_EXTRA_SLOTS:
            raise ValueError(f"worker {a.worker_id}: too many pay codes for one row")
        for code, hours in sorted(by_code.items()):
            row += [adp_codes.get(code, code), _h(hours)]
        row += [""] * (len(header) - len(row))
        rows.append(row)
    return rows


def csv_rows(
    allocations: Sequence[PayrollAllocation],
    payroll_ids: Mapping[str, str],
) -> list[list[str]]:
    """Header + one row per worker × pay code."""
    rows = [
        ["worker_id", "payroll_id", "period_start", "period_end", "pay_code", "hours"]
    ]
    rows.extend(
        [
            a.worker_id,
            payroll_ids.get(a.worker_id, ""),
            a.period_start.isoformat(),
            a.period_end.isoformat(),
            line.pay_code,
            _h(line.hours),
        ]
        for a in allocations
        for line in a.lines
    )
    return rows


LAYOUTS = ("adp", "csv")
