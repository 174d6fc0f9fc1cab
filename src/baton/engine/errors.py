"""The one error hierarchy that decides the engine's action.

::

    DeliveryError                 base; ``message`` is one plain line for users
    ├── Retriable                 retry with backoff (5xx, 429, refused connection)
    │   └── RateLimited           429: honour ``retry_after`` before the next try
    ├── Ambiguous                 sent, no answer (timeout, reset after send):
    │                             look the record up in the target before resending
    ├── Fatal                     cannot succeed by retrying (auth revoked, 404 on
    │                             the endpoint): straight to the dead letter
    └── Invalid                   the target or a rule rejected the record:
                                  quarantine with rule, owner team and a fix

Connectors classify vendor responses into these classes; the class alone
decides what the dispatcher does next.
"""

from __future__ import annotations

__all__ = [
    "Ambiguous",
    "DeliveryError",
    "Fatal",
    "Invalid",
    "RateLimited",
    "Retriable",
]


class DeliveryError(Exception):
    """Base of every error a target may raise while a delivery is applied.

    Args:
        message: one plain-words line, shown to operators as is.
        status: the HTTP status the target answered, when there was one.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class Retriable(DeliveryError):
    """A transient failure: retry with exponential backoff and full jitter.

    Args:
        retry_after: seconds the target asked us to wait (``Retry-After``), if any.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class RateLimited(Retriable):
    """The target answered 429; the shared limiter pauses for ``retry_after``."""


class Ambiguous(DeliveryError):
    """The request may have been applied: look it up before any resend."""


class Fatal(DeliveryError):
    """Retrying cannot help: the delivery goes to the dead letter."""


class Invalid(DeliveryError):
    """A permanent rejection of this record: it goes to quarantine.

    Args:
        rule: a stable rule code, e.g. ``project.inactive`` or ``erp.rejected``.
        owner_team: the steward who can fix it (finance, hr, delivery_ops).
        fix: a suggested fix in plain words.
    """

    def __init__(
        self,
        message: str,
        *,
        rule: str,
        owner_team: str,
        fix: str = "",
        status: int | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.rule = rule
        self.owner_team = owner_team
        self.fix = fix
