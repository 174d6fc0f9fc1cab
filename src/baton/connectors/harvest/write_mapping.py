"""Canonical projects and assignments → Harvest create bodies (pure: no I/O, no clock).

``POST /projects`` (:func:`project_body`):

* ``code`` is the canonical project code: Baton's key for the project in
  Harvest (there is no idempotency key; a lost create is settled by looking
  the code up, see :mod:`baton.connectors.harvest.writes`);
* ``client_id`` is the given Harvest client id, else the one inside a
  provisional ``harvest:client:<id>`` customer id (master data supplies it);
* billing: time and materials → ``bill_by`` ``People`` (each user
  assignment carries its rate) or ``Project`` when a project-wide
  ``hourly_rate`` is given; fixed fee, milestone and retainer →
  ``is_fixed_fee`` (Harvest knows no milestone or retainer type; they read
  back as fixed fee) with ``fee`` = the budget, ``bill_by`` ``none``.
  Canonical projects are all billable (``is_billable`` true);
* budget: a money budget is ``budget_by`` ``project_cost`` with
  ``cost_budget`` (the spec's monetary budget), else ``none``. Harvest keeps
  money in the client's currency; the project's currency is not sent
  (it cannot be), so master data must pick a client of that currency;
* status: active, planned and on hold → ``is_active``; completed and
  cancelled → archived;
* dates: ``starts_on`` always, ``ends_on`` only when set (ISO dates, no
  time zone: they are calendar days).

``POST /projects/{id}/user_assignments`` (:func:`user_assignment_body`):
``user_id`` from the worker id, ``hourly_rate`` = the bill rate with
``use_default_rates`` false (Harvest uses it when the project bills by
People), ``is_project_manager`` as given.

Numbers (:func:`number`) are JSON numbers that read back exactly: a
Decimal is sent as the float whose shortest repr is that Decimal, which
holds for any finite value of at most 15 significant digits; anything else
(and a negative rate) raises ``ValueError``, never rounds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from baton.connectors.harvest.values import harvest_id
from baton.model import BillingMethod, ProjectStatus

if TYPE_CHECKING:
    from baton.model import Assignment, Project

__all__ = ["MAX_DIGITS", "number", "project_body", "user_assignment_body"]

MAX_DIGITS = 15
_ARCHIVED = frozenset({ProjectStatus.COMPLETED, ProjectStatus.CANCELLED})


def number(value: Decimal, name: str) -> float:
    """``value`` as a JSON number that reads back exactly (module docstring).

    Raises:
        ValueError: not finite, negative, or over :data:`MAX_DIGITS` digits.
    """
    if not value.is_finite():
        raise ValueError(f"{name} is not a finite number: {value}")
    if value < 0:
        raise ValueError(f"{name} must not be negative: {value}")
    if len(value.normalize().as_tuple().digits) > MAX_DIGITS:
        raise ValueError(f"{name} {value} has more than {MAX_DIGITS} digits")
    out = float(value)
    if Decimal(repr(out)) != value:  # pragma: no cover - guarded by the digits
        raise ValueError(f"{name} {value} is not exact as a JSON number")
    return out


def project_body(
    project: Project,
    *,
    client_id: int | None = None,
    hourly_rate: Decimal | None = None,
) -> dict[str, Any]:
    """The ``POST /projects`` body for ``project`` (module docstring).

    Args:
        project: the canonical project.
        client_id: the Harvest client; None: from a provisional customer id.
        hourly_rate: a project-wide rate (``bill_by`` ``Project``), in the
            client's currency.

    Raises:
        ValueError: no Harvest client id, or a number that cannot be sent exactly.
    """
    client = client_id if client_id is not None else _client(project.customer_id)
    fixed = project.billing_method is not BillingMethod.TIME_AND_MATERIALS
    body: dict[str, Any] = {
        "client_id": client,
        "name": project.name,
        "code": project.code,
        "is_active": project.status not in _ARCHIVED,
        "is_billable": True,
        "is_fixed_fee": fixed,
        "bill_by": "none",
        "budget_by": "none",
        "starts_on": project.start_date.isoformat(),
    }
    if hourly_rate is not None:
        body["bill_by"] = "Project"
        body["hourly_rate"] = number(hourly_rate, "hourly_rate")
    elif not fixed:
        body["bill_by"] = "People"
    if project.budget is not None:
        amount = number(project.budget.amount, "budget")
        body["budget_by"] = "project_cost"
        body["cost_budget"] = amount
        if fixed:
            body["fee"] = amount
    if project.end_date is not None:
        body["ends_on"] = project.end_date.isoformat()
    return body


def user_assignment_body(
    assignment: Assignment,
    *,
    user_id: int | None = None,
    is_project_manager: bool = False,
) -> dict[str, Any]:
    """The ``POST /projects/{id}/user_assignments`` body (module docstring).

    Args:
        assignment: the canonical assignment (its bill rate is sent).
        user_id: the Harvest user; None: from a provisional worker id.
        is_project_manager: give the user Project Manager rights on the project.

    Raises:
        ValueError: no Harvest user id, or a rate that cannot be sent exactly.
    """
    user = user_id if user_id is not None else harvest_id(assignment.worker_id, "user")
    return {
        "user_id": user,
        "is_active": True,
        "is_project_manager": is_project_manager,
        "use_default_rates": False,
        "hourly_rate": number(assignment.bill_rate.amount, "hourly_rate"),
    }


def _client(customer_id: str) -> int:
    try:
        return harvest_id(customer_id, "client")
    except ValueError:
        raise ValueError(
            f"customer {customer_id!r} has no Harvest client id yet"
        ) from None
