"""What an attempt's result means for its delivery: the dispatcher's decisions.

No I/O and no clock (the caller passes the times): each function turns what
an attempt gave back into the :class:`~baton.store.ports.Settlement` the group
committer records, and a final settlement into the :class:`Outcome` callers
wait for. The error class decides (see :mod:`baton.engine.errors`):

* success → ``confirmed``, with a cross-reference to the target's id
  (attempt outcome ``found`` when a lookup found it already posted);
* :class:`Invalid` → ``quarantined`` with rule, reason, owner team, amount;
* :class:`Fatal` → ``dead`` at once, with a dead-letter row;
* :class:`RateLimited`, :class:`Ambiguous`, :class:`Retriable` → ``pending``
  with the next attempt after a jittered backoff (``Retry-After`` honoured),
  ``maybe_sent`` set after an ambiguous one so the next attempt looks the
  record up first; ``dead`` once the retry policy gives up.

The side effects of an error (the breaker's failure count, the account
limiter's pause after a 429) are the sender's: see :mod:`baton.engine.sender`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from baton.engine.errors import Ambiguous, Fatal, Invalid, RateLimited, Retriable
from baton.model.ids import new_id
from baton.store.ports import NewQuarantine, Settlement

if TYPE_CHECKING:
    import random
    from collections.abc import Callable

    from baton.engine.backoff import RetryPolicy
    from baton.engine.errors import DeliveryError
    from baton.store.ports import DeliveryRow

__all__ = [
    "Outcome",
    "after_error",
    "confirmed",
    "dead",
    "outcome_of",
    "unknown_target",
]

DEFAULT_FIX = "correct the record or the target's set-up, then replay"


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a delivery ended: ``confirmed``, ``quarantined`` or ``dead``."""

    state: Literal["confirmed", "quarantined", "dead"]
    external_ref: str | None = None
    rule: str | None = None
    reason: str | None = None
    quarantine_id: str | None = None


def outcome_of(s: Settlement) -> Outcome:
    """What a final settlement tells the callers waiting on its delivery."""
    q = s.quarantine
    return Outcome(
        s.state,  # type: ignore[arg-type]
        external_ref=s.external_ref,
        rule=q.rule if q else None,
        reason=q.reason if q else s.error,
        quarantine_id=q.id if q else None,
    )


def confirmed(
    d: DeliveryRow,
    attempt: int,
    found: bool,
    started: float,
    ms: float,
    first: float,
    ref: str,
    system: str,
) -> Settlement:
    """Attempt ``attempt`` posted ``d`` (or, ``found``, found it posted) as ``ref``."""
    return Settlement(
        d.id,
        "confirmed",
        attempt,
        "found" if found else "confirmed",
        started,
        ms,
        first_attempt_at=first,
        external_ref=ref,
        xref=(d.entity, d.canonical_id, system, ref),
    )


def unknown_target(d: DeliveryRow, at: float) -> Settlement:
    """``d`` names a target this process does not have: dead at once."""
    s = Settlement(
        d.id,
        "dead",
        d.attempts + 1,
        "fatal",
        at=at,
        duration_ms=0.0,
        error=f"no target named {d.target!r}",
    )
    return dead(s, d.target)


def after_error(
    d: DeliveryRow,
    exc: DeliveryError,
    attempt: int,
    first: float,
    started: float,
    ms: float,
    maybe_sent: bool,
    *,
    policy: RetryPolicy,
    rng: random.Random,
    owner_of: Callable[[str], str],
    now: float,
) -> Settlement:
    """The settlement of attempt ``attempt`` of ``d``, which raised ``exc``.

    Args:
        d: the delivery.
        exc: the classified error the attempt raised.
        attempt: this attempt's number, counting from 1.
        first: when the delivery's first attempt started.
        started: when this attempt started.
        ms: how long this attempt took.
        maybe_sent: whether the record may already be in the target.
        policy: when to retry and when to give up.
        rng: the backoff's jitter source.
        owner_of: entity name → owning team, for a quarantined record.
        now: the current time (the next attempt is scheduled from it).

    Returns:
        ``quarantined``, ``dead``, or ``pending`` with ``next_attempt_at``.
    """
    base = Settlement(
        d.id,
        "pending",
        attempt,
        "retriable",
        at=started,
        duration_ms=ms,
        status=exc.status,
        error=exc.message,
        first_attempt_at=first,
    )
    if isinstance(exc, Invalid):
        return _quarantined(base, d, exc, owner_of)
    if isinstance(exc, Fatal):
        return dead(base, d.target)
    retry_after: float | None = None
    if isinstance(exc, RateLimited):
        retry_after = exc.retry_after
        kind = "rate_limited"
    elif isinstance(exc, Ambiguous):
        maybe_sent = True
        kind = "ambiguous"
    else:
        assert isinstance(exc, Retriable)
        retry_after = exc.retry_after
        kind = "retriable"
    if policy.gives_up(first, now, attempt):
        reason = f"gave up after {attempt} attempts: {exc.message}"
        return dead(replace(base, error=reason), d.target)
    return replace(
        base,
        attempt_outcome=kind,
        next_attempt_at=now + policy.delay(attempt, retry_after, rng),
        maybe_sent=maybe_sent,
    )


def dead(s: Settlement, target: str) -> Settlement:
    """``s`` as a final failure with a dead-letter row."""
    return replace(
        s, state="dead", attempt_outcome="fatal", dead_letter_id=new_id(), target=target
    )


def _quarantined(
    base: Settlement, d: DeliveryRow, exc: Invalid, owner_of: Callable[[str], str]
) -> Settlement:
    """``base`` as a quarantine of ``d``, which the target rejected with ``exc``."""
    q = NewQuarantine(
        id=new_id(),
        entity=d.entity,
        canonical_id=d.canonical_id,
        rule=exc.rule,
        reason=f"{d.target} rejected it: {exc.message}",
        owner_team=exc.owner_team or owner_of(d.entity),
        amount=d.amount,
        currency=d.currency,
        fix=exc.fix or DEFAULT_FIX,
        payload=d.payload,
        delivery_id=d.id,
    )
    return replace(base, state="quarantined", attempt_outcome="invalid", quarantine=q)
