"""Harvest API v2 records ⇄ canonical models (pure: no I/O, no clock).
Ids: until master data resolves them, a record's canonical id is the
provisional ``harvest:<kind>:<harvest id>`` (:func:`canonical_id`), and the
Harvest id is kept in ``external_ids["harvest"]``; references (worker,
project, task, client) use the same scheme, so they agree across streams.

Numbers arrive as ``Decimal`` (the client parses JSON floats exactly). Money
is in the account currency; a project's budget is in its client's currency.

Hours (:func:`minute_hours`): Harvest's ``hours`` come from timers in
seconds, rounded to 0.01 h (2.11 h is no whole number of minutes). They are
kept as written when they are a whole number of minutes at their own
precision, else rounded to the nearest minute and written to 4 places; the
entry is validated at minute precision.

Approval (:func:`approval_status`), first rule that applies:

1. ``approval_status`` (newer API): unsubmitted → draft, submitted →
   submitted, approved → approved, rejected → rejected;
2. ``is_closed`` (approved via Timesheet Approval) → approved;
3. ``is_locked`` and ``is_billed`` (invoiced) → approved;
4. ``is_locked`` alone (a locked period, nobody approved) → submitted, so it
   does not reach payroll or the ERP before someone approves it;
5. otherwise → draft.

Harvest lacks: pay code, legal entity, cost centre (from
:class:`HarvestAccount`); hire date (the user's creation day; the HRIS
masters it); assignment end (an inactive one ends on its last update).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from baton.connectors.harvest.values import (
    SYSTEM,
    approval_status,
    canonical_id,
    event_id,
    format_timestamp,
    harvest_id,
    minute_hours,
    parse_timestamp,
    to_decimal,
)
from baton.model import (
    HOURS_PRECISION_CONTEXT_KEY,
    Assignment,
    BillingMethod,
    HoursPrecision,
    Money,
    Project,
    ProjectStatus,
    TimeEntry,
    Worker,
    WorkerType,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "MAPPING_VERSION",
    "SYSTEM",
    "HarvestAccount",
    "approval_status",
    "assignment",
    "canonical_id",
    "event_id",
    "format_timestamp",
    "harvest_id",
    "minute_hours",
    "parse_timestamp",
    "project",
    "time_entry",
    "time_entry_create_body",
    "to_decimal",
    "worker",
]

MAPPING_VERSION = "harvest/v1"


@dataclass(frozen=True, slots=True)
class HarvestAccount:
    """What the canonical model needs and Harvest does not record."""

    currency: str
    legal_entity_id: str
    cost_center_id: str
    pay_code: str = "REG"


def _ref(raw: Mapping[str, Any], key: str) -> Any:
    obj = raw.get(key)
    if not isinstance(obj, dict) or obj.get("id") is None:
        raise ValueError(f"{key} is missing")
    return obj["id"]


def _day(value: object) -> dt.date:
    text = str(value)
    return parse_timestamp(text).date() if "T" in text else dt.date.fromisoformat(text)


def time_entry(
    raw: Mapping[str, Any],
    account: HarvestAccount,
    project_codes: Mapping[int, str] | None = None,
) -> TimeEntry:
    """A Harvest time entry as a canonical ``TimeEntry`` (validated at minutes).

    Raises:
        ValueError: a required field is missing or out of range.
    """
    project_hid = _ref(raw, "project")
    task = raw.get("task")
    data = {
        "id": canonical_id("time_entry", raw["id"]),
        "source_system": SYSTEM,
        "external_ids": {SYSTEM: str(raw["id"])},
        "worker_id": canonical_id("user", _ref(raw, "user")),
        "project_id": canonical_id("project", project_hid),
        "project_code": (project_codes or {}).get(project_hid) or None,
        "task_id": (
            canonical_id("task", task["id"])
            if isinstance(task, dict) and task.get("id") is not None
            else None
        ),
        "work_date": dt.date.fromisoformat(str(raw["spent_date"])),
        "hours": minute_hours(raw.get("hours")),
        "pay_code": account.pay_code,
        "billable": raw.get("billable") is not False,
        "status": approval_status(raw),
        "notes": raw.get("notes"),
    }
    context = {HOURS_PRECISION_CONTEXT_KEY: HoursPrecision.MINUTE.value}
    return TimeEntry.model_validate(data, context=context)


def worker(raw: Mapping[str, Any], account: HarvestAccount) -> Worker:
    """A Harvest user as a canonical ``Worker``."""
    cost = raw.get("cost_rate")
    return Worker(
        id=canonical_id("user", raw["id"]),
        source_system=SYSTEM,
        external_ids={SYSTEM: str(raw["id"])},
        given_name=raw.get("first_name") or "",
        family_name=raw.get("last_name") or "",
        email=raw.get("email") or None,
        worker_type=(
            WorkerType.CONTRACTOR if raw.get("is_contractor") else WorkerType.EMPLOYEE
        ),
        hire_date=_day(raw["created_at"]),
        cost_rate=(
            None
            if cost is None
            else Money(amount=to_decimal(cost), currency=account.currency)
        ),
    )


def project(raw: Mapping[str, Any], account: HarvestAccount) -> Project:
    """A Harvest project as a canonical ``Project`` (archived → completed)."""
    client = raw.get("client") or {}
    currency = client.get("currency") or account.currency
    budget = raw.get("budget") if raw.get("cost_budget") is None else raw["cost_budget"]
    money_budget = raw.get("budget_by") == "project_cost" and budget is not None
    return Project(
        id=canonical_id("project", raw["id"]),
        source_system=SYSTEM,
        external_ids={SYSTEM: str(raw["id"])},
        code=raw.get("code") or str(raw["id"]),
        name=raw.get("name") or "",
        customer_id=canonical_id("client", _ref(raw, "client")),
        legal_entity_id=account.legal_entity_id,
        status=(
            ProjectStatus.ACTIVE
            if raw.get("is_active") is not False
            else ProjectStatus.COMPLETED
        ),
        billing_method=(
            BillingMethod.FIXED_FEE
            if raw.get("is_fixed_fee")
            else BillingMethod.TIME_AND_MATERIALS
        ),
        currency=currency,
        start_date=_day(raw.get("starts_on") or raw["created_at"]),
        end_date=_day(raw["ends_on"]) if raw.get("ends_on") else None,
        budget=(
            Money(amount=to_decimal(budget), currency=currency)
            if money_budget
            else None
        ),
    )


def assignment(raw: Mapping[str, Any], account: HarvestAccount) -> Assignment:
    """A Harvest user assignment as a canonical ``Assignment``.

    Raises:
        ValueError: no ``hourly_rate`` (the rate cannot be known from here).
    """
    rate = raw.get("hourly_rate")
    if rate is None:
        raise ValueError("hourly_rate is missing")
    start = _day(raw["created_at"])
    end = None
    if raw.get("is_active") is False:
        end = max(start, _day(raw.get("updated_at") or raw["created_at"]))
    return Assignment(
        id=canonical_id("user_assignment", raw["id"]),
        source_system=SYSTEM,
        external_ids={SYSTEM: str(raw["id"])},
        worker_id=canonical_id("user", _ref(raw, "user")),
        project_id=canonical_id("project", _ref(raw, "project")),
        start_date=start,
        end_date=end,
        bill_rate=Money(amount=to_decimal(rate), currency=account.currency),
        cost_center_id=account.cost_center_id,
        legal_entity_id=account.legal_entity_id,
    )


def time_entry_create_body(entry: TimeEntry) -> dict[str, Any]:
    """The ``POST /time_entries`` body (create via duration) for ``entry``.

    Harvest ids come from the provisional ids (master data will supply them
    through ``external_ids`` later). ``hours`` is a JSON number: the shortest
    repr of a float is exact for hours written with up to 15 digits. The
    approval state cannot be written through this call.

    Raises:
        ValueError: the entry has no Harvest user, project or task id.
    """
    if entry.task_id is None or entry.project_id is None:
        raise ValueError("Harvest needs a project and a task for a time entry")
    return {
        "user_id": harvest_id(entry.worker_id, "user"),
        "project_id": harvest_id(entry.project_id, "project"),
        "task_id": harvest_id(entry.task_id, "task"),
        "spent_date": entry.work_date.isoformat(),
        "hours": float(entry.hours),
        "notes": entry.notes,
        "external_reference": {"id": entry.id, "group_id": "baton"},
    }
