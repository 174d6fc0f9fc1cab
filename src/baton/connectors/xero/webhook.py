"""Xero webhooks: ``x-xero-signature`` checks and the event envelope.

The signature is Base64(HMAC-SHA256(webhook key, raw body)); several keys
are accepted while one is rotated. Xero's "intent to receive" check sends
correctly and wrongly signed posts with ``events: []``: answer 200 and 401.

Staleness: Xero sends **no timestamp header**, so replay protection uses the
signed body: with ``now`` given, every event's ``eventDateUtc`` must be
within ``tolerance_s`` of it (:func:`~baton.connectors.webhooks.check_fresh`).
Xero retries failed deliveries with back-off, so choose a tolerance that
covers the retries you want to accept. Events only name a resource (it is
read afterwards through the API), and the inbox dedupes on
:attr:`XeroEvent.event_id`, so a replay inside the tolerance costs at most a
re-read; duplicated or out-of-order deliveries are harmless for the same
reason (order by ``eventDateUtc`` when it matters).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from baton.connectors.webhooks import (
    DEFAULT_TOLERANCE_S,
    WebhookRejectedError,
    check_fresh,
    hmac_b64,
    matches_any,
)
from baton.connectors.xero.mapping import parse_utc

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Mapping

__all__ = ["SIGNATURE_HEADER", "XeroEvent", "XeroWebhook", "parse", "verify"]

SIGNATURE_HEADER = "x-xero-signature"


@dataclass(frozen=True, slots=True)
class XeroEvent:
    """One event: a resource of a tenant was created or updated."""

    resource_url: str
    resource_id: str
    tenant_id: str
    tenant_type: str
    category: str
    type: str
    date_utc: dt.datetime
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def event_id(self) -> str:
        """Unique per change (the inbox dedupes on it)."""
        return ":".join(
            (
                self.tenant_id,
                self.category,
                self.resource_id,
                self.type,
                self.date_utc.isoformat(),
            )
        )


@dataclass(frozen=True, slots=True)
class XeroWebhook:
    """One delivery: its events and Xero's sequence numbers."""

    events: tuple[XeroEvent, ...]
    first_sequence: int
    last_sequence: int
    entropy: str


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def verify(
    headers: Mapping[str, str],
    body: bytes,
    keys: Iterable[str],
    *,
    now: float | None = None,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> None:
    """Accept a delivery signed with one of ``keys`` (and fresh, if ``now``).

    Raises:
        WebhookRejectedError: missing or wrong signature, unreadable body, or
            an event older (or newer) than ``tolerance_s``.
    """
    matches_any(
        _header(headers, SIGNATURE_HEADER), [hmac_b64(key, body) for key in keys]
    )
    if now is None:
        return
    try:
        hook = parse(body)
    except ValueError as exc:
        raise WebhookRejectedError(f"unreadable body: {exc}") from exc
    for event in hook.events:
        check_fresh(event.date_utc.timestamp(), now, tolerance_s)


def parse(body: bytes) -> XeroWebhook:
    """The envelope of a (verified) delivery.

    Raises:
        ValueError: not JSON or not Xero's envelope.
    """
    try:
        doc: Any = orjson.loads(body)
        events = tuple(
            XeroEvent(
                resource_url=str(e["resourceUrl"]),
                resource_id=str(e["resourceId"]),
                tenant_id=str(e["tenantId"]),
                tenant_type=str(e["tenantType"]),
                category=str(e["eventCategory"]),
                type=str(e["eventType"]),
                date_utc=parse_utc(str(e["eventDateUtc"])),
                data=dict(e.get("data") or {}),
            )
            for e in doc["events"]
        )
        return XeroWebhook(
            events,
            int(doc["firstEventSequence"]),
            int(doc["lastEventSequence"]),
            str(doc["entropy"]),
        )
    except (KeyError, TypeError, orjson.JSONDecodeError) as exc:
        raise ValueError(f"not a Xero webhook envelope: {exc!r}") from exc
