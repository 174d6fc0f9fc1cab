"""``POST /api/v1/time-entries``: the generic approved-time ingress (hot path)."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from baton.api.deps import HubDep
from baton.api.schemas import ErrorPublic, OutcomePublic
from baton.workflows.time_entry import TimeEntryIn

router = APIRouter(tags=["time entries"])

STATUS = {
    "posted": 200,
    "duplicate": 200,
    "accepted": 202,
    "rejected": 422,
    "failed": 502,
}


def _json(status: int, doc: dict[str, object]) -> Response:
    return Response(orjson.dumps(doc), status, media_type="application/json")


def _invalid(status: int, error: str) -> Response:
    return _json(status, {"outcome": "invalid", "error": error})


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
    wait timeout passed: 202). A repeat is answered from the inbox.
    """
    limit = hub.settings.max_body_bytes
    body = await _read_capped(request, limit)
    if body is None:
        return _invalid(413, f"body larger than {limit} bytes")
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
    return _json(STATUS[ans.outcome], doc)
