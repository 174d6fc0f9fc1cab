"""A sandbox's faults, published limit and inspectable state (plain data)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

__all__ = ["Fault", "RateLimitRule", "SandboxState"]


@dataclass
class Fault:
    """A fault for the next ``count`` requests whose path starts with ``prefix``."""

    prefix: str = "/"
    status: int | None = None
    retry_after: float | None = None
    reset_after_commit: bool = False
    timeout_after_commit: float = 0.0
    count: int = 1


@dataclass(frozen=True)
class RateLimitRule:
    """The vendor's published limit: ``requests`` per ``per_seconds``, ``concurrency``."""

    requests: int
    per_seconds: float
    concurrency: int | None = None


@dataclass
class SandboxState:
    """What a sandbox saw: requests by ``METHOD path``, tokens, 429s, concurrency."""

    requests: Counter[str] = field(default_factory=Counter)
    tokens_issued: int = 0
    rate_limited: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    starts: list[float] = field(default_factory=list)
