"""Canonical ``PostTimeEntry`` → the generic ERP's time-entry body (pure).

The body is the one the benchmark's ERP sink checks::

    {"externalId", "employeeId", "projectCode", "workDate", "hours",
     "payItem", "amount"}

``hours`` and ``amount`` are JSON numbers (the ERP reads numbers, not strings);
Decimal → float is exact for quarter hours and for cents within ±2**53/100.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from baton.model.commands import PostTimeEntry

__all__ = ["MAPPING_VERSION", "time_entry_body"]

MAPPING_VERSION = "generic-erp/time-entry/v1"


def time_entry_body(cmd: PostTimeEntry) -> dict[str, Any]:
    """The ERP body for one approved time entry.

    Raises:
        KeyError: a target reference (``employee`` or ``pay_item``) is missing.
    """
    return {
        "externalId": cmd.entry_id,
        "employeeId": cmd.refs["employee"],
        "projectCode": cmd.project_code,
        "workDate": cmd.work_date.isoformat(),
        "hours": float(cmd.hours),
        "payItem": cmd.refs["pay_item"],
        "amount": float(cmd.amount),
    }
