"""Pure Workday → canonical mapping: a staffing v6 worker as a ``Worker``.

No I/O, no clock. Field names are the published specs' [spec]
(``vendor-specs/workday/workday-staffing-v6.openapi.yaml``,
``workday-person-v4.openapi.yaml``):

* staffing ``workerData``: ``id`` (WID), ``descriptor``, ``workerId``
  (Employee ID or Contingent Worker ID), ``workerType {id, descriptor}``,
  ``person {id, email}``, ``primaryJob {businessTitle, jobProfile {id},
  location {id}, supervisoryOrganization {id}}``;
* staffing ``serviceDatesData``: ``hireDate`` (most recent hire);
* staffing ``supervisoryOrganizationView``: ``managers [{id}]``;
* person ``name`` (legal name): ``first``, ``primary`` (family name).

Choices:

* ``workerType.descriptor`` containing ``contingent`` (any case) →
  contractor; anything else (``Employee``) → employee;
* ``primaryJob.jobProfile.id`` → ``role_id`` ``workday:jobProfile:<id>``
  (``businessTitle`` is free text), ``primaryJob.location.id`` →
  ``location_id`` ``workday:location:<id>``;
* the manager is the first of the supervisory organization's ``managers``
  that is not the worker (a manager of their own organization reports
  upwards, which the v6 view does not expose: no manager then);
* the staffing v6 reads carry **no termination date** (only job-change
  business processes do); ``termination_date`` is an argument for a caller
  that has one (RaaS, WWS), and one before ``hireDate`` is refused;
* a RaaS report's end date before the REST ``hireDate`` is an earlier
  employment's (a rehire) and is dropped (:func:`end_for`); a terminated
  worker the REST list no longer shows is built from its report entry
  alone (:func:`absent_worker`: no role, location or manager).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, Any

from baton.model.common import WorkerType
from baton.model.worker import Worker

if TYPE_CHECKING:
    from collections.abc import Mapping

    from baton.connectors.workday.raas import Termination

__all__ = [
    "MAPPING_VERSION",
    "SYSTEM",
    "absent_worker",
    "canonical_id",
    "end_for",
    "event_id",
    "manager_of",
    "worker",
    "worker_type",
]

MAPPING_VERSION = "workday/v1"
SYSTEM = "workday"


def canonical_id(kind: str, value: object) -> str:
    """``workday:<kind>:<value>``."""
    return f"{SYSTEM}:{kind}:{value}"


def _text(raw: Mapping[str, Any] | None, key: str) -> str | None:
    if not raw:
        return None
    value = raw.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _ref(raw: Mapping[str, Any] | None, key: str) -> str | None:
    """The ``id`` of the instance reference ``raw[key]``, if any."""
    inner = raw.get(key) if raw else None
    return _text(inner, "id") if isinstance(inner, dict) else None


def worker_type(raw: Mapping[str, Any]) -> WorkerType:
    """Contractor for a ``Contingent Worker`` type, else employee."""
    kind = raw.get("workerType")
    descriptor = _text(kind, "descriptor") if isinstance(kind, dict) else None
    if descriptor and "contingent" in descriptor.casefold():
        return WorkerType.CONTRACTOR
    return WorkerType.EMPLOYEE


def manager_of(worker_id: str, organization: Mapping[str, Any] | None) -> str | None:
    """The WID of the worker's manager in their supervisory organization."""
    for manager in (organization or {}).get("managers") or ():
        wid = _text(manager, "id") if isinstance(manager, dict) else None
        if wid and wid != worker_id:
            return wid
    return None


def _day(value: object, what: str) -> dt.date | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValueError(f"{what} {str(value)[:20]!r} is not a date") from None


def worker(
    raw: Mapping[str, Any],
    *,
    service_dates: Mapping[str, Any] | None = None,
    legal_name: Mapping[str, Any] | None = None,
    organization: Mapping[str, Any] | None = None,
    termination_date: dt.date | None = None,
) -> Worker:
    """A Workday worker as a canonical ``Worker`` (see the module docstring).

    Raises:
        ValueError: no id, no name, no ``hireDate``, a termination before
            the hire, or any other reason the record is not a valid ``Worker``.
    """
    wid = _text(raw, "id")
    if wid is None:
        raise ValueError("worker without an id")
    hire = _day((service_dates or {}).get("hireDate"), "hireDate")
    if hire is None:
        raise ValueError(f"worker {wid} has no hireDate")
    if termination_date is not None and termination_date < hire:
        raise ValueError(
            f"worker {wid}: termination {termination_date} before hire {hire}"
        )
    job = raw.get("primaryJob") if isinstance(raw.get("primaryJob"), dict) else None
    profile, location = _ref(job, "jobProfile"), _ref(job, "location")
    manager = manager_of(wid, organization)
    person = raw.get("person") if isinstance(raw.get("person"), dict) else None
    return Worker(
        id=canonical_id("worker", wid),
        source_system=SYSTEM,
        external_ids={SYSTEM: wid},
        employee_number=_text(raw, "workerId"),
        given_name=_text(legal_name, "first") or "",
        family_name=_text(legal_name, "primary") or "",
        email=_text(person, "email"),
        worker_type=worker_type(raw),
        role_id=canonical_id("jobProfile", profile) if profile else None,
        location_id=canonical_id("location", location) if location else None,
        manager_id=canonical_id("worker", manager) if manager else None,
        hire_date=hire,
        termination_date=termination_date,
    )


def event_id(record: Worker) -> str:
    """``workday:worker:<wid>:<sha256 of the mapped record>`` (16 hex digits).

    Workday's list has no modification time, so the version is the content:
    an unchanged worker gets the same id and the inbox drops it.
    """
    digest = hashlib.sha256(
        f"{MAPPING_VERSION}\n{record.model_dump_json()}".encode()
    ).hexdigest()
    return f"{record.id}:{digest[:16]}"


def end_for(found: Termination | None, hire: dt.date | None) -> dt.date | None:
    """The end date to put on a worker hired on ``hire``.

    An end before the current hire belongs to an earlier employment (a
    rehire keeps the old termination in the report) and is dropped.
    """
    if found is None or found.end is None:
        return None
    return None if hire is not None and found.end < hire else found.end


def absent_worker(found: Termination) -> Worker:
    """A terminated worker the REST list no longer shows, from its report entry.

    Raises:
        ValueError: no WID, hire date or name in the entry, no end date, or
            an end before the hire.
    """
    if found.wid is None:
        raise ValueError(f"worker {found.employee_id}: the report has no WID")
    if found.end is None:
        raise ValueError(f"worker {found.wid}: no termination date")
    if found.hire is None:
        raise ValueError(f"worker {found.wid}: the report has no hire date")
    if found.end < found.hire:
        raise ValueError(f"worker {found.wid}: termination before hire")
    return Worker(
        id=canonical_id("worker", found.wid),
        source_system=SYSTEM,
        external_ids={SYSTEM: found.wid},
        employee_number=found.employee_id or None,
        given_name=found.given_name or "",
        family_name=found.family_name or "",
        email=found.email,
        worker_type=found.worker_type or WorkerType.EMPLOYEE,
        hire_date=found.hire,
        termination_date=found.end,
    )
