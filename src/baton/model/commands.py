"""Commands: what a workflow asks a target to do, in canonical terms (imperative).

A command carries the canonical record plus the target-side references that
master data resolved for it (e.g. the ERP employee id), so a connector's
mapping stays a pure function of the command.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date
    from decimal import Decimal

__all__ = ["Command", "PostTimeEntry"]


@dataclass(frozen=True, slots=True)
class PostTimeEntry:
    """Post one approved time entry to a target's books.

    Attributes:
        entry_id: the canonical time entry id (the target's external id).
        worker_id: the canonical worker id.
        project_code: the project the hours are booked to.
        work_date: the day worked.
        hours: decimal hours.
        pay_code: the canonical pay code (REG, OT, PTO …).
        amount: hours × cost rate, rounded to cents.
        currency: ISO 4217 code of ``amount``.
        refs: target-side ids resolved by master data (``employee``, ``pay_item``).
    """

    entry_id: str
    worker_id: str
    project_code: str
    work_date: date
    hours: Decimal
    pay_code: str
    amount: Decimal
    currency: str
    refs: dict[str, str] = field(default_factory=dict)

    entity = "TimeEntry"


Command = PostTimeEntry
