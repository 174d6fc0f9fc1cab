"""Pure BambooHR → canonical mapping: an employee record as a ``Worker``.

No I/O, no clock. BambooHR field names are [kb] (research notes §5.2; no
published contract was collected): ``id``, ``employeeNumber``,
``firstName``, ``lastName``, ``workEmail``, ``jobTitle``, ``department``,
``division``, ``location``, ``supervisorEId``, ``hireDate``,
``terminationDate`` (``YYYY-MM-DD``; BambooHR writes ``0000-00-00`` for an
empty date [kb]), ``status`` (``Active``/``Inactive``),
``employmentHistoryStatus`` and ``lastChanged``.

Choices (the canonical ``Worker`` has no title, department or status field):

* ``jobTitle`` → ``role_id`` ``bamboohr:role:<title>``; ``location`` →
  ``location_id`` ``bamboohr:location:<name>``; ``department``/``division``
  → ``cost_center_id`` only through :attr:`BambooHRAccount.cost_centers`
  (keys ``"<division>/<department>"`` first, then ``"<department>"``);
* ``employmentHistoryStatus`` containing ``contract`` (any case, e.g.
  ``Contractor``) → contractor, anything else → employee;
* ``status`` is not mapped: an ``Inactive`` employee keeps its
  ``terminationDate``; a termination date before the hire date is a rehire
  (BambooHR keeps the old one [kb]) and is dropped;
* a ``supervisorEId`` equal to the employee's own id (top of the tree) is
  dropped; any other value must still be a valid record (empty first or
  last name, missing hire date → ``ValueError``, the stream rejects it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from baton.model.common import WorkerType
from baton.model.worker import Worker

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "EMPLOYEE_FIELDS",
    "MAPPING_VERSION",
    "SYSTEM",
    "BambooHRAccount",
    "canonical_id",
    "event_id",
    "parse_day",
    "worker",
    "worker_type",
]

MAPPING_VERSION = "bamboohr/v1"
SYSTEM = "bamboohr"
EMPLOYEE_FIELDS = (
    "id",
    "employeeNumber",
    "firstName",
    "lastName",
    "workEmail",
    "jobTitle",
    "department",
    "division",
    "location",
    "supervisorEId",
    "hireDate",
    "terminationDate",
    "status",
    "employmentHistoryStatus",
    "lastChanged",
)
_EMPTY_DAYS = frozenset({"", "0000-00-00"})


@dataclass(frozen=True)
class BambooHRAccount:
    """Per-account mapping configuration.

    Attributes:
        cost_centers: canonical cost centre id by ``"<division>/<department>"``
            or ``"<department>"``.
    """

    cost_centers: Mapping[str, str] = field(default_factory=dict)


def canonical_id(kind: str, value: object) -> str:
    """``bamboohr:<kind>:<value>``."""
    return f"{SYSTEM}:{kind}:{value}"


def _text(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def parse_day(value: object) -> dt.date | None:
    """A ``YYYY-MM-DD`` day; None for null, empty or ``0000-00-00``."""
    if value is None or str(value).strip() in _EMPTY_DAYS:
        return None
    return dt.date.fromisoformat(str(value).strip()[:10])


def worker_type(raw: Mapping[str, Any]) -> WorkerType:
    """Contractor when ``employmentHistoryStatus`` says so, else employee."""
    status = (_text(raw, "employmentHistoryStatus") or "").casefold()
    return WorkerType.CONTRACTOR if "contract" in status else WorkerType.EMPLOYEE


def event_id(raw: Mapping[str, Any], last_changed: str | None = None) -> str:
    """``bamboohr:employee:<id>:<lastChanged>`` (a content hash if unknown)."""
    stamp = last_changed or _text(raw, "lastChanged")
    if stamp is None:
        items = sorted((k, str(v)) for k, v in raw.items())
        stamp = "sha256-" + hashlib.sha256(repr(items).encode()).hexdigest()[:16]
    return f"{canonical_id('employee', raw['id'])}:{stamp}"


def _cost_center(raw: Mapping[str, Any], account: BambooHRAccount) -> str | None:
    department = _text(raw, "department")
    if department is None:
        return None
    division = _text(raw, "division")
    if division is not None and f"{division}/{department}" in account.cost_centers:
        return account.cost_centers[f"{division}/{department}"]
    return account.cost_centers.get(department)


def worker(raw: Mapping[str, Any], account: BambooHRAccount | None = None) -> Worker:
    """A BambooHR employee as a canonical ``Worker`` (see the module docstring).

    Raises:
        ValueError: the record cannot be a valid ``Worker``.
    """
    account = account or BambooHRAccount()
    bamboo_id = _text(raw, "id")
    if bamboo_id is None:
        raise ValueError("employee without an id")
    hire = parse_day(raw.get("hireDate"))
    if hire is None:
        raise ValueError(f"employee {bamboo_id} has no hireDate")
    end = parse_day(raw.get("terminationDate"))
    if end is not None and end < hire:
        end = None  # rehired: the old termination date stays in BambooHR
    supervisor = _text(raw, "supervisorEId")
    title, location = _text(raw, "jobTitle"), _text(raw, "location")
    return Worker(
        id=canonical_id("employee", bamboo_id),
        source_system=SYSTEM,
        external_ids={SYSTEM: bamboo_id},
        employee_number=_text(raw, "employeeNumber"),
        given_name=_text(raw, "firstName") or "",
        family_name=_text(raw, "lastName") or "",
        email=_text(raw, "workEmail"),
        worker_type=worker_type(raw),
        role_id=canonical_id("role", title) if title else None,
        location_id=canonical_id("location", location) if location else None,
        manager_id=(
            canonical_id("employee", supervisor)
            if supervisor and supervisor != bamboo_id
            else None
        ),
        cost_center_id=_cost_center(raw, account),
        hire_date=hire,
        termination_date=end,
    )
