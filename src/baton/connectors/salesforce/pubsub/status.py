"""gRPC statuses of the Pub/Sub API as :mod:`baton.engine.errors`.

The message carries the server's details and its ``error-code`` trailer:

* ``UNAUTHENTICATED``: the session is refreshed once and the call repeated
  (a stream resumes after the last replay id it delivered); refused again →
  ``Fatal``; ``PERMISSION_DENIED``, ``NOT_FOUND`` (unknown topic or schema
  [kb: the status Salesforce uses for these is not documented]) → ``Fatal``;
* ``UNAVAILABLE``, ``DEADLINE_EXCEEDED``, ``INTERNAL``, ``UNKNOWN``,
  ``ABORTED`` → ``Retriable``; ``RESOURCE_EXHAUSTED`` → ``RateLimited``;
* ``INVALID_ARGUMENT`` and other statuses → ``Invalid``. A replay id the
  bus no longer holds (older than the 72 h retention, or from another org)
  is ``INVALID_ARGUMENT`` with ``sfdc.platform.eventbus.grpc.subscription.
  fetch.replayid.corrupted``: the caller can restart from ``EARLIEST``
  (read with no replay id) and re-read the sObject by SOQL for the gap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from baton.engine.errors import DeliveryError, Fatal, Invalid, RateLimited, Retriable

if TYPE_CHECKING:
    import grpc

    from baton.engine.limiter import AccountLimiter

__all__ = ["classify"]

_RETRY = {"UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "UNKNOWN", "ABORTED"}
_FATAL = {"UNAUTHENTICATED", "PERMISSION_DENIED", "NOT_FOUND"}


def classify(
    exc: grpc.aio.AioRpcError,
    *,
    limit_pause: float = 60.0,
    limiter: AccountLimiter | None = None,
) -> DeliveryError:
    """The engine error for a failed call (see the module docstring).

    A ``RESOURCE_EXHAUSTED`` also pauses ``limiter`` (the org's shared
    limiter) for ``limit_pause`` seconds: the REST calls wait too.
    """
    code = exc.code()
    name = code.name if code is not None else "UNKNOWN"
    trailer = dict(exc.trailing_metadata() or ())
    detail = f"salesforce pubsub: {name}: {exc.details() or ''}"
    if trailer.get("error-code"):
        detail += f" ({trailer['error-code']})"
    if name in _RETRY:
        return Retriable(detail)
    if name == "RESOURCE_EXHAUSTED":
        if limiter is not None:
            limiter.pause(limit_pause)
        return RateLimited(detail, retry_after=limit_pause)
    if name in _FATAL:
        return Fatal(detail)
    return Invalid(
        detail,
        rule="salesforce.pubsub",
        owner_team="",
        fix="a rejected replay id: clear the stream's cursor to read from EARLIEST",
    )
