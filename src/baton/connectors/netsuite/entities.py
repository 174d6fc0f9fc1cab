"""SuiteQL rows of ``customer``, ``job`` and ``employee`` → canonical (pure).

* Ids: ``netsuite:<type>:<internal id>``; ``event_id`` adds the row's
  ``lastmodified`` (``netsuite:<type>:<id>:<lastmodified>``).
* Timestamps are read as ``TO_CHAR(…, 'YYYY-MM-DD"T"HH24:MI:SS')`` — the
  account's local time, no zone (SuiteQL would otherwise format dates by the
  user's preference); cursors are such timestamps.
* SuiteQL answers booleans as ``"T"``/``"F"``, numbers possibly as strings
  and references as internal ids.
* ``customer.parent`` → ``Customer.parent_id``; ``job.parent`` (the customer)
  → ``Project.customer_id``; ``employee.supervisor`` → ``Worker.manager_id``.
  :func:`closes_cycle` tells whether a parent link would make the hierarchy
  cyclic (NetSuite forbids it; the stream refuses such a row).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from baton.connectors.netsuite.transactions import parse_number
from baton.model.common import BillingMethod, Money, ProjectStatus, WorkerType
from baton.model.customer import Customer
from baton.model.project import Project
from baton.model.worker import Worker

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "SYSTEM",
    "NetSuiteAccount",
    "canonical_id",
    "closes_cycle",
    "customer",
    "employee",
    "event_id",
    "job",
    "parse_cursor",
]

SYSTEM = "netsuite"
_BILLING = {"FF": BillingMethod.FIXED_FEE, "TM": BillingMethod.TIME_AND_MATERIALS}


@dataclass(frozen=True, slots=True)
class NetSuiteAccount:
    """What the canonical model needs and SuiteQL rows give only as ids.

    Attributes:
        currency: ISO code when a row's currency id is not in ``currencies``.
        legal_entity_id: canonical legal entity when a subsidiary is unknown.
        subsidiaries: NetSuite subsidiary id → canonical legal entity id.
        currencies: NetSuite currency id → ISO code.
        job_statuses: job ``entitystatus`` id → status (default: active).
    """

    currency: str
    legal_entity_id: str
    subsidiaries: Mapping[str, str] = field(default_factory=dict)
    currencies: Mapping[str, str] = field(default_factory=dict)
    job_statuses: Mapping[str, ProjectStatus] = field(default_factory=dict)


def canonical_id(kind: str, value: object) -> str:
    """``netsuite:<kind>:<value>``."""
    return f"{SYSTEM}:{kind}:{value}"


def parse_cursor(value: str) -> dt.datetime:
    """A cursor or ``lastmodified`` value as a naive (account-local) datetime.

    Raises:
        ValueError: not ``YYYY-MM-DDTHH:MM:SS``.
    """
    stamp = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S")  # noqa: DTZ007
    return stamp


def event_id(kind: str, row: Mapping[str, Any]) -> str:
    """``netsuite:<kind>:<id>:<lastmodified>``."""
    return f"{SYSTEM}:{kind}:{row['id']}:{row['lastmodified']}"


def _text(row: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = row.get(key)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def _day(value: Any) -> dt.date | None:
    if value is None or not str(value).strip():
        return None
    return dt.date.fromisoformat(str(value).strip()[:10])


def _inactive(row: Mapping[str, Any]) -> bool:
    return row.get("isinactive") in ("T", True, "true")


def _ref(row: Mapping[str, Any], kind: str, *keys: str) -> str | None:
    ref = _text(row, *keys)
    return None if ref is None else canonical_id(kind, ref)


def closes_cycle(
    parents: Mapping[str, str | None], child: str, parent: str | None
) -> bool:
    """True if linking ``child`` → ``parent`` makes the hierarchy cyclic."""
    seen = {child}
    node = parent
    while node is not None:
        if node in seen:
            return True
        seen.add(node)
        node = parents.get(node)
    return False


def customer(row: Mapping[str, Any]) -> Customer:
    """A ``customer`` row (``parent`` → ``parent_id``).

    Raises:
        ValueError: no name, or the customer is its own parent.
    """
    return Customer(
        id=canonical_id("customer", row["id"]),
        source_system=SYSTEM,
        external_ids={SYSTEM: str(row["id"])},
        name=_text(row, "companyname", "altname", "entityid") or "",
        parent_id=_ref(row, "customer", "parent"),
        active=not _inactive(row),
    )


def job(row: Mapping[str, Any], account: NetSuiteAccount) -> Project:
    """A ``job`` (project) row; its ``parent`` (else ``customer``) is the client.

    Raises:
        ValueError: no customer, no start date, or the canonical rules fail.
    """
    currency = account.currencies.get(str(row.get("currency")), account.currency)
    status = account.job_statuses.get(
        str(row.get("entitystatus")), ProjectStatus.ACTIVE
    )
    start = _day(row.get("startdate")) or _day(row.get("datecreated"))
    if start is None:
        raise ValueError("startdate is missing")
    return Project(
        id=canonical_id("job", row["id"]),
        source_system=SYSTEM,
        external_ids={SYSTEM: str(row["id"])},
        code=_text(row, "entityid") or str(row["id"]),
        name=_text(row, "companyname", "altname", "entityid") or "",
        customer_id=_ref(row, "customer", "parent", "customer") or "",
        legal_entity_id=account.subsidiaries.get(
            str(row.get("subsidiary")), account.legal_entity_id
        ),
        manager_worker_id=_ref(row, "employee", "projectmanager"),
        status=ProjectStatus.COMPLETED if _inactive(row) else status,
        billing_method=_BILLING.get(
            str(row.get("jobbillingtype")), BillingMethod.TIME_AND_MATERIALS
        ),
        currency=currency,
        start_date=start,
        end_date=_day(row.get("enddate")),
    )


def employee(row: Mapping[str, Any], account: NetSuiteAccount) -> Worker:
    """An ``employee`` row (``supervisor`` → ``manager_id``).

    Raises:
        ValueError: no names or hire date, or the canonical rules fail.
    """
    hired = _day(row.get("hiredate")) or _day(row.get("datecreated"))
    if hired is None:
        raise ValueError("hiredate is missing")
    cost = row.get("laborcost")
    return Worker(
        id=canonical_id("employee", row["id"]),
        source_system=SYSTEM,
        external_ids={SYSTEM: str(row["id"])},
        employee_number=_text(row, "entityid"),
        given_name=_text(row, "firstname") or "",
        family_name=_text(row, "lastname") or "",
        email=_text(row, "email"),
        worker_type=WorkerType.EMPLOYEE,
        manager_id=_ref(row, "employee", "supervisor"),
        legal_entity_id=account.subsidiaries.get(
            str(row.get("subsidiary")), account.legal_entity_id
        ),
        hire_date=hired,
        termination_date=_day(row.get("releasedate")),
        cost_rate=(
            None
            if cost in (None, "")
            else Money(amount=parse_number(cost), currency=account.currency)
        ),
    )
