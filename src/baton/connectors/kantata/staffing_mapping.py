"""Pure Kantata participation → canonical assignment (no I/O, no clock).

A participation is one user on one workspace; it carries the bill rate
(``rate_in_cents``, else ``default_rate_in_cents``: the rate Kantata falls
back to [kb]) but no dates and no allocation. The workspace it belongs to
supplies those: ``start_date`` (else its ``created_at``, else the context's
default, as :func:`.mapping.workspace_to_project` does), ``due_date`` as the
end, ``currency`` (and ``currency_base_unit``) for the rate. Allocation is
100 %: Kantata records a participant's allocation as minutes over the
project (``allocated_workspace_minutes``), not as a share of their time.

Ids are those of the sibling streams: the worker through
:meth:`.mapping.KantataContext.worker` (as the users stream), the project
``kantata:workspace:<id>`` (as the workspaces stream); cost centre and legal
entity come from the context, as for time entries.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from baton.model.assignment import Assignment

from .mapping import SYSTEM
from .units import cents_to_money

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .mapping import KantataContext

__all__ = ["PROVIDER_ROLE", "is_staffing", "participation_to_assignment"]

PROVIDER_ROLE = "maven"


def _date(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])


def is_staffing(raw: Mapping[str, Any]) -> bool:
    """True for a provider (``maven``) participation; clients (``buyer``) are not staffed."""
    return bool(raw.get("role", PROVIDER_ROLE) == PROVIDER_ROLE)


def participation_to_assignment(
    raw: Mapping[str, Any], workspace: Mapping[str, Any], ctx: KantataContext
) -> Assignment:
    """A participation as an assignment, dated and priced by its ``workspace``.

    Raises:
        ValueError: the participation carries no rate, belongs to another
            workspace, or the result is not a valid assignment.
    """
    rid, wid = str(raw["id"]), str(raw["workspace_id"])
    if wid != str(workspace["id"]):
        raise ValueError(
            f"participation {rid} is on workspace {wid}, not {workspace['id']}"
        )
    cents = raw.get("rate_in_cents")
    if cents is None:
        cents = raw.get("default_rate_in_cents")
    if cents is None:
        raise ValueError(f"participation {rid} has no bill rate")
    currency = str(workspace.get("currency") or ctx.currency)
    start = workspace.get("start_date") or workspace.get("created_at") or ctx.hire_date
    due = workspace.get("due_date")
    role = raw.get("workspace_role_id") or raw.get("primary_role_id")
    return Assignment(
        id=f"{SYSTEM}:participation:{rid}",
        source_system=SYSTEM,
        external_ids={SYSTEM: rid},
        worker_id=ctx.worker(raw["user_id"]),
        project_id=f"{SYSTEM}:workspace:{wid}",
        role_id=str(role) if role not in (None, "") else None,
        start_date=_date(start),
        end_date=_date(due) if due else None,
        bill_rate=cents_to_money(cents, currency, workspace.get("currency_base_unit")),
        cost_center_id=ctx.cost_center_id,
        legal_entity_id=ctx.legal_entity_id,
    )
