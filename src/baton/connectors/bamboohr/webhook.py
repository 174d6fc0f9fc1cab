"""BambooHR webhooks: ``X-BambooHR-Signature`` checks and the employees payload.

Signature (concatenation [kb] — the research notes say "raw body
concatenated with the timestamp; verify exact concatenation/encoding"):
``hex(HMAC-SHA256(private key, raw_body_bytes + timestamp_header_bytes))``,
i.e. the body exactly as received, immediately followed by the ASCII
``X-BambooHR-Timestamp`` value, no separator; the hex digest is compared
lower-case. Several keys are accepted while one is rotated.

Staleness: ``X-BambooHR-Timestamp`` is taken as Unix seconds [kb] and must
lie within ``tolerance_s`` of ``now``
(:func:`~baton.connectors.webhooks.check_fresh`).

Payload [kb]: ``{"employees": [{"id", "action", "timestamp", "fields",
"changedFields"}]}``. Events name an employee and the changed fields; the
source re-reads the employee, and the inbox dedupes on
:attr:`BambooHREvent.event_id`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from baton.connectors.bamboohr.mapping import canonical_id
from baton.connectors.webhooks import (
    DEFAULT_TOLERANCE_S,
    WebhookRejectedError,
    check_fresh,
    hmac_hex,
    matches_any,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "BambooHREvent",
    "parse",
    "sign",
    "verify",
]

SIGNATURE_HEADER = "X-BambooHR-Signature"
TIMESTAMP_HEADER = "X-BambooHR-Timestamp"


@dataclass(frozen=True, slots=True)
class BambooHREvent:
    """One employee change announced by a webhook."""

    employee_id: str
    action: str
    timestamp: str
    fields: dict[str, Any] = field(default_factory=dict)
    changed_fields: tuple[str, ...] = ()

    @property
    def event_id(self) -> str:
        """``bamboohr:employee:<id>:<timestamp>`` (the inbox dedupes on it)."""
        return f"{canonical_id('employee', self.employee_id)}:{self.timestamp}"


def sign(key: str, body: bytes, timestamp: str) -> str:
    """The signature BambooHR sends for ``body`` at ``timestamp`` (see above)."""
    return hmac_hex(key, body + timestamp.encode())


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def verify(
    headers: Mapping[str, str],
    body: bytes,
    keys: Iterable[str],
    now: float,
    *,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> None:
    """Accept a delivery signed with one of ``keys`` and fresh at ``now`` (Unix s).

    Raises:
        WebhookRejectedError: signature or timestamp missing, wrong or stale.
    """
    stamp = _header(headers, TIMESTAMP_HEADER)
    if stamp is None:
        raise WebhookRejectedError("timestamp header missing")
    try:
        seconds = float(stamp.strip())
    except ValueError:
        raise WebhookRejectedError(
            f"timestamp {stamp[:40]!r} is not Unix seconds"
        ) from None
    given = _header(headers, SIGNATURE_HEADER)
    matches_any(
        given.strip().lower() if given else None,
        [sign(key, body, stamp) for key in keys],
    )
    check_fresh(seconds, now, tolerance_s)


def parse(body: bytes) -> list[BambooHREvent]:
    """The events of a verified delivery.

    Raises:
        ValueError: not the employees-changed shape.
    """
    doc = orjson.loads(body)
    if not isinstance(doc, dict) or not isinstance(doc.get("employees"), list):
        raise ValueError("BambooHR webhook without an employees list")  # noqa: TRY004 - a bad payload, not a bad call
    events = []
    for item in doc["employees"]:
        if not isinstance(item, dict) or item.get("id") in (None, ""):
            raise ValueError("BambooHR webhook employee without an id")
        fields = item.get("fields")
        events.append(
            BambooHREvent(
                employee_id=str(item["id"]),
                action=str(item.get("action") or "Updated"),
                timestamp=str(item.get("timestamp") or ""),
                fields=dict(fields) if isinstance(fields, dict) else {},
                changed_fields=tuple(str(f) for f in item.get("changedFields") or ()),
            )
        )
    return events
