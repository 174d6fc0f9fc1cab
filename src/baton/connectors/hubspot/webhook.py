"""HubSpot webhooks: ``X-HubSpot-Signature-v3`` checks and the event batch.

v3 signature = Base64(HMAC-SHA256(app client secret, method + uri + body +
timestamp)), where ``uri`` is the full URL HubSpot called (scheme, host,
path, query) and ``timestamp`` is ``X-HubSpot-Request-Timestamp`` in
milliseconds, refused when more than 5 minutes from now (replays). Several
secrets are accepted while one is rotated.

A delivery is a JSON array of events (``eventId``, ``subscriptionType``,
``objectId``, ``occurredAt`` ms, ``propertyName``/``propertyValue`` for
property changes …). HubSpot retries and may batch an event twice:
:func:`parse` keeps the first of each ``eventId`` and orders the rest by
``occurredAt``; across deliveries the inbox dedupes on
:attr:`HubSpotEvent.event_id`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from baton.connectors.webhooks import (
    DEFAULT_TOLERANCE_S,
    WebhookRejectedError,
    check_fresh,
    hmac_b64,
    matches_any,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "HubSpotEvent",
    "parse",
    "sign",
    "verify",
]

SIGNATURE_HEADER = "X-HubSpot-Signature-v3"
TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp"


@dataclass(frozen=True, slots=True)
class HubSpotEvent:
    """One change notification."""

    id: int
    subscription_type: str
    object_id: str
    occurred_at: dt.datetime
    portal_id: int | None = None
    property_name: str | None = None
    property_value: str | None = None
    attempt: int = 0

    @property
    def object_type(self) -> str:
        """``deal``, ``company``, ``line_item`` … (before the dot)."""
        return self.subscription_type.partition(".")[0]

    @property
    def event_id(self) -> str:
        """Unique per event (the inbox dedupes on it)."""
        return f"hubspot:event:{self.portal_id}:{self.id}"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def sign(secret: str, method: str, uri: str, body: bytes, timestamp_ms: str) -> str:
    """The v3 signature of a request."""
    data = method.upper().encode() + uri.encode() + body + timestamp_ms.encode()
    return hmac_b64(secret, data)


def verify(
    method: str,
    uri: str,
    headers: Mapping[str, str],
    body: bytes,
    secrets: Iterable[str],
    now: float,
    *,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> None:
    """Accept a fresh delivery signed with one of ``secrets``.

    Args:
        now: the current time in seconds since the epoch.

    Raises:
        WebhookRejectedError: missing or stale timestamp, missing or wrong
            signature.
    """
    stamp = _header(headers, TIMESTAMP_HEADER)
    try:
        stamp_s = int(stamp) / 1000 if stamp is not None else None
    except ValueError as exc:
        raise WebhookRejectedError(f"timestamp is not a number: {stamp!r}") from exc
    check_fresh(stamp_s, now, tolerance_s)
    assert stamp is not None
    expected = [sign(s, method, uri, body, stamp) for s in secrets]
    matches_any(_header(headers, SIGNATURE_HEADER), expected)


def _event(raw: Mapping[str, Any]) -> HubSpotEvent:
    value = raw.get("propertyValue")
    return HubSpotEvent(
        id=int(raw["eventId"]),
        subscription_type=str(raw["subscriptionType"]),
        object_id=str(raw["objectId"]),
        occurred_at=dt.datetime.fromtimestamp(int(raw["occurredAt"]) / 1000, dt.UTC),
        portal_id=int(raw["portalId"]) if raw.get("portalId") is not None else None,
        property_name=raw.get("propertyName"),
        property_value=None if value is None else str(value),
        attempt=int(raw.get("attemptNumber") or 0),
    )


def parse(body: bytes) -> list[HubSpotEvent]:
    """The events of a (verified) delivery, deduped by ``eventId``, oldest first.

    Raises:
        ValueError: not JSON or not HubSpot's event array.
    """
    try:
        doc: Any = orjson.loads(body)
        seen: dict[int, HubSpotEvent] = {}
        for raw in doc if isinstance(doc, list) else [{}]:
            event = _event(raw)
            seen.setdefault(event.id, event)
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"not a HubSpot event batch: {exc!r}") from exc
    return sorted(seen.values(), key=lambda e: (e.occurred_at, e.id))
