"""Vendor webhooks as the hub receives them: verify, then split into events.

One function per vendor adapts that connector's ``webhook.verify``/``parse``
to :data:`Receiver`: ``(method, url, headers, body, secrets, now)`` → the
events, each with the stable id the inbox dedupes on. Verification failures
raise :class:`~baton.connectors.webhooks.WebhookRejectedError` before
anything is stored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from baton.connectors.bamboohr import webhook as bamboohr
from baton.connectors.hubspot import webhook as hubspot
from baton.connectors.xero import webhook as xero

__all__ = ["RECEIVERS", "Received", "Receiver"]


@dataclass(frozen=True, slots=True)
class Received:
    """One verified event: its inbox id, a kind, and its JSON."""

    event_id: str
    kind: str
    payload: str


Receiver = Callable[
    [str, str, Mapping[str, str], bytes, Sequence[str], float], list[Received]
]


def _json(event: Any) -> str:
    return orjson.dumps(dataclasses.asdict(event)).decode()


def _xero(
    _method: str,
    _url: str,
    headers: Mapping[str, str],
    body: bytes,
    secrets: Sequence[str],
    now: float,
) -> list[Received]:
    xero.verify(headers, body, secrets, now=now)
    return [
        Received(e.event_id, f"xero.{e.category.lower()}", _json(e))
        for e in xero.parse(body).events
    ]


def _hubspot(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    secrets: Sequence[str],
    now: float,
) -> list[Received]:
    hubspot.verify(method, url, headers, body, secrets, now)
    return [
        Received(e.event_id, f"hubspot.{e.subscription_type}", _json(e))
        for e in hubspot.parse(body)
    ]


def _bamboohr(
    _method: str,
    _url: str,
    headers: Mapping[str, str],
    body: bytes,
    secrets: Sequence[str],
    now: float,
) -> list[Received]:
    bamboohr.verify(headers, body, secrets, now)
    return [
        Received(e.event_id, "bamboohr.employee", _json(e))
        for e in bamboohr.parse(body)
    ]


RECEIVERS: dict[str, Receiver] = {
    "bamboohr": _bamboohr,
    "hubspot": _hubspot,
    "xero": _xero,
}
