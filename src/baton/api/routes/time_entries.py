"""``POST /api/v1/time-entries``: the generic approved-time ingress (hot path)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from baton.api.deps import HubDep
from baton.api.ingress import answer
from baton.api.schemas import ErrorPublic, OutcomePublic
from baton.workflows.time_entry import TimeEntryIn

router = APIRouter(tags=["time entries"])


async def _read_capped(request: Request, limit: int) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/time-entries",
    responses={
        200: {"model": OutcomePublic, "description": "posted, or a duplicate"},
        202: {"model": OutcomePublic, "description": "durable; delivery continues"},
        400: {"model": ErrorPublic, "description": "not JSON"},
        413: {"model": ErrorPublic, "description": "body too large"},
        422: {"description": "rejected by a rule (quarantined) or wrong types"},
        502: {"model": OutcomePublic, "description": "the target gave up"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": TimeEntryIn.model_json_schema()}
            },
        }
    },
)
async def post_time_entry(
    request: Request, hub: HubDep, wait: bool = False
) -> Response:
    """Receive one time entry; store it durably, then post it to the ERP.

    With ``?wait=true`` the answer comes once the ERP acknowledged (or the
    wait timeout passed: 202). A repeat is answered from the inbox. In a
    running hub :class:`baton.api.ingress.HotPath` serves this path with the
    same :func:`baton.api.ingress.answer`; this route documents it.
    """
    body = await _read_capped(request, hub.settings.max_body_bytes)
    status, payload = await answer(hub, body, wait)
    return Response(payload, status, media_type="application/json")
