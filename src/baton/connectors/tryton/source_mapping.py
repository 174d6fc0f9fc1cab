"""Tryton records read by the source → canonical models (pure: no I/O, no clock).

* ``company.employee`` (+ ``party.name``, ``cost_prices``) → ``Worker``;
  the cost rate is the ``company.employee_cost_price`` in force on ``as_of``
  (Tryton's own ``compute_cost_price`` rule), None when none is;
* ``project.work`` of type ``project`` → ``Project``; of type ``task`` →
  ``Task`` under its nearest project ancestor;
* ``timesheet.line`` → ``TimeEntry`` (validated at minute precision).

Ids are ``tryton:<model>:<id>`` (:func:`~baton.connectors.tryton.erp_mapping.tryton_id`) unless the record holds
a Baton reference (``baton:<id>`` in a party's code or a line's
description: records Baton wrote keep their Baton id).

Choices where Tryton lacks a field (each stated on its function): a party
has one ``name`` (split at the first space); a line has no approval state
(recorded time is booked: approved) and no pay code (the source's);
projects have no start date (timesheet start, else creation day).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baton.connectors.tryton.erp_mapping import SYSTEM, tryton_id
from baton.connectors.tryton.source_values import (
    current_cost,
    hours_of,
    ref_or_id,
    split_name,
    work_code,
)
from baton.model import (
    HOURS_PRECISION_CONTEXT_KEY,
    ApprovalStatus,
    BillingMethod,
    HoursPrecision,
    Money,
    Project,
    ProjectStatus,
    Task,
    TimeEntry,
    Worker,
    WorkerType,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping

    from baton.connectors.tryton.source_values import Books, WorkRef

__all__ = [
    "BILLED",
    "project_from_work",
    "task_from_work",
    "time_entry_from_line",
    "worker_from_employee",
]

BILLED = {"effort", "progress", "timesheet"}  # project_invoice's methods


def worker_from_employee(
    row: Mapping[str, Any], books: Books, *, as_of: dt.date
) -> Worker:
    """A ``Worker`` from an employee read with ``party.name``, ``party.email``,
    ``start_date``, ``end_date``, ``create_date`` and ``cost_prices.date`` /
    ``cost_prices.cost_price`` (hire date: start date, else creation day).

    Raises:
        ValueError: a blank name, a bad e-mail or inverted dates.
    """
    party = row.get("party.") or {}
    given, family = split_name(str(party.get("name") or ""))
    cost = current_cost(row.get("cost_prices.") or [], as_of)
    return Worker(
        id=tryton_id("company.employee", int(row["id"])),
        source_system=SYSTEM,
        external_ids={SYSTEM: str(row["id"])},
        given_name=given,
        family_name=family,
        email=party.get("email") or None,
        worker_type=WorkerType.EMPLOYEE,
        legal_entity_id=books.legal_entity_id,
        hire_date=row.get("start_date") or row["create_date"].date(),
        termination_date=row.get("end_date"),
        cost_rate=None if cost is None else Money(amount=cost, currency=books.currency),
    )


def project_from_work(row: Mapping[str, Any], books: Books) -> Project:
    """A ``Project`` from a ``project.work`` of type project read with ``number``,
    ``name``, ``party.code``, ``status.progress``, ``project_invoice_method``,
    ``timesheet_start_date``, ``timesheet_end_date`` and ``create_date``.

    Status: a status whose progress is 1 (``Done``) → completed, else active.
    Billing: ``timesheet`` → time and materials; ``effort`` / ``progress`` →
    fixed fee; ``manual`` → time and materials.

    Raises:
        ValueError: the project has no party (customer).
    """
    party = row.get("party.")
    if not party:
        raise ValueError("the project has no party (customer)")
    status = row.get("status.") or {}
    method = row.get("project_invoice_method")
    end = row.get("timesheet_end_date")
    start = row.get("timesheet_start_date") or row["create_date"].date()
    return Project(
        id=tryton_id("project.work", int(row["id"])),
        source_system=SYSTEM,
        external_ids={SYSTEM: str(row["id"])},
        code=work_code(row),
        name=row["name"],
        customer_id=ref_or_id(party.get("code"), "party.party", int(party["id"])),
        legal_entity_id=books.legal_entity_id,
        status=(
            ProjectStatus.COMPLETED
            if (status.get("progress") or 0) >= 1
            else ProjectStatus.ACTIVE
        ),
        billing_method=(
            BillingMethod.FIXED_FEE
            if method in ("effort", "progress")
            else BillingMethod.TIME_AND_MATERIALS
        ),
        currency=books.currency,
        start_date=min(start, end) if end else start,
        end_date=end,
    )


def task_from_work(
    row: Mapping[str, Any], *, project: int, parent_task: int | None
) -> Task:
    """A ``Task`` from a ``project.work`` of type task (code: number, else id).

    ``project`` is its nearest ancestor of type project; ``parent_task`` its
    parent when that is a task. Billable unless the invoice method is manual.
    """
    return Task(
        id=tryton_id("project.work", int(row["id"])),
        source_system=SYSTEM,
        external_ids={SYSTEM: str(row["id"])},
        project_id=tryton_id("project.work", project),
        parent_id=(
            tryton_id("project.work", parent_task) if parent_task is not None else None
        ),
        code=str(row.get("number") or row["id"]),
        name=row["name"],
        billable=row.get("invoice_method") in BILLED,
        start_date=row.get("timesheet_start_date"),
        end_date=row.get("timesheet_end_date"),
    )


def time_entry_from_line(
    row: Mapping[str, Any], books: Books, work: WorkRef
) -> TimeEntry:
    """A ``TimeEntry`` from a ``timesheet.line`` read with ``employee``, ``date``,
    ``duration`` and ``description``; ``work`` is where its work books to.

    Recorded time is booked time in Tryton (no approval step): approved.

    Raises:
        ValueError: no employee, or hours outside ``(0, 24]``.
    """
    if not row.get("employee"):
        raise ValueError("the line has no employee")
    description = str(row.get("description") or "")
    fallback = tryton_id("timesheet.line", int(row["id"]))
    entry_id = ref_or_id(description, "timesheet.line", int(row["id"]))
    data = {
        "id": entry_id,
        "source_system": SYSTEM,
        "external_ids": {SYSTEM: str(row["id"])},
        "worker_id": tryton_id("company.employee", int(row["employee"])),
        "project_id": work.project_id,
        "project_code": work.project_code,
        "task_id": work.task_id,
        "work_date": row["date"],
        "hours": hours_of(row["duration"]),
        "pay_code": books.pay_code,
        "billable": work.billable,
        "status": ApprovalStatus.APPROVED,
        "notes": None if entry_id != fallback else description.strip() or None,
    }
    context = {HOURS_PRECISION_CONTEXT_KEY: HoursPrecision.MINUTE.value}
    return TimeEntry.model_validate(data, context=context)
