"""Response and request bodies of the API (``XPublic``, ``XRequest``)."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel, Field

__all__ = [
    "DeadLetterPublic",
    "DeliveryPublic",
    "ErrorPublic",
    "OutcomePublic",
    "QuarantinePublic",
    "ReplayItemPublic",
    "ReplayReportPublic",
    "ReplayRequest",
    "StatusPublic",
]


class OutcomePublic(BaseModel):
    """What became of a posted time entry."""

    outcome: str = Field(
        description="posted | accepted | duplicate | rejected | failed"
    )
    id: str | None = None
    reason: str | None = None
    rule: str | None = None


class ErrorPublic(BaseModel):
    """A refused request: nothing was stored."""

    outcome: str = "invalid"
    error: str


class DeliveryPublic(BaseModel):
    """One outbox delivery and its state."""

    id: str
    target: str
    entity: str
    canonical_id: str
    version: int
    idempotency_key: str
    partition_key: str
    state: str
    attempts: int
    next_attempt_at: float
    external_ref: str | None
    last_error: str | None
    amount: str | None
    currency: str | None
    created_at: float
    updated_at: float
    payload: Any


class QuarantinePublic(BaseModel):
    """A record held back, the rule it broke, and who owns the fix."""

    id: str
    entity: str
    canonical_id: str
    rule: str
    reason: str
    owner_team: str
    amount: str | None
    currency: str | None
    fix: str
    status: str
    created_at: float
    resolved_at: float | None
    delivery_id: str | None
    payload: Any


class DeadLetterPublic(BaseModel):
    """A delivery that gave up."""

    id: str
    delivery_id: str
    target: str
    reason: str
    attempts: int
    status: str
    created_at: float
    resolved_at: float | None


class ReplayRequest(BaseModel):
    """Which items to replay: some ids, a filter, or all; optionally a dry run."""

    ids: list[str] | None = None
    rule: str | None = None
    owner_team: str | None = None
    all: bool = False
    dry_run: bool = False
    payload: dict[str, Any] | None = Field(
        None, description="an edited payload; only with exactly one id"
    )


class ReplayItemPublic(BaseModel):
    """What a replay does (or would do) with one item."""

    item_id: str
    action: str
    target: str | None = None
    idempotency_key: str | None = None
    body: Any = None
    changes: dict[str, Any] = Field(default_factory=dict)
    rule: str | None = None
    reason: str | None = None


class ReplayReportPublic(BaseModel):
    """The result (or preview) of a replay."""

    dry_run: bool
    items: list[ReplayItemPublic]


class StatusPublic(BaseModel):
    """Counts by state, backlog, uptime."""

    counts: dict[str, dict[str, int]]
    backlog: int
    uptime_seconds: float
    refdata: dict[str, int]


def json_or_text(text: str) -> Any:
    """A stored JSON document, parsed (or the raw text if it is not JSON)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text
