"""What the subscriber takes and gives: the session, received events, batches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["Batch", "PubSubSession", "ReceivedEvent"]


class PubSubSession(Protocol):
    """Where the subscriber gets its session (``SalesforceTokens`` fits)."""

    instance_url: str | None

    async def token(self, *, refresh: bool = False) -> str:
        """The current access token; a new one when ``refresh`` is set."""
        ...


@dataclass(frozen=True, slots=True)
class ReceivedEvent:
    """One event: its replay id, schema and decoded payload (None: undecodable)."""

    replay_id: bytes
    schema_id: str
    schema: dict[str, Any]
    payload: dict[str, Any] | None
    error: str = ""


@dataclass(frozen=True, slots=True)
class Batch:
    """One ``FetchResponse``: its events, latest replay id and what is still owed."""

    events: tuple[ReceivedEvent, ...]
    latest_replay_id: bytes
    pending: int
