"""Values the Tryton source shares: books, work refs, cursors, event ids, hours, names.

All pure (no I/O, no clock). The cursor is a keyset watermark: the
``last_modified_at`` (Tryton's ``coalesce(write_date, create_date)``, naive
UTC on PostgreSQL, the server's local time on SQLite) and the id of the last
record read, so the next read starts strictly after it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from baton.connectors.tryton.erp_mapping import tryton_id
from baton.connectors.tryton.mapping import REF_PREFIX

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "Books",
    "Watermark",
    "WorkRef",
    "current_cost",
    "event_id",
    "hours_of",
    "ref_or_id",
    "split_name",
    "work_code",
]


@dataclass(frozen=True, slots=True, order=True)
class Watermark:
    """The position after the last record read: (last modified, id)."""

    stamp: dt.datetime
    id: int

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Watermark:
        """The watermark of a row read with ``last_modified_at``."""
        return cls(row["last_modified_at"], int(row["id"]))

    @classmethod
    def parse(cls, cursor: str) -> Watermark:
        """The watermark a cursor string holds.

        Raises:
            ValueError: not a cursor this source wrote.
        """
        stamp, sep, record = cursor.rpartition("|")
        if not sep or not record.isdigit():
            raise ValueError(f"not a Tryton cursor: {cursor!r}")
        return cls(dt.datetime.fromisoformat(stamp), int(record))

    def __str__(self) -> str:
        """The cursor string: ``<ISO timestamp>|<id>``."""
        return f"{self.stamp.isoformat()}|{self.id}"

    def after(self) -> list[Any]:
        """The Tryton domain of records strictly after this watermark."""
        return [
            "OR",
            ("last_modified_at", ">", self.stamp),
            [("last_modified_at", "=", self.stamp), ("id", ">", self.id)],
        ]


@dataclass(frozen=True, slots=True)
class Books:
    """What every record shares: the Tryton company, its currency, the pay code."""

    company: int
    currency: str
    pay_code: str = "REG"

    @property
    def legal_entity_id(self) -> str:
        """The company's canonical id."""
        return tryton_id("company.company", self.company)


@dataclass(frozen=True, slots=True)
class WorkRef:
    """Where a ``timesheet.work`` books to: project, task, and whether it bills."""

    project_id: str
    project_code: str
    task_id: str | None = None
    billable: bool = False


def event_id(model: str, row: Mapping[str, Any]) -> str:
    """``<model>:<id>:<last_modified_at>``: new for every version of a record."""
    stamp: dt.datetime = row["last_modified_at"]
    return f"{model}:{row['id']}:{stamp.isoformat()}"


def ref_or_id(text: object, model: str, record_id: int) -> str:
    """The Baton id in a ``baton:<id>`` reference, else the Tryton record's id."""
    value = str(text or "").strip()
    ref = value.removeprefix(REF_PREFIX).strip()
    if value.startswith(REF_PREFIX) and ref:
        return ref
    return tryton_id(model, record_id)


def hours_of(duration: dt.timedelta) -> Decimal:
    """Decimal hours of a Tryton duration, to the whole minute (half up).

    Exact when finite (quarters, tenths: ``7.5``, ``0.1``), else 4 places
    (``1.3333`` for 80 min), which
    :func:`~baton.connectors.tryton.mapping.duration_seconds` turns back into
    the same whole minutes. Seconds beyond the minute are rounded off: the
    canonical ``TimeEntry`` keeps minutes.
    """
    seconds = Decimal(str(duration.total_seconds()))
    minutes = int((seconds / 60).to_integral_value(rounding=ROUND_HALF_UP))
    if minutes % 60 == 0:
        return Decimal(minutes // 60)
    if (minutes * 100) % 60 == 0:  # two decimals are exact
        return (Decimal(minutes) / 60).quantize(Decimal("0.01")).normalize()
    return (Decimal(minutes) / 60).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def split_name(name: str) -> tuple[str, str]:
    """(given, family) from a party's single name, split at the first space.

    A one-word name is both (the canonical worker needs both).

    Raises:
        ValueError: the name is blank.
    """
    words = name.split()
    if not words:
        raise ValueError("the employee's party has no name")
    if len(words) == 1:
        return words[0], words[0]
    return words[0], " ".join(words[1:])


def current_cost(prices: Sequence[Mapping[str, Any]], as_of: dt.date) -> Decimal | None:
    """The cost price in force on ``as_of``: the latest dated on or before it."""
    dated = sorted((p["date"], p["cost_price"]) for p in prices)
    cost = None
    for day, price in dated:
        if day > as_of:
            break
        cost = price
    return None if cost is None else Decimal(cost)


def work_code(row: Mapping[str, Any]) -> str:
    """The code people type for a work: its number, else its name."""
    return str(row.get("number") or row.get("name") or row["id"])
