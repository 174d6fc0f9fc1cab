"""Pure mapping of a Workday RaaS custom report: termination dates by worker.

A RaaS report [kb] answers ``{"Report_Entry": [{<alias>: <value>, …}, …]}``
where each alias is chosen by the report's author, so the columns are
configuration (:class:`FieldMap`). The report Baton expects is an Advanced
custom report on *All Active and Terminated Workers* (or on terminations in
a prompted date range) exposing, under the aliases of the field map:

* ``Employee_ID`` (required: the Employee or Contingent Worker ID, matched
  against the REST ``workerId``);
* ``Workday_ID`` (the worker's WID; needed for a terminated worker the REST
  list no longer shows, since the canonical id is built from it);
* ``Termination_Date`` and/or ``Last_Day_of_Work`` (the end date: the
  termination date, else the last day of work);
* ``Hire_Date``, ``Worker_Type``, ``Legal_Name_First_Name``,
  ``Legal_Name_Last_Name``, ``Email_Address`` (only for workers absent from
  REST: a record needs a hire date and both names).

Workday's JSON leaves a column out of an entry when it is empty [kb], so a
missing key is an empty value, except the id column, whose absence means
the field map does not match the report (:class:`FieldMapError`), as does a
non-empty report in which no entry carries an end-date column. The workers
built from entries are :func:`~.mapping.absent_worker`'s.

Dates are ``YYYY-MM-DD``, sometimes with the tenant's offset appended
(``2024-03-31-07:00``) or as a date-time [kb]; the calendar date written is
the date meant, never shifted by the offset. A reference column may come as
a descriptor string, an object with ``Descriptor``, or a list of them; the
first descriptor is used. No I/O, no clock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from baton.model.common import WorkerType

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "FieldMap",
    "FieldMapError",
    "Termination",
    "Terminations",
    "entry",
    "parse_day",
    "terminations",
]

_DAY = re.compile(  # ASCII digits only
    r"^(\d{4}-\d{2}-\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:\d{2})?$",
    re.ASCII,
)


class FieldMap(BaseModel):
    """The report's aliases for each column Baton reads (None: not in the report)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    employee_id: str = "Employee_ID"
    wid: str | None = "Workday_ID"
    termination_date: str | None = "Termination_Date"
    last_day_of_work: str | None = "Last_Day_of_Work"
    hire_date: str | None = "Hire_Date"
    worker_type: str | None = "Worker_Type"
    first_name: str | None = "Legal_Name_First_Name"
    last_name: str | None = "Legal_Name_Last_Name"
    email: str | None = "Email_Address"


class FieldMapError(ValueError):
    """The field map does not match the report: the message names the column."""


@dataclass(frozen=True, slots=True)
class Termination:
    """One report entry, read through the field map."""

    employee_id: str
    wid: str | None
    end: dt.date | None
    hire: dt.date | None = None
    worker_type: WorkerType | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None


def _scalar(value: Any) -> str | None:
    """A cell as text: a string, a number, a ``Descriptor`` or the first of a list."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("Descriptor", value.get("descriptor"))
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def _cell(raw: Mapping[str, Any], column: str | None) -> str | None:
    return _scalar(raw.get(column)) if column else None


def parse_day(value: object, what: str = "date") -> dt.date | None:
    """``YYYY-MM-DD`` with an optional time and/or offset suffix; None if empty.

    Raises:
        ValueError: not a Workday date.
    """
    text = _scalar(value)
    if text is None:
        return None
    found = _DAY.match(text)
    day = None
    if found is not None:
        with contextlib.suppress(ValueError):
            day = dt.date.fromisoformat(found.group(1))
    if day is None:
        raise ValueError(f"{what} {text[:30]!r} is not a date")
    return day


def _kind(text: str | None) -> WorkerType | None:
    if text is None:
        return None
    contingent = "contingent" in text.casefold() or "contract" in text.casefold()
    return WorkerType.CONTRACTOR if contingent else WorkerType.EMPLOYEE


def entry(raw: Mapping[str, Any], fields: FieldMap) -> Termination:
    """One report entry through ``fields``.

    Raises:
        FieldMapError: the entry has neither the employee-id nor the WID column.
        ValueError: a date column holds something that is not a date.
    """
    employee_id, wid = _cell(raw, fields.employee_id), _cell(raw, fields.wid)
    if employee_id is None and wid is None:
        have = ", ".join(sorted(raw)[:12]) or "no columns"
        raise FieldMapError(
            f"Workday report entry has no {fields.employee_id!r} column "
            f"(it has: {have}); set raas_fields.employee_id to the report's alias"
        )
    who = employee_id or wid
    end = parse_day(raw.get(fields.termination_date or ""), f"{who}: termination")
    if end is None:
        end = parse_day(raw.get(fields.last_day_of_work or ""), f"{who}: last day")
    return Termination(
        employee_id=employee_id or "",
        wid=wid,
        end=end,
        hire=parse_day(raw.get(fields.hire_date or ""), f"{who}: hire date"),
        worker_type=_kind(_cell(raw, fields.worker_type)),
        given_name=_cell(raw, fields.first_name),
        family_name=_cell(raw, fields.last_name),
        email=_cell(raw, fields.email),
    )


@dataclass
class Terminations:
    """A report's entries by WID and by employee id; ``rejected`` entries' reasons."""

    by_wid: dict[str, Termination]
    by_employee_id: dict[str, Termination]
    rejected: list[tuple[str, str]]

    def find(self, wid: str | None, employee_id: str | None) -> Termination | None:
        """The entry of the worker with this WID or employee id, if any."""
        return self.by_wid.get(wid or "") or self.by_employee_id.get(employee_id or "")

    def all(self) -> list[Termination]:
        """Every entry once (an entry without a WID is keyed by employee id)."""
        seen = {
            id(t): t for t in (*self.by_wid.values(), *self.by_employee_id.values())
        }
        return list(seen.values())


def _later(old: Termination | None, new: Termination) -> Termination:
    if old is None or old.end is None:
        return new
    return new if new.end is not None and new.end > old.end else old


def terminations(
    entries: Iterable[Mapping[str, Any]], fields: FieldMap
) -> Terminations:
    """Index a report; for a worker listed twice the latest end date wins.

    Raises:
        FieldMapError: an entry without an id column, or a non-empty report
            in which no entry has an end-date column.
    """
    out = Terminations({}, {}, [])
    rows = list(entries)
    columns = [c for c in (fields.termination_date, fields.last_day_of_work) if c]
    if rows and not any(c in raw for raw in rows for c in columns):
        raise FieldMapError(
            f"none of the {len(rows)} Workday report entries has a "
            f"{' or '.join(map(repr, columns)) or 'termination'} column; set "
            "raas_fields.termination_date to the report's alias"
        )
    for raw in rows:
        try:
            found = entry(raw, fields)
        except FieldMapError:
            raise
        except ValueError as exc:
            out.rejected.append((str(_cell(raw, fields.employee_id)), str(exc)))
            continue
        if found.wid:
            out.by_wid[found.wid] = _later(out.by_wid.get(found.wid), found)
        if found.employee_id:
            old = out.by_employee_id.get(found.employee_id)
            out.by_employee_id[found.employee_id] = _later(old, found)
    return out
