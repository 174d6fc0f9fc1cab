"""Canonical ``PostTimeEntry`` ⇄ NetSuite ``timeBill`` (pure: no I/O, no clock).

The body POSTed to ``/services/rest/record/v1/timeBill``::

    {"externalId", "employee": {"id"}, "customer": {"id"} | {"externalId"},
     "item": {"id"}?, "tranDate": "YYYY-MM-DD", "hours": <decimal hours>, "memo"}

* ``externalId`` is the Baton entry id: NetSuite keeps it unique per record
  type, so it is both the idempotency key and the lookup key (``eid:``).
* ``employee`` comes from ``refs["employee"]`` (required); ``customer`` (the
  job/project) from ``refs["job"]`` or ``refs["customer"]``, else the project
  code as the job's external id; ``item`` (service item) from ``refs["item"]``
  or ``refs["pay_item"]`` when given.
* ``hours`` is a NetSuite *duration*: NetSuite keeps whole minutes. The REST
  API reads and writes it as decimal hours, so the canonical Decimal is sent
  as a JSON number (exact through ``repr`` for ≤ 15 significant digits) after
  checking that it is a whole number of minutes, written exactly or rounded
  half-up at its own decimal places (``0.0167`` is one minute, ``0.01`` is
  36 seconds and is refused). ``"H:MM"`` read back becomes hours at 4 places.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from baton.model.commands import PostTimeEntry

__all__ = [
    "MAPPING_VERSION",
    "MAX_HOURS",
    "MEMO_MAX",
    "RECORD_TYPE",
    "MappingError",
    "TimeBillRead",
    "duration_minutes",
    "parse_hours",
    "time_bill_body",
    "time_bill_from_netsuite",
]

MAPPING_VERSION = "netsuite/timebill/v1"
RECORD_TYPE = "timeBill"
MAX_HOURS = Decimal(24)
_MINUTE_PLACES = Decimal("0.0001")  # "H:MM" read back: 1 min = 0.0167 h
MEMO_MAX = 999  # NetSuite's memo field length (characters)


class MappingError(ValueError):
    """The command cannot be expressed as a NetSuite time bill."""


def duration_minutes(hours: Decimal) -> int:
    """Whole minutes of ``hours`` (see the module docstring).

    Raises:
        MappingError: not finite, outside ``(0, 24]`` or not whole minutes.
    """
    if not hours.is_finite() or not 0 < hours <= MAX_HOURS:
        raise MappingError(f"hours must be greater than 0 and at most 24, not {hours}")
    minutes = int((hours * 60).to_integral_value(ROUND_HALF_UP))
    exponent = hours.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked above
    try:
        back = (Decimal(minutes) / 60).quantize(
            Decimal(1).scaleb(exponent), ROUND_HALF_UP
        )
    except InvalidOperation:
        back = None
    if minutes == 0 or back != hours:
        raise MappingError(f"NetSuite keeps whole minutes: {hours} h is not one")
    return minutes


def _ref(refs: Mapping[str, str], *keys: str) -> str | None:
    for key in keys:
        value = refs.get(key)
        if value:
            return value
    return None


def time_bill_body(cmd: PostTimeEntry) -> dict[str, Any]:
    """The ``timeBill`` body for one approved time entry.

    Raises:
        MappingError: no employee reference, no entry id, or hours NetSuite
            cannot hold.
    """
    if not cmd.entry_id:
        raise MappingError("the time entry has no id to use as externalId")
    employee = _ref(cmd.refs, "employee")
    if employee is None:
        raise MappingError(f"no NetSuite employee for worker {cmd.worker_id!r}")
    duration_minutes(cmd.hours)
    job = _ref(cmd.refs, "job", "customer")
    body: dict[str, Any] = {
        "externalId": cmd.entry_id,
        "employee": {"id": employee},
        "customer": {"id": job} if job else {"externalId": cmd.project_code},
        "tranDate": cmd.work_date.isoformat(),
        "hours": float(cmd.hours),
        "memo": f"{cmd.pay_code} · {cmd.project_code}"[:MEMO_MAX],
    }
    item = _ref(cmd.refs, "item", "pay_item")
    if item is not None:
        body["item"] = {"id": item}
    return body


@dataclass(frozen=True, slots=True)
class TimeBillRead:
    """A NetSuite time bill in canonical terms (record API or SuiteQL row).

    References are NetSuite ids, or ``eid:<externalId>`` when only that is known.
    """

    netsuite_id: str | None
    entry_id: str | None
    employee: str | None
    customer: str | None
    item: str | None
    work_date: dt.date
    hours: Decimal
    memo: str | None


def parse_hours(value: Any) -> Decimal:
    """Decimal hours from a NetSuite duration: a number or ``"H:MM"``.

    Raises:
        MappingError: anything else.
    """
    if isinstance(value, bool):
        raise MappingError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip()
        hours, sep, minutes = text.partition(":")
        try:
            if sep:
                total = Decimal(int(hours) * 60 + int(minutes))
                return (total / 60).quantize(_MINUTE_PLACES, ROUND_HALF_UP)
            return Decimal(text)
        except (ValueError, InvalidOperation) as exc:
            raise MappingError(f"not a duration: {value!r}") from exc
    raise MappingError(f"not a duration: {value!r}")


def _get(doc: Mapping[str, Any], key: str) -> Any:
    """``doc[key]``, also under SuiteQL's lower-case column name."""
    return doc.get(key, doc.get(key.lower()))


def _ref_of(value: Any) -> str | None:
    if isinstance(value, dict):
        if value.get("id") is not None:
            return str(value["id"])
        if value.get("externalId") is not None:
            return f"eid:{value['externalId']}"
        return None
    return None if value is None else str(value)


def time_bill_from_netsuite(doc: Mapping[str, Any]) -> TimeBillRead:
    """A record (``GET …/timeBill/<id>``) or a SuiteQL row, as :class:`TimeBillRead`.

    Raises:
        MappingError: no usable ``tranDate`` or ``hours``.
    """
    raw_date = _get(doc, "tranDate")
    try:
        work_date = dt.date.fromisoformat(str(raw_date)[:10])
    except ValueError as exc:
        raise MappingError(f"not a date: {raw_date!r}") from exc
    ext, memo = _get(doc, "externalId"), _get(doc, "memo")
    return TimeBillRead(
        netsuite_id=_ref_of(doc.get("id")),
        entry_id=None if ext is None else str(ext),
        employee=_ref_of(_get(doc, "employee")),
        customer=_ref_of(_get(doc, "customer")),
        item=_ref_of(_get(doc, "item")),
        work_date=work_date,
        hours=parse_hours(_get(doc, "hours")),
        memo=None if memo is None else str(memo),
    )
