"""Canonical approved expenses → a NetSuite ``expenseReport`` (pure: no I/O, no clock).

The body POSTed to ``/services/rest/record/v1/expenseReport``::

    {"externalId", "entity": {"id"}, "subsidiary"?: {"id"},
     "tranDate": "YYYY-MM-DD", "memo", "expenseReportCurrency": <ref>,
     "expense": {"items": [{"expenseDate", "category": <ref>,
                            "amount", "foreignAmount", "currency": <ref>,
                            "memo"?, "customer"?: <ref>, "isBillable",
                            "receipt"}]}}

* ``externalId``: the expense's id (one expense) or the report id given
  (several) — the idempotency and ``eid:`` key.
* ``entity`` is the employee, ``refs["employee"]`` (required); all expenses
  must be the same worker's, in one currency, and approved.
* ``category``: ``refs["category:<canonical category>"]`` or
  ``refs["category"]`` (an expense category's internal id); none is refused.
* ``currency`` / ``expenseReportCurrency``: ``refs["currency:<ISO>"]`` or
  ``refs["currency"]``, else ``{"externalId": <ISO>}``. The report is kept in
  the expenses' own currency, so ``amount`` (report currency) and
  ``foreignAmount`` (line currency) are the same number and no exchange
  rate is sent [kb: NetSuite derives ``amount`` from ``foreignAmount`` ×
  ``exchangeRate`` when they differ].
* Amounts are exact: at most the currency's minor units (NetSuite would round
  the rest) and :data:`~.transactions.MAX_DIGITS` significant digits, sent as
  JSON numbers that read back exactly; anything else is refused, never rounded.
* ``customer`` is the project (NetSuite's job): ``refs["job:<project id>"]``
  or ``refs["job"]``, else ``{"externalId": <project id>}``. A billable
  expense needs a project (NetSuite bills it to that customer).
* ``memo``: merchant · description, cut to :data:`~.mapping.MEMO_MAX`
  characters; the header memo is the single line's memo (its category when
  it has none) or ``"<n> expenses"``.
* ``tranDate``: the latest expense date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from baton.connectors.netsuite.mapping import MEMO_MAX, MappingError
from baton.connectors.netsuite.transactions import number, parse_number
from baton.model.common import ApprovalStatus

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from decimal import Decimal

    from baton.model.common import Money
    from baton.model.time_expense import Expense

__all__ = [
    "EXPENSE_REPORT",
    "ExpenseLineRead",
    "expense_lines_from_netsuite",
    "expense_report_body",
    "line_memo",
]

EXPENSE_REPORT = "expenseReport"


def _first(refs: Mapping[str, str], *keys: str) -> str | None:
    return next((refs[k] for k in keys if refs.get(k)), None)


def line_memo(expense: Expense) -> str | None:
    """``merchant · description`` (either alone if the other is absent), cut."""
    parts = [
        p.strip() for p in (expense.merchant, expense.description) if p and p.strip()
    ]
    return " · ".join(parts)[:MEMO_MAX] if parts else None


def _amount(money: Money, what: str) -> float:
    exponent = money.amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > money.minor_units:
        raise MappingError(
            f"{what} {money} has more decimals than {money.currency} keeps"
            f" ({money.minor_units})"
        )
    return number(money.amount, what)


def _line(expense: Expense, refs: Mapping[str, str], n: int) -> dict[str, Any]:
    what = f"expense {n} ({expense.id})"
    category = _first(refs, f"category:{expense.category}", "category")
    if category is None:
        raise MappingError(
            f"{what}: no NetSuite expense category for {expense.category!r}"
        )
    amount = _amount(expense.amount, f"{what} amount")
    line: dict[str, Any] = {
        "expenseDate": expense.expense_date.isoformat(),
        "category": {"id": category},
        "amount": amount,
        "foreignAmount": amount,
        "currency": _currency(refs, expense.amount.currency),
        "isBillable": expense.billable,
        "receipt": expense.receipt_attached,
    }
    memo = line_memo(expense)
    if memo is not None:
        line["memo"] = memo
    if expense.project_id is not None:
        job = _first(refs, f"job:{expense.project_id}", "job")
        line["customer"] = {"id": job} if job else {"externalId": expense.project_id}
    elif expense.billable:
        raise MappingError(f"{what} is billable but has no project to bill")
    return line


def _currency(refs: Mapping[str, str], code: str) -> dict[str, str]:
    found = _first(refs, f"currency:{code}", "currency")
    return {"id": found} if found else {"externalId": code}


def expense_report_body(
    expenses: Sequence[Expense],
    refs: Mapping[str, str],
    *,
    report_id: str | None = None,
) -> dict[str, Any]:
    """The ``expenseReport`` body for one worker's approved expenses.

    Raises:
        MappingError: no expenses, several without a ``report_id``, mixed
            workers or currencies, an unapproved expense, a missing employee
            or category, a billable expense without a project, or an amount
            NetSuite cannot hold exactly.
    """
    if not expenses:
        raise MappingError("an expense report needs at least one expense")
    first = expenses[0]
    external_id = report_id or (first.id if len(expenses) == 1 else None)
    if not external_id:
        raise MappingError("several expenses need a report id as externalId")
    if len({e.worker_id for e in expenses}) > 1:
        raise MappingError("an expense report holds one worker's expenses")
    if len({e.amount.currency for e in expenses}) > 1:
        raise MappingError("an expense report holds expenses in one currency")
    unapproved = [e.id for e in expenses if e.status != ApprovalStatus.APPROVED]
    if unapproved:
        raise MappingError(f"expenses not approved: {', '.join(unapproved)}")
    employee = _first(refs, "employee")
    if employee is None:
        raise MappingError(f"no NetSuite employee for worker {first.worker_id!r}")
    lines = [_line(e, refs, n) for n, e in enumerate(expenses, start=1)]
    body: dict[str, Any] = {
        "externalId": external_id,
        "entity": {"id": employee},
        "tranDate": max(e.expense_date for e in expenses).isoformat(),
        "memo": (
            lines[0].get("memo", first.category[:MEMO_MAX])
            if len(lines) == 1
            else f"{len(lines)} expenses"
        ),
        "expenseReportCurrency": _currency(refs, first.amount.currency),
        "expense": {"items": lines},
    }
    subsidiary = _first(refs, "subsidiary")
    if subsidiary is not None:
        body["subsidiary"] = {"id": subsidiary}
    return body


@dataclass(frozen=True, slots=True)
class ExpenseLineRead:
    """One expense line as NetSuite holds it (references as ids or ``eid:``)."""

    expense_date: dt.date
    amount: Decimal
    foreign_amount: Decimal | None
    currency: str | None
    category: str | None
    customer: str | None
    billable: bool
    memo: str | None


def _ref(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None if value is None else str(value)
    if value.get("id") is not None:
        return str(value["id"])
    return None if value.get("externalId") is None else f"eid:{value['externalId']}"


def expense_lines_from_netsuite(doc: Mapping[str, Any]) -> list[ExpenseLineRead]:
    """The lines of an ``expenseReport`` record (as sent or as read back).

    Raises:
        MappingError: a line without a date or a numeric amount.
    """
    sublist = doc.get("expense")
    items = sublist.get("items", []) if isinstance(sublist, dict) else []
    out = []
    for line in items:
        try:
            day = dt.date.fromisoformat(str(line.get("expenseDate"))[:10])
        except ValueError as exc:
            raise MappingError(f"not a date: {line.get('expenseDate')!r}") from exc
        foreign = line.get("foreignAmount")
        memo = line.get("memo")
        out.append(
            ExpenseLineRead(
                expense_date=day,
                amount=parse_number(line.get("amount")),
                foreign_amount=None if foreign is None else parse_number(foreign),
                currency=_ref(line.get("currency")),
                category=_ref(line.get("category")),
                customer=_ref(line.get("customer")),
                billable=line.get("isBillable") in (True, "T"),
                memo=None if memo is None else str(memo),
            )
        )
    return out
