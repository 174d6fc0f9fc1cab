"""Pure Kantata ⇄ canonical mapping (no I/O, no clock).

Units (minutes, cents) are converted by :mod:`.units`; time entries are
validated at minute precision.

Kantata ids (users, workspaces) are resolved through :class:`KantataContext`
(the cross-references Baton keeps); an unmapped id becomes
``kantata:<kind>:<id>``, which the flow's rules then reject visibly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from baton.model.common import BillingMethod, WorkerType
from baton.model.project import Project, Task
from baton.model.time_expense import HOURS_PRECISION_CONTEXT_KEY, Expense, TimeEntry
from baton.model.worker import Worker

from .states import approval, project_status
from .units import cents_to_money, hours_to_minutes, minutes_to_hours, money_to_cents

if TYPE_CHECKING:
    from collections.abc import Mapping

    from baton.model.common import Money

__all__ = [
    "MAPPING_VERSION",
    "SYSTEM",
    "KantataContext",
    "expense",
    "story_to_task",
    "time_entry",
    "time_entry_body",
    "time_entry_rate",
    "user_to_worker",
    "workspace_to_project",
]

MAPPING_VERSION = "kantata-1"
SYSTEM = "kantata"
_MINUTE = {HOURS_PRECISION_CONTEXT_KEY: "minute"}


@dataclass(frozen=True)
class KantataContext:
    """Cross-references and defaults the vendor records do not carry."""

    workers: Mapping[str, str] = field(default_factory=dict)
    project_codes: Mapping[str, str] = field(default_factory=dict)
    pay_code: str = "REG"
    customer_id: str = "unknown-customer"
    legal_entity_id: str = "unknown-legal-entity"
    cost_center_id: str = "unknown-cost-center"
    currency: str = "USD"
    hire_date: dt.date = dt.date(1970, 1, 1)

    def worker(self, user_id: Any) -> str:
        """The canonical worker id of a Kantata user."""
        return self.workers.get(str(user_id), f"{SYSTEM}:user:{user_id}")

    def project(self, workspace_id: Any) -> str:
        """The project code of a Kantata workspace."""
        return self.project_codes.get(
            str(workspace_id), f"{SYSTEM}:workspace:{workspace_id}"
        )


def _date(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])


def _opt(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _ids(kind: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    rid = str(raw["id"])
    return {
        "id": f"{SYSTEM}:{kind}:{rid}",
        "source_system": SYSTEM,
        "external_ids": {SYSTEM: rid},
    }


def _ws(raw: Mapping[str, Any]) -> str:
    return f"{SYSTEM}:workspace:{raw['workspace_id']}"


def time_entry(raw: Mapping[str, Any], ctx: KantataContext) -> TimeEntry:
    """A Kantata time entry as a canonical one (hours at minute precision)."""
    data = {
        **_ids("time_entry", raw),
        "worker_id": ctx.worker(raw["user_id"]),
        "project_code": ctx.project(raw["workspace_id"]),
        "task_id": _opt(raw.get("story_id")),
        "work_date": _date(raw["date_performed"]),
        "hours": minutes_to_hours(int(raw["time_in_minutes"])),
        "pay_code": ctx.pay_code,
        "billable": bool(raw.get("billable", True)),
        "status": approval(raw),
        "notes": raw.get("notes") or None,
    }
    return TimeEntry.model_validate(data, context=_MINUTE)


def time_entry_rate(raw: Mapping[str, Any]) -> Money | None:
    """The entry's bill rate (the canonical TimeEntry has no slot for it)."""
    cents, currency = raw.get("rate_in_cents"), raw.get("currency")
    if cents is None or not currency:
        return None
    return cents_to_money(cents, str(currency), raw.get("currency_base_unit"))


def time_entry_body(
    entry: TimeEntry, workspace_id: str, user_id: str, rate: Money | None = None
) -> dict[str, Any]:
    """A canonical entry as Kantata's create body (inside ``time_entry``)."""
    body: dict[str, Any] = {
        "workspace_id": workspace_id,
        "user_id": user_id,
        "date_performed": entry.work_date.isoformat(),
        "time_in_minutes": hours_to_minutes(entry.hours),
        "billable": entry.billable,
        "notes": entry.notes or "",
    }
    if entry.task_id:
        body["story_id"] = entry.task_id
    if rate is not None:
        body["rate_in_cents"] = money_to_cents(rate)
    return body


def user_to_worker(raw: Mapping[str, Any], ctx: KantataContext) -> Worker:
    """A Kantata user as a worker; a one-word name fills both name parts."""
    rid = str(raw["id"])
    given, _, family = (" ".join(str(raw.get("full_name") or rid).split())).rpartition(
        " "
    )
    return Worker(
        **{**_ids("user", raw), "id": ctx.worker(rid)},
        given_name=given or family,
        family_name=family,
        email=raw.get("email_address") or None,
        worker_type=WorkerType.EMPLOYEE,
        role_id=_opt(raw.get("role_id")),
        hire_date=ctx.hire_date,
    )


def workspace_to_project(raw: Mapping[str, Any], ctx: KantataContext) -> Project:
    """A Kantata workspace as a project (client from its primary group)."""
    rid = str(raw["id"])
    currency = str(raw.get("currency") or ctx.currency)
    price, start, due = (
        raw.get("price_in_cents"),
        raw.get("start_date"),
        raw.get("due_date"),
    )
    maven = raw.get("primary_maven_id")
    return Project(
        **_ids("workspace", raw),
        code=ctx.project(rid),
        name=str(raw.get("title") or rid),
        customer_id=str(raw.get("primary_workspace_group_id") or ctx.customer_id),
        legal_entity_id=ctx.legal_entity_id,
        manager_worker_id=ctx.worker(maven) if maven else None,
        status=project_status(raw),
        billing_method=BillingMethod.FIXED_FEE
        if raw.get("stories_are_fixed_fee_by_default")
        else BillingMethod.TIME_AND_MATERIALS,
        currency=currency,
        start_date=_date(start or raw.get("created_at") or ctx.hire_date),
        end_date=_date(due) if due else None,
        budget=None
        if price is None
        else cents_to_money(price, currency, raw.get("currency_base_unit")),
    )


def story_to_task(raw: Mapping[str, Any]) -> Task:
    """A Kantata story as a task of its workspace's project."""
    rid, parent = str(raw["id"]), raw.get("parent_id")
    start, due = raw.get("start_date"), raw.get("due_date")
    return Task(
        **_ids("story", raw),
        project_id=_ws(raw),
        parent_id=f"{SYSTEM}:story:{parent}" if parent else None,
        code=rid,
        name=str(raw.get("title") or rid),
        billable=bool(raw.get("billable", True)),
        start_date=_date(start) if start else None,
        end_date=_date(due) if due else None,
    )


def expense(raw: Mapping[str, Any], ctx: KantataContext) -> Expense:
    """A Kantata expense (amount in cents) as a canonical one."""
    currency = str(raw.get("currency") or ctx.currency)
    cents, unit = raw["amount_in_cents"], raw.get("currency_base_unit")
    return Expense(
        **_ids("expense", raw),
        worker_id=ctx.worker(raw["user_id"]),
        project_id=_ws(raw),
        task_id=_opt(raw.get("story_id")),
        expense_date=_date(raw["date"]),
        amount=cents_to_money(cents, currency, unit),
        category=str(raw["category"]),
        description=raw.get("notes") or None,
        receipt_attached=bool(raw.get("receipt_id")),
        billable=bool(raw.get("is_billable")),
        status=approval(raw),
    )
