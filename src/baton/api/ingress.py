"""The time-entry ingress, shared by the FastAPI route and the hot-path middleware.

:func:`answer` turns a raw body into ``(status, JSON bytes)``: 413 too large,
400 not JSON, 422 wrong types (nothing stored), 503 no target, else the
flow's outcome. :class:`HotPath` serves ``POST /api/v1/time-entries``
straight from ASGI, skipping the framework's routing, dependency and
exception layers (a third of the request's CPU on the benchmark); every other
request, and the OpenAPI description of this one, stays with FastAPI.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import orjson
from pydantic import ValidationError

from baton.workflows.time_entry import TimeEntryIn

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, MutableMapping

    from fastapi import FastAPI

    from baton.bootstrap import Hub

    Scope = MutableMapping[str, Any]
    Message = MutableMapping[str, Any]
    Receive = Callable[[], Awaitable[Message]]
    Send = Callable[[Message], Awaitable[None]]

__all__ = ["PATH", "STATUS", "HotPath", "answer", "wants_wait"]

log = logging.getLogger(__name__)

PATH = "/api/v1/time-entries"
STATUS = {
    "posted": 200,
    "duplicate": 200,
    "accepted": 202,
    "rejected": 422,
    "failed": 502,
}
_TRUE = {"1", "true", "yes", "on"}


def _invalid(status: int, error: str) -> tuple[int, bytes]:
    return status, orjson.dumps({"outcome": "invalid", "error": error})


def wants_wait(query: str) -> bool | None:
    """The ``wait`` query flag (None when the value is not a boolean)."""
    values = parse_qs(query).get("wait")
    if not values:
        return False
    value = values[-1].lower()
    if value in _TRUE:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    return None


async def answer(hub: Hub, body: bytes | None, wait: bool) -> tuple[int, bytes]:
    """Handle one posted time entry; ``body`` None means it exceeded the cap."""
    if body is None:
        return _invalid(413, f"body larger than {hub.settings.max_body_bytes} bytes")
    try:
        entry = TimeEntryIn.model_validate_json(body)
    except ValidationError as exc:
        errs = exc.errors(include_url=False, include_input=False)
        if errs and errs[0]["type"] == "json_invalid":
            return _invalid(400, f"body is not valid JSON: {errs[0]['msg']}")
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in errs
        )
        return _invalid(422, detail)
    if not hub.targets:
        return _invalid(503, "no ERP target configured: start the hub with --erp-url")
    ans = await hub.time_entries.handle(
        entry, body.decode(), wait=wait, timeout=hub.settings.wait_timeout_seconds
    )
    doc: dict[str, object] = {"outcome": ans.outcome}
    if ans.outcome in ("accepted", "posted", "failed"):
        doc["id"] = ans.id
    if ans.reason is not None:
        doc["reason"] = ans.reason
    if ans.rule is not None:
        doc["rule"] = ans.rule
    return STATUS[ans.outcome], orjson.dumps(doc)


class HotPath:
    """The outermost ASGI app: answers ``POST /api/v1/time-entries`` directly.

    Attributes:
        app: the FastAPI application serving everything else.
    """

    def __init__(self, app: FastAPI, hub: Hub) -> None:
        self.app = app
        self.hub = hub

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the ingress; pass everything else to the wrapped app."""
        if (
            scope["type"] != "http"
            or scope["path"] != PATH
            or scope["method"] != "POST"
        ):
            await self.app(scope, receive, send)
            return
        wait = wants_wait(scope["query_string"].decode("latin-1"))
        if wait is None:
            status, payload = _invalid(422, "wait: expected true or false")
        else:
            body = await self._read(scope, receive)
            try:
                status, payload = await answer(self.hub, body, wait)
            except Exception:  # answered plainly; the client may retry safely
                log.exception("time entry not acknowledged")
                status, payload = (
                    500,
                    orjson.dumps(
                        {
                            "outcome": "error",
                            "error": "internal error: not acknowledged",
                        }
                    ),
                )
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    async def _read(self, scope: Scope, receive: Receive) -> bytes | None:
        limit = self.hub.settings.max_body_bytes
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b""
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)
