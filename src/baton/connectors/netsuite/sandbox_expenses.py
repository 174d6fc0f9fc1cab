"""The sandbox's checks of ``expenseReport`` bodies (NetSuite's wording [kb]).

An expense report needs an ``entity`` that is a stored employee (by ``id``
or ``externalId``), a ``tranDate`` and at least one ``expense`` line. Each
line needs a ``category`` that is a stored ``expenseCategory`` (by ``id``),
an ``expenseDate``, a numeric ``amount`` greater than zero (and a numeric
``foreignAmount`` when given), a ``currency``; a line marked ``isBillable``
needs a ``customer`` (the job billed), which must be a stored job or
customer when given by ``id``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["check_expense_report"]


def _invalid(value: Any, field: str) -> str:
    shown = (
        value.get("id", value.get("externalId")) if isinstance(value, dict) else value
    )
    return (
        "Error while accessing a resource. You have entered an Invalid Field "
        f"Value {shown} for the following field: {field}"
    )


def _stored(ref: Any, *tables: dict[str, dict[str, Any]]) -> bool:
    if not isinstance(ref, dict):
        return False
    if ref.get("id") is not None:
        return any(str(ref["id"]) in t for t in tables)
    eid = ref.get("externalId")
    return eid is not None and any(
        r.get("externalId") == eid for t in tables for r in t.values()
    )


def _is_date(value: Any) -> bool:
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float)


def _check_line(
    n: int, line: Any, table: Callable[[str], dict[str, dict[str, Any]]]
) -> str | None:
    if not isinstance(line, dict):
        return f"Invalid expense line {n}."
    missing = [
        f
        for f in ("category", "expenseDate", "amount", "currency")
        if line.get(f) in (None, "", {})
    ]
    if missing:
        return f"Please enter value(s) for: {', '.join(missing)} (line {n})."
    category = line["category"]
    if not isinstance(category, dict) or (
        category.get("id") is not None
        and not _stored(category, table("expensecategory"))
    ):
        return _invalid(category, "category")
    if not _is_date(line["expenseDate"]):
        return _invalid(line["expenseDate"], "expenseDate")
    for field in ("amount", "foreignAmount"):
        value = line.get(field, 1)
        if not _is_number(value) or value <= 0:
            return _invalid(value, field)
    customer = line.get("customer")
    if line.get("isBillable") is True and customer in (None, {}):
        return f"Please enter value(s) for: customer (line {n})."
    if (
        isinstance(customer, dict)
        and customer.get("id") is not None
        and not _stored(customer, table("job"), table("customer"))
    ):
        return _invalid(customer, "customer")
    return None


def check_expense_report(
    body: dict[str, Any], table: Callable[[str], dict[str, dict[str, Any]]]
) -> str | None:
    """NetSuite's detail for an expense report it would refuse, else None."""
    missing = [f for f in ("entity", "tranDate") if body.get(f) in (None, "", {})]
    if missing:
        return f"Please enter value(s) for: {', '.join(missing)}."
    if not _stored(body["entity"], table("employee")):
        return _invalid(body["entity"], "entity")
    if not _is_date(body["tranDate"]):
        return _invalid(body["tranDate"], "tranDate")
    sublist = body.get("expense")
    lines = sublist.get("items") if isinstance(sublist, dict) else None
    if not isinstance(lines, list) or not lines:
        return "You must enter at least one line item for this transaction."
    for n, line in enumerate(lines, start=1):
        problem = _check_line(n, line, table)
        if problem is not None:
            return problem
    return None
