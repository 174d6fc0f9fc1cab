"""Reading a vendor's answer: its error message and its ``Retry-After``."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from baton.engine.backoff import parse_retry_after

if TYPE_CHECKING:
    import httpx

__all__ = ["default_message", "retry_after_of"]

_MAX_MESSAGE = 300


def default_message(resp: httpx.Response) -> str:
    """``HTTP <status>: <the vendor's message>``, from common error shapes."""
    text = resp.text.strip()
    try:
        doc: Any = resp.json()
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        for key in (
            "message",
            "Message",
            "error_description",
            "error",
            "detail",
            "title",
        ):
            value = doc.get(key)
            if isinstance(value, str) and value:
                text = value
                break
    return (
        f"HTTP {resp.status_code}: {text[:_MAX_MESSAGE]}"
        if text
        else f"HTTP {resp.status_code}"
    )


def retry_after_of(resp: httpx.Response) -> float | None:
    """Seconds to wait from ``Retry-After`` (delta or HTTP date), if any."""
    return parse_retry_after(resp.headers.get("Retry-After"), time.time())
