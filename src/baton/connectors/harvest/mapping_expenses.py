"""Harvest expenses and task assignments → canonical models (pure: no I/O, no clock).

Ids follow :mod:`baton.connectors.harvest.mapping`: ``harvest:<kind>:<id>``
with the Harvest id in ``external_ids["harvest"]``; worker and project
references use the same scheme, so an expense's ``project_id`` and a task's
``project_id`` are the ids the ``projects`` stream gives its projects.

Expenses (``GET /v2/expenses``):

* amount = ``total_cost``, exact (the client parses JSON numbers as
  ``Decimal``; nothing is rounded). Without ``total_cost`` it is ``units`` ×
  the category's ``unit_price`` (a unit-priced category such as mileage),
  also exact. Zero, negative or non-finite amounts are rejected: the
  canonical expense is a cost greater than zero.
* currency: the client's ``currency`` (Harvest: "the currency for an expense
  is determined by the preferred currency set for the project's client"),
  else the account's (:class:`~baton.connectors.harvest.mapping.HarvestAccount`).
* approval: the time-entry rule (:func:`~baton.connectors.harvest.values.approval_status`):
  ``is_closed`` → approved; locked and billed → approved; locked alone (an
  archived project or person, nobody approved) → submitted; else draft.
* category: the expense category's name (its id when the name is blank);
  merchant: Harvest records none; task: Harvest expenses have none.
* billable: only an explicit ``true`` re-bills the customer.
* receipt: attached when Harvest gives a receipt object with a URL or file.

Task assignments (``GET /v2/task_assignments``) → ``Task``: Harvest tasks are
account-wide and reach a project through an assignment, while a canonical
``Task`` belongs to one project, so one canonical task is one assignment
(id ``harvest:task_assignment:<id>``). ``code`` is the Harvest *task id*, not
its name: names are edited freely, the id never changes, and a time entry's
``task_id`` (``harvest:task:<task id>``) together with its ``project_id``
then finds its task by ``(project_id, code)``. ``name`` is the task's name.
``billable`` is the assignment's (missing → billable, Harvest's default).
An archived assignment (``is_active`` false) ends on its last update, as
user assignments do; rates and budgets have no place on ``Task``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from baton.connectors.harvest.values import (
    SYSTEM,
    approval_status,
    canonical_id,
    parse_timestamp,
    to_decimal,
)
from baton.model import Expense, Money, Task

if TYPE_CHECKING:
    from collections.abc import Mapping
    from decimal import Decimal

    from baton.connectors.harvest.mapping import HarvestAccount

__all__ = ["expense", "expense_amount", "expense_currency", "task"]


def _ref(raw: Mapping[str, Any], key: str) -> Any:
    obj = raw.get(key)
    if not isinstance(obj, dict) or obj.get("id") is None:
        raise ValueError(f"{key} is missing")
    return obj["id"]


def _day(raw: Mapping[str, Any], key: str) -> dt.date:
    value = raw.get(key)
    if not value:
        raise ValueError(f"{key} is missing")
    return dt.date.fromisoformat(str(value))


def expense_amount(raw: Mapping[str, Any]) -> Decimal:
    """The exact amount of a Harvest expense (module docstring).

    Raises:
        ValueError: no amount, or one that is not a finite number above zero.
    """
    total = raw.get("total_cost")
    if total is None:
        category = raw.get("expense_category") or {}
        units, price = raw.get("units"), category.get("unit_price")
        if units is None or price is None:
            raise ValueError("total_cost is missing")
        amount = to_decimal(units) * to_decimal(price)
    else:
        amount = to_decimal(total)
    if not amount.is_finite():
        raise ValueError("total_cost must be a finite number")
    if amount <= 0:
        raise ValueError(f"total_cost must be greater than zero, got {amount}")
    return amount


def expense_currency(raw: Mapping[str, Any], account: HarvestAccount) -> str:
    """The client's currency, else the account's."""
    client = raw.get("client")
    code = client.get("currency") if isinstance(client, dict) else None
    return str(code) if code else account.currency


def _category(raw: Mapping[str, Any]) -> str:
    category = raw.get("expense_category")
    if not isinstance(category, dict):
        category = {}
    name = str(category.get("name") or "").strip()
    if name:
        return name
    if category.get("id") is None:
        raise ValueError("expense_category is missing")
    return str(category["id"])


def _receipt(raw: Mapping[str, Any]) -> bool:
    receipt = raw.get("receipt")
    return isinstance(receipt, dict) and bool(
        receipt.get("url") or receipt.get("file_name")
    )


def expense(raw: Mapping[str, Any], account: HarvestAccount) -> Expense:
    """A Harvest expense as a canonical ``Expense``.

    Raises:
        ValueError: no user, date, category or positive amount.
    """
    project = raw.get("project")
    pid = project.get("id") if isinstance(project, dict) else None
    return Expense(
        id=canonical_id("expense", raw["id"]),
        source_system=SYSTEM,
        external_ids={SYSTEM: str(raw["id"])},
        worker_id=canonical_id("user", _ref(raw, "user")),
        project_id=None if pid is None else canonical_id("project", pid),
        expense_date=_day(raw, "spent_date"),
        amount=Money(
            amount=expense_amount(raw), currency=expense_currency(raw, account)
        ),
        category=_category(raw),
        description=str(raw.get("notes") or "").strip() or None,
        receipt_attached=_receipt(raw),
        billable=raw.get("billable") is True,
        status=approval_status(raw),
    )


def task(raw: Mapping[str, Any]) -> Task:
    """A Harvest task assignment as a canonical ``Task`` (module docstring).

    Raises:
        ValueError: no project or task.
    """
    code = str(_ref(raw, "task"))
    name = str(raw["task"].get("name") or "").strip() or code
    end = None
    if raw.get("is_active") is False and raw.get("updated_at"):
        end = parse_timestamp(str(raw["updated_at"])).date()
    return Task(
        id=canonical_id("task_assignment", raw["id"]),
        source_system=SYSTEM,
        external_ids={SYSTEM: str(raw["id"])},
        project_id=canonical_id("project", _ref(raw, "project")),
        code=code,
        name=name,
        billable=raw.get("billable") is not False,
        end_date=end,
    )
