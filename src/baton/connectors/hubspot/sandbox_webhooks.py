"""Deliver HubSpot webhook batches to a receiver, signed as HubSpot signs them."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from baton.connectors.hubspot.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["deliver_webhooks"]


async def deliver_webhooks(
    url: str,
    batches: Sequence[Sequence[Mapping[str, Any]]],
    secret: str,
    *,
    duplicate: bool = False,
    out_of_order: bool = False,
    bad_signature: bool = False,
    age_s: float = 0.0,
) -> list[int]:
    """POST each event batch signed (v3) as HubSpot would; the statuses.

    ``duplicate`` repeats each batch's first event inside it and sends each
    batch twice; ``out_of_order`` reverses events and batches; ``age_s``
    backdates the timestamp; ``bad_signature`` signs with a wrong secret.
    """
    bodies = [[*b, b[0]] if duplicate and b else list(b) for b in batches]
    if duplicate:
        bodies = [b for b in bodies for _ in range(2)]
    if out_of_order:
        bodies = [list(reversed(b)) for b in reversed(bodies)]
    statuses = []
    async with httpx.AsyncClient(timeout=10.0) as client:
        for events in bodies:
            raw = orjson.dumps(events)
            stamp = str(int((time.time() - age_s) * 1000))
            key = "wrong-" + secret if bad_signature else secret
            headers = {
                SIGNATURE_HEADER: sign(key, "POST", url, raw, stamp),
                TIMESTAMP_HEADER: stamp,
                "Content-Type": "application/json",
            }
            resp = await client.post(url, content=raw, headers=headers)
            statuses.append(resp.status_code)
    return statuses
