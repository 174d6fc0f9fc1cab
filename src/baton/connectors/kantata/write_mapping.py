"""Pure canonical → Kantata write bodies: workspaces from projects, staffing.

Every body carries an ``external_reference`` (the catalogue's nested create
attribute, stored by Kantata in ``external_references``) naming Baton's
record: ``service_name`` ``baton``, ``service_model`` the canonical kind,
``service_model_ref`` Baton's id. Kantata has no idempotency key, so that
reference is how a write whose answer was lost is found again.

Workspace fields (gem ``create_attributes``): ``title`` ← name,
``description`` ← project code, ``currency``, ``price`` ← budget as a
decimal string at the currency's minor units (``budgeted`` with it),
``start_date``/``due_date`` as ``YYYY-MM-DD``, ``creator_role`` ``maven``
(required on create: the account creating it is the provider),
``stories_are_fixed_fee_by_default`` for fixed-fee billing, and optionally
``primary_maven_id`` (the manager's Kantata user) and
``primary_workspace_group_id`` (the client's group). The project's status is
not sent: Kantata's status keys are per account. ``price`` as a decimal
string is [kb] (the tap types it as a string; ``price_in_cents`` is read-only).

A participation is created with ``workspace_id``, ``user_id``, ``role``
``maven``; its bill rate is ``rate_in_cents``, an *update* attribute only,
in the workspace's currency.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from baton.model.common import CURRENCY_MINOR_UNITS, BillingMethod

from .units import money_to_cents

if TYPE_CHECKING:
    from baton.model.assignment import Assignment
    from baton.model.common import Money
    from baton.model.project import Project

__all__ = [
    "SERVICE_NAME",
    "external_reference",
    "participation_body",
    "price",
    "rate_in_cents",
    "workspace_body",
]

SERVICE_NAME = "baton"


def external_reference(model: str, baton_id: str) -> dict[str, str]:
    """The reference naming Baton's ``model`` record ``baton_id``."""
    return {
        "service_name": SERVICE_NAME,
        "service_model": model,
        "service_model_ref": baton_id,
        "status": "successful",
    }


def price(money: Money) -> str:
    """``money`` as Kantata's decimal price string (``"1234.50"``, JPY ``"1234"``).

    Raises:
        ValueError: a negative amount, or more decimals than the currency has.
    """
    if money.amount < 0:
        raise ValueError(f"a budget cannot be negative, got {money}")
    cents = money_to_cents(money)
    return f"{Decimal(cents).scaleb(-CURRENCY_MINOR_UNITS[money.currency]):f}"


def workspace_body(
    project: Project,
    *,
    maven_id: str | None = None,
    group_id: str | None = None,
) -> dict[str, Any]:
    """The ``workspace`` create body for ``project`` (see the module docstring).

    Args:
        project: the canonical project (a won deal's).
        maven_id: the Kantata user leading it (the manager), if known.
        group_id: the Kantata workspace group of its client, if known.

    Raises:
        ValueError: the budget cannot be written (see :func:`price`).
    """
    body: dict[str, Any] = {
        "title": project.name,
        "description": project.code,
        "currency": project.currency,
        "creator_role": "maven",
        "start_date": project.start_date.isoformat(),
        "stories_are_fixed_fee_by_default": (
            project.billing_method is BillingMethod.FIXED_FEE
        ),
        "external_reference": external_reference("project", project.id),
    }
    if project.end_date is not None:
        body["due_date"] = project.end_date.isoformat()
    if project.budget is not None:
        body |= {"price": price(project.budget), "budgeted": True}
    if maven_id:
        body["primary_maven_id"] = maven_id
    if group_id:
        body["primary_workspace_group_id"] = group_id
    return body


def participation_body(
    assignment: Assignment, *, workspace_id: str, user_id: str
) -> dict[str, Any]:
    """The ``participation`` create body staffing ``assignment``'s worker."""
    return {
        "workspace_id": workspace_id,
        "user_id": user_id,
        "role": "maven",
        "external_reference": external_reference("assignment", assignment.id),
    }


def rate_in_cents(assignment: Assignment) -> int:
    """The assignment's bill rate in minor units (the workspace's currency).

    Raises:
        ValueError: the rate has more decimals than its currency allows.
    """
    return money_to_cents(assignment.bill_rate)
