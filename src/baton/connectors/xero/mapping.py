"""Canonical ``PostTimeEntry`` ⇄ Xero Projects time entries (pure: no I/O, no clock).

Body sent to ``POST /projects.xro/2.0/Projects/{projectId}/Time``::

    {"projectId", "userId", "taskId", "dateUtc", "duration", "description"}

* ``projectId``/``taskId``/``userId`` come from ``cmd.refs`` (``project``,
  ``task``, ``user``), resolved by master data. ``projectId`` also names the
  URL; it is kept in the stored body so a delivery is self-contained (the
  create schema does not forbid it; the response schema has it).
* ``dateUtc``: Xero stores an instant, Baton a local day. We send **noon** of
  the work date in the tenant's time zone, in UTC with an explicit ``Z``;
  noon keeps the day under any offset (−12…+14) and away from DST gaps, and
  :func:`work_date_of` with the same zone gives the day back exactly.
* ``duration``: whole minutes in ``1..59940`` (Xero's bounds); hours that are
  not a whole number of minutes are refused, never rounded.
* ``description``: ``"<project code> <pay code> [baton:<entry id>]"``; the
  trailing marker is how :func:`entry_id_of` (and the target's ``lookup``)
  finds the entry again, Xero time entries having no external-reference field.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from baton.model.common import ApprovalStatus
from baton.model.time_expense import HOURS_PRECISION_CONTEXT_KEY, TimeEntry

if TYPE_CHECKING:
    from baton.model.commands import PostTimeEntry

__all__ = [
    "MAPPING_VERSION",
    "MAX_MINUTES",
    "SYSTEM",
    "date_utc",
    "description_of",
    "entry_id_of",
    "hours_of",
    "minutes_of",
    "parse_utc",
    "time_entry_body",
    "to_canonical",
    "work_date_of",
]

MAPPING_VERSION = "xero-projects/time-entry/v1"
SYSTEM = "xero"
MAX_MINUTES = 59940
_MARK = "[baton:"
_NOON = dt.time(12, 0)
_FRACTION = re.compile(r"(\.\d{6})\d+")


def minutes_of(hours: Decimal) -> int:
    """Whole minutes for decimal ``hours``.

    Raises:
        ValueError: not a whole number of minutes, or outside ``1..59940``.
    """
    minutes = hours * 60
    if not minutes.is_finite() or minutes != minutes.to_integral_value():
        raise ValueError(f"{hours} h is not a whole number of minutes")
    if not 1 <= minutes <= MAX_MINUTES:
        raise ValueError(f"{hours} h is outside Xero's 1..{MAX_MINUTES} minutes")
    return int(minutes)


def hours_of(minutes: int) -> Decimal:
    """Decimal hours for ``minutes``: exact when finite, else 4 places (half up)."""
    exact = Decimal(minutes) / 60
    if minutes % 60 == 0:
        return Decimal(minutes // 60)
    if (minutes * 100) % 60 == 0:  # two decimals are exact (quarters, 6 min …)
        return exact.quantize(Decimal("0.01")).normalize()
    return exact.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def date_utc(work_date: dt.date, tz: str) -> str:
    """Noon of ``work_date`` in zone ``tz``, as UTC ISO 8601 with ``Z``."""
    local = dt.datetime.combine(work_date, _NOON, tzinfo=ZoneInfo(tz))
    return local.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(value: str) -> dt.datetime:
    """An aware datetime from Xero's UTC strings (``Z``, offset or none; ≤ 7 decimals)."""
    parsed = dt.datetime.fromisoformat(_FRACTION.sub(r"\1", value.strip()))
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def work_date_of(value: str, tz: str) -> dt.date:
    """The day, in zone ``tz``, of Xero's ``dateUtc``."""
    return parse_utc(value).astimezone(ZoneInfo(tz)).date()


def description_of(cmd: PostTimeEntry) -> str:
    """The description carrying the Baton entry id as a trailing marker.

    Raises:
        ValueError: the entry id is empty or contains the marker itself.
    """
    if not cmd.entry_id or _MARK in cmd.entry_id:
        raise ValueError(f"entry id {cmd.entry_id!r} cannot be marked")
    return f"{cmd.project_code} {cmd.pay_code} {_MARK}{cmd.entry_id}]"


def entry_id_of(description: str | None) -> str | None:
    """The Baton entry id marked in a description, or None."""
    if not description or not description.endswith("]"):
        return None
    start = description.rfind(_MARK)
    if start < 0:
        return None
    return description[start + len(_MARK) : -1] or None


def time_entry_body(cmd: PostTimeEntry, tz: str) -> dict[str, Any]:
    """The Xero Projects time-entry body for one approved entry.

    Raises:
        KeyError: a reference (``project``, ``task``, ``user``) is missing.
        ValueError: hours not sendable (see :func:`minutes_of`).
    """
    return {
        "projectId": cmd.refs["project"],
        "userId": cmd.refs["user"],
        "taskId": cmd.refs["task"],
        "dateUtc": date_utc(cmd.work_date, tz),
        "duration": minutes_of(cmd.hours),
        "description": description_of(cmd),
    }


def to_canonical(item: dict[str, Any], tz: str) -> TimeEntry:
    """A canonical ``TimeEntry`` from a Xero time entry (read back).

    The id is the marked Baton id (else ``xero:<timeEntryId>``); worker,
    project and task are Xero's ids (master data maps them); the pay code
    is the word before the marker when Baton wrote it, else ``REG``.

    Raises:
        ValueError: the entry breaks the canonical model (e.g. over 24 h).
    """
    xero_id = str(item["timeEntryId"])
    description = str(item.get("description") or "")
    marked = entry_id_of(description)
    head = description[: description.rfind(_MARK)].rstrip() if marked else ""
    pay_code = head.rsplit(" ", 1)[-1] if " " in head else "REG"
    data = {
        "id": marked or f"xero:{xero_id}",
        "source_system": SYSTEM,
        "external_ids": {SYSTEM: xero_id},
        "worker_id": item["userId"],
        "project_id": item["projectId"],
        "task_id": item.get("taskId"),
        "work_date": work_date_of(str(item["dateUtc"]), tz),
        "hours": hours_of(int(item["duration"])),
        "pay_code": pay_code,
        "status": ApprovalStatus.APPROVED,
        "notes": item.get("description"),
    }
    return TimeEntry.model_validate(
        data, context={HOURS_PRECISION_CONTEXT_KEY: "minute"}
    )
