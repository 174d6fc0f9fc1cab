"""Building blocks shared by every canonical entity, in one import.

``Entity``, the constrained strings and ``ensure_date_order`` are defined here;
the rest is re-exported from the module that owns it, so entity modules (and
connectors) keep importing from ``baton.model.common``:

- ``base``: ``CanonicalModel`` and the versioning rule (``model_version``).
- ``money``: ``Money``, ``CurrencyCode``, ``CURRENCY_MINOR_UNITS`` and the
  exactness rules.
- ``enums``: the closed vocabularies (``WorkerType``, ``EntityKind``, …).
- ``hours``: ``HoursPrecision`` and ``validate_hours``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar

from pydantic import Field, StringConstraints

from baton.model.base import CanonicalModel
from baton.model.enums import (
    ApprovalStatus,
    BillingMethod,
    EntityKind,
    OwnerTeam,
    ProjectStatus,
    WorkerType,
)
from baton.model.hours import MAX_HOURS_PER_ENTRY, HoursPrecision, validate_hours
from baton.model.money import (
    CURRENCY_MINOR_UNITS,
    DECIMAL_PATTERN,
    CurrencyCode,
    Money,
    MoneyAmount,
    ensure_currency,
)

if TYPE_CHECKING:
    import datetime as dt

__all__ = [
    "CURRENCY_MINOR_UNITS",
    "DECIMAL_PATTERN",
    "MAX_HOURS_PER_ENTRY",
    "ApprovalStatus",
    "BillingMethod",
    "CanonicalModel",
    "CountryCode",
    "CurrencyCode",
    "EmailAddress",
    "Entity",
    "EntityKind",
    "HoursPrecision",
    "Money",
    "MoneyAmount",
    "NonEmptyStr",
    "OwnerTeam",
    "ProjectStatus",
    "WorkerType",
    "ensure_currency",
    "ensure_date_order",
    "validate_hours",
]

NonEmptyStr = Annotated[str, StringConstraints(min_length=1)]
"""A string that is not empty once surrounding whitespace is stripped."""

EmailAddress = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
"""A plausible e-mail address; the sending system is the real check."""

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
"""An ISO 3166-1 alpha-2 country code, e.g. ``"GB"``."""


class Entity(CanonicalModel):
    """Base of every canonical entity (a thing with its own identity).

    Attributes:
        kind: The entity's ``EntityKind`` (set by each subclass).
        steward: The team that owns the entity's data quality.
        id: Baton's canonical id; never empty.
        source_system: Name of the system the record came from, if known.
        external_ids: Ids of this record in other systems, by system name.

    Entities are immutable but not hashable (``external_ids`` is a dict): key
    collections by ``id``.
    """

    kind: ClassVar[EntityKind]
    steward: ClassVar[OwnerTeam]

    id: NonEmptyStr
    source_system: NonEmptyStr | None = None
    external_ids: dict[NonEmptyStr, NonEmptyStr] = Field(default_factory=dict)


def ensure_date_order(
    start: dt.date | None, end: dt.date | None, *, start_name: str, end_name: str
) -> None:
    """Check that ``end`` is not before ``start`` when both are set.

    Raises:
        ValueError: If ``end < start``.
    """
    if start is not None and end is not None and end < start:
        raise ValueError(f"{end_name} must be on or after {start_name}")
