"""Webhook authenticity: HMAC signatures, timestamps, constant-time checks.

Vendors sign differently (see ``docs/connectors.md``); each connector's
``webhook.py`` composes these helpers. Every failure raises
:class:`WebhookRejectedError` with a plain reason; the ingress answers 401
and stores nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "DEFAULT_TOLERANCE_S",
    "WebhookRejectedError",
    "check_fresh",
    "hmac_b64",
    "hmac_hex",
    "matches_any",
]

DEFAULT_TOLERANCE_S = 300.0


class WebhookRejectedError(Exception):
    """A webhook failed verification (bad or missing signature, stale)."""


def hmac_b64(secret: str, data: bytes, digest: str = "sha256") -> str:
    """Base64 of HMAC(secret, data)."""
    mac = hmac.new(secret.encode(), data, getattr(hashlib, digest))
    return base64.b64encode(mac.digest()).decode()


def hmac_hex(secret: str, data: bytes, digest: str = "sha256") -> str:
    """Hex of HMAC(secret, data)."""
    return hmac.new(secret.encode(), data, getattr(hashlib, digest)).hexdigest()


def matches_any(given: str | None, expected: Iterable[str]) -> None:
    """Accept ``given`` if it equals one expected signature (secret rotation).

    Raises:
        WebhookRejectedError: missing or matching none.
    """
    if not given:
        raise WebhookRejectedError("signature header missing")
    if not any(hmac.compare_digest(given.encode(), e.encode()) for e in expected):
        raise WebhookRejectedError("signature does not match")


def check_fresh(
    timestamp_s: float | None, now_s: float, tolerance_s: float = DEFAULT_TOLERANCE_S
) -> None:
    """Refuse a timestamp further than ``tolerance_s`` from now (replays).

    Raises:
        WebhookRejectedError: missing or outside the tolerance.
    """
    if timestamp_s is None:
        raise WebhookRejectedError("timestamp header missing")
    if abs(now_s - timestamp_s) > tolerance_s:
        raise WebhookRejectedError(
            f"timestamp {abs(now_s - timestamp_s):.0f} s away (tolerance {tolerance_s:.0f} s)"
        )
