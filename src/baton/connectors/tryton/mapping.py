"""Canonical ``PostTimeEntry`` ⇄ a Tryton ``timesheet.line`` (pure: no I/O, no clock).

The outbox body (what :meth:`TrytonTarget.render` stores) is::

    {"mapping": "tryton/timesheet.line/v1",
     "project_code": "PRJ-0001",           # resolved to a timesheet.work on apply
     "line": {"employee": "42",            # refs["employee"]: a company.employee id
              "date": "2025-03-14",
              "duration_seconds": 27000,
              "description": "baton:te-00001"}}

Where the ids come from:

* **employee**: ``cmd.refs["employee"]``, i.e. the worker's ``erp_employee_id``
  in Baton's reference data, which must be the Tryton ``company.employee`` id.
* **work**: ``PostTimeEntry.refs`` carries no work today, so the connector
  resolves ``project_code`` on apply: the ``project.work`` of the user's
  company whose ``number`` or ``name`` equals the code, and its bookable
  ``timesheet.work``.
* **company**: the Tryton user's current company (session context).

``description`` holds the stable Baton reference ``baton:<entry_id>``: Tryton
8.2 refuses remote writes to ``timesheet.line.uuid``, so lookups search the
description for it.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from baton.model.commands import PostTimeEntry

__all__ = [
    "MAPPING_VERSION",
    "MappingError",
    "duration_seconds",
    "line_values",
    "reference",
    "timesheet_body",
]

MAPPING_VERSION = "tryton/timesheet.line/v1"
REF_PREFIX = "baton:"
_MINUTES_PER_HOUR = Decimal(60)
_SECONDS_PER_HOUR = Decimal(3600)


class MappingError(ValueError):
    """A stored body cannot become a timesheet line (the message says why)."""


def reference(entry_id: str) -> str:
    """The stable Baton reference stored in the line's description."""
    return f"{REF_PREFIX}{entry_id}"


def duration_seconds(hours: Decimal) -> int:
    """Decimal hours → whole seconds, exact for quarter hours and minutes.

    A value that is a whole number of minutes written as decimal hours,
    exactly or rounded half-up to its decimal places (``7.5``, ``1.05``,
    ``0.0167``, ``0.017``, ``0.33`` for 20 min) gives exactly that many
    minutes, the way :func:`baton.model.common.validate_hours` reads it.
    Anything else is rounded half-up to the second.
    """
    minutes = (hours * _MINUTES_PER_HOUR).to_integral_value(rounding=ROUND_HALF_EVEN)
    exponent = min(int(hours.as_tuple().exponent), 0)
    written = (minutes / _MINUTES_PER_HOUR).quantize(
        Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP
    )
    if written == hours:
        return int(minutes) * 60
    return int((hours * _SECONDS_PER_HOUR).to_integral_value(rounding=ROUND_HALF_UP))


def timesheet_body(cmd: PostTimeEntry) -> dict[str, Any]:
    """The outbox body for one approved time entry (see the module docstring).

    Raises:
        KeyError: ``cmd.refs`` has no ``employee``.
    """
    return {
        "mapping": MAPPING_VERSION,
        "project_code": cmd.project_code,
        "line": {
            "employee": cmd.refs["employee"],
            "date": cmd.work_date.isoformat(),
            "duration_seconds": duration_seconds(cmd.hours),
            "description": reference(cmd.entry_id),
        },
    }


def line_values(body: dict[str, Any], *, company: int, work: int) -> dict[str, Any]:
    """The ``timesheet.line.create`` values for a stored body.

    Raises:
        MappingError: the employee reference is not a Tryton id.
    """
    line = body["line"]
    employee = str(line["employee"])
    if not (employee.isascii() and employee.isdigit()):
        raise MappingError(
            f"employee reference {employee!r} is not a Tryton employee id"
        )
    return {
        "company": company,
        "employee": int(employee),
        "work": work,
        "date": dt.date.fromisoformat(line["date"]),
        "duration": dt.timedelta(seconds=int(line["duration_seconds"])),
        "description": str(line["description"]),
    }
