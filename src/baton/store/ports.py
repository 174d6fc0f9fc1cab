"""What the engine needs from a store, as plain rows and one Protocol.

The rows are frozen dataclasses so they cross the writer thread safely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = [
    "DeadLetterRow",
    "DeliveryRow",
    "EngineStore",
    "IngestItem",
    "IngestResult",
    "ItemNotOpenError",
    "NewDelivery",
    "NewQuarantine",
    "QuarantineRow",
    "Settlement",
]


class ItemNotOpenError(LookupError):
    """A replay found its item resolved meanwhile (another operator): nothing changed."""


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """An outbox row to write in the same transaction as its inbox row."""

    id: str
    target: str
    account: str
    entity: str
    canonical_id: str
    version: int
    idempotency_key: str
    partition_key: str
    payload: str
    amount: str | None
    currency: str | None


@dataclass(frozen=True, slots=True)
class NewQuarantine:
    """A quarantine row: the record, the rule it broke, and who can fix it."""

    id: str
    entity: str
    canonical_id: str
    rule: str
    reason: str
    owner_team: str
    amount: str | None
    currency: str | None
    fix: str
    payload: str
    inbox_id: str | None = None
    delivery_id: str | None = None


@dataclass(frozen=True, slots=True)
class IngestItem:
    """One received event and the workflow's decision about it.

    At most one of ``delivery`` (accepted, to send) or ``quarantine`` (rejected)
    is set; with neither, the event is only recorded (a vendor webhook whose
    record a workflow fetches later).
    ``record`` is the canonical record to upsert when accepted.
    """

    id: str
    source: str
    event_id: str
    business_key: str | None
    entity: str
    payload: str
    delivery: NewDelivery | None = None
    quarantine: NewQuarantine | None = None
    record: str | None = None
    record_sources: str = "{}"


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What became of an ingested event.

    ``outcome`` is ``accepted`` or ``rejected`` for a new event and
    ``duplicate`` for a repeat; ``original`` then tells how the first copy
    ended (``accepted`` or ``rejected``), with its rule and reason.
    """

    outcome: Literal["accepted", "rejected", "duplicate"]
    inbox_id: str
    original: Literal["accepted", "rejected"] | None = None
    delivery_id: str | None = None
    quarantine_id: str | None = None
    rule: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """An outbox row as read back from the store."""

    id: str
    target: str
    account: str
    entity: str
    canonical_id: str
    version: int
    idempotency_key: str
    partition_key: str
    state: str
    maybe_sent: bool
    attempts: int
    first_attempt_at: float | None
    next_attempt_at: float
    payload: str
    amount: str | None
    currency: str | None
    external_ref: str | None
    last_error: str | None
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class QuarantineRow:
    """A quarantined record as read back from the store."""

    id: str
    inbox_id: str | None
    delivery_id: str | None
    entity: str
    canonical_id: str
    rule: str
    reason: str
    owner_team: str
    amount: str | None
    currency: str | None
    fix: str
    payload: str
    status: str
    created_at: float
    resolved_at: float | None


@dataclass(frozen=True, slots=True)
class DeadLetterRow:
    """A delivery that exhausted its retry horizon or failed fatally."""

    id: str
    delivery_id: str
    target: str
    reason: str
    attempts: int
    status: str
    created_at: float
    resolved_at: float | None


@dataclass(frozen=True, slots=True)
class Settlement:
    """The result of one delivery attempt, written by the dispatcher.

    ``state`` is the delivery's new state: ``confirmed``, ``pending`` (a retry
    is scheduled at ``next_attempt_at``), ``quarantined`` or ``dead``.
    """

    delivery_id: str
    state: Literal["confirmed", "pending", "quarantined", "dead"]
    attempt_number: int
    attempt_outcome: str
    at: float
    duration_ms: float
    status: int | None = None
    error: str | None = None
    first_attempt_at: float | None = None
    next_attempt_at: float | None = None
    maybe_sent: bool = False
    external_ref: str | None = None
    xref: tuple[str, str, str, str] | None = None
    quarantine: NewQuarantine | None = None
    dead_letter_id: str | None = None
    target: str = ""


class EngineStore(Protocol):
    """What the dispatcher reads from the store (its writes go through the
    group committer's ``ingest``/``settle`` batches)."""

    def due_deliveries(
        self,
        now: float,
        limit: int,
        exclude: frozenset[str] = ...,
        created_before: float | None = ...,
    ) -> list[DeliveryRow]:
        """Pending deliveries whose next attempt is due, oldest first."""
        ...

    def get_delivery(self, delivery_id: str) -> DeliveryRow | None:
        """One delivery by id, or None."""
        ...
