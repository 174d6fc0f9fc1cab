"""Xero Accounting HTTP: Contacts, Invoices, PurchaseOrders under ``/api.xro/2.0``.

Writes use ``POST`` with ``summarizeErrors=false``: Xero then answers 200
with every item, each carrying its own ``ValidationErrors``; :func:`first_item`
turns an item's errors into :class:`~baton.engine.errors.Invalid` with Xero's
messages. Creates send Xero's ``Idempotency-Key`` header (a retry with the
same key gets the first answer back and creates nothing).

Exact money on the wire: :func:`loads` parses Xero's JSON numbers as
``Decimal``. httpx encodes bodies with the standard library, which writes
only ints and floats as JSON numbers, so :func:`wire` sends each ``Decimal``
as the float whose shortest text *is* that decimal, and refuses (ValueError)
any value where that is not exact (values of up to 15 significant digits
always are).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from baton.engine.errors import Invalid

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from baton.connectors.xero.client import XeroClient

__all__ = ["ACCOUNTING", "KINDS", "XeroAccountingClient", "first_item", "loads", "wire"]

ACCOUNTING = "/api.xro/2.0"
KINDS = ("Contacts", "Invoices", "PurchaseOrders")
_MAX_MESSAGE = 300


def loads(raw: bytes | str) -> Any:
    """JSON with every non-integer number as ``Decimal`` (never a float)."""
    return json.loads(raw, parse_float=Decimal)


def wire(value: Any) -> Any:
    """``value`` with each Decimal as an exactly equal float (see the docstring).

    Raises:
        ValueError: a Decimal that no float writes exactly.
    """
    if isinstance(value, Decimal):
        as_float = float(value)
        if not value.is_finite() or Decimal(repr(as_float)) != value:
            raise ValueError(f"{value} cannot be sent exactly as a JSON number")
        return as_float
    if isinstance(value, dict):
        return {k: wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [wire(v) for v in value]
    return value


def _messages(item: dict[str, Any]) -> list[str]:
    found = [
        str(err["Message"])
        for err in item.get("ValidationErrors") or []
        if isinstance(err, dict) and err.get("Message")
    ]
    for line in item.get("LineItems") or []:
        if isinstance(line, dict):
            found += _messages(line)
    return found


def first_item(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    """The one item of a ``summarizeErrors=false`` answer.

    Raises:
        Invalid: the item carries validation errors (rule ``xero.rejected``).
    """
    items = doc.get(kind) or []
    if not items:
        raise Invalid(
            f"xero: the answer holds no {kind}", rule="xero.rejected", owner_team=""
        )
    item: dict[str, Any] = items[0]
    errors = _messages(item)
    if errors or item.get("HasErrors") or item.get("HasValidationErrors"):
        text = "; ".join(errors) or "validation errors"
        raise Invalid(
            f"xero: HTTP 200: ValidationException: {text}"[:_MAX_MESSAGE],
            rule="xero.rejected",
            owner_team="finance",
            status=200,
        )
    return item


class XeroAccountingClient:
    """Accounting calls over a :class:`XeroClient`'s connection and limiter."""

    def __init__(self, client: XeroClient) -> None:
        self.client = client

    async def post(
        self, kind: str, body: dict[str, Any], *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """``POST /{kind}`` with one item; the stored item (Invalid on its errors)."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        resp = await self.client.http.request(
            "POST",
            f"{ACCOUNTING}/{kind}",
            json=wire({kind: [body]}),
            params={"summarizeErrors": "false"},
            headers=headers,
        )
        return first_item(loads(resp.content), kind)

    async def pages(
        self,
        kind: str,
        *,
        where: str | None = None,
        modified_since: str | None = None,
        page_size: int = 100,
    ) -> AsyncGenerator[list[dict[str, Any]], None]:
        """The items matching ``where``, one list per page (``page``, 1-based)."""
        headers = {"If-Modified-Since": modified_since} if modified_since else None
        page = 1
        while True:
            params: dict[str, Any] = {"page": page, "pageSize": page_size}
            if where:
                params["where"] = where
            resp = await self.client.http.request(
                "GET", f"{ACCOUNTING}/{kind}", params=params, headers=headers
            )
            doc = loads(resp.content)
            items = list(doc.get(kind) or [])
            yield items
            count = (doc.get("pagination") or {}).get("pageCount")
            if page >= int(count) if count is not None else len(items) < page_size:
                return
            page += 1

    async def find(self, kind: str, field: str, value: str) -> dict[str, Any] | None:
        """The first item whose ``field`` equals ``value`` exactly, or None."""
        quoted = value.replace("\\", "\\\\").replace('"', '\\"')
        pages = self.pages(kind, where=f'{field}=="{quoted}"')
        async for items in pages:
            for item in items:
                if item.get(field) == value:
                    await pages.aclose()
                    return item
        return None
