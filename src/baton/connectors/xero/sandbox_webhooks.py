"""Xero's webhook deliveries, as the sandbox sends them: signed, duplicated, reordered."""

from __future__ import annotations

import random
import string
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from baton.connectors.webhooks import hmac_b64
from baton.connectors.xero.webhook import SIGNATURE_HEADER

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["deliver_webhooks", "webhook_body"]


def webhook_body(
    events: Sequence[dict[str, Any]], first_sequence: int = 1
) -> dict[str, Any]:
    """Xero's envelope around ``events`` (sequence numbers, entropy)."""
    return {
        "events": list(events),
        "firstEventSequence": first_sequence,
        "lastEventSequence": first_sequence + max(len(events) - 1, 0),
        "entropy": "".join(random.choices(string.ascii_uppercase, k=20)),
    }


async def deliver_webhooks(
    url: str,
    bodies: Sequence[dict[str, Any]],
    key: str,
    *,
    duplicate: bool = False,
    out_of_order: bool = False,
    bad_signature: bool = False,
) -> list[int]:
    """POST each envelope signed with ``key``, as Xero would; the statuses.

    ``duplicate`` sends each twice; ``out_of_order`` sends them newest first;
    ``bad_signature`` signs with a wrong key.
    """
    raw = [orjson.dumps(b) for b in bodies]
    if duplicate:
        raw = [r for r in raw for _ in range(2)]
    if out_of_order:
        raw.reverse()
    statuses = []
    async with httpx.AsyncClient(timeout=10.0) as client:
        for body in raw:
            signature = hmac_b64("wrong-" + key if bad_signature else key, body)
            resp = await client.post(
                url,
                content=body,
                headers={
                    SIGNATURE_HEADER: signature,
                    "Content-Type": "application/json",
                },
            )
            statuses.append(resp.status_code)
    return statuses
