"""Canonical invoice requests and purchase orders → NetSuite transactions (pure).

Bodies POSTed to ``/services/rest/record/v1/<salesOrder|invoice|purchaseOrder>``::

    {"externalId", "entity": <ref>, "subsidiary": <ref>, "currency": <ref>,
     "tranDate": "YYYY-MM-DD", "dueDate"?, "job"?, "memo"?,
     "item": {"items": [{"item": <ref>, "description", "quantity"?, "rate"?,
                         "amount", "taxCode"?, "customer"?}]}}

* ``externalId`` is the canonical id (the idempotency and ``eid:`` key).
* A reference is ``{"id"}`` from ``refs`` (ids resolved by master data:
  ``customer``/``vendor``, ``subsidiary``, ``currency``, ``job``, ``item``
  and ``item:<n>`` for line *n*), else ``{"externalId": <canonical id>}``
  (the currency's ISO code); a line without any item reference is refused.
* Numbers are exact: ``quantity``, ``rate`` and ``amount`` are sent as JSON
  numbers only when the Decimal has at most 15 significant digits, so
  ``Decimal(repr(float))`` gives the same value back (:func:`number` and
  :func:`parse_number`); anything longer is refused, never rounded.
* ``amount`` is the canonical line amount (authoritative), ``rate`` the unit
  price; NetSuite keeps both when given.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from baton.connectors.netsuite.mapping import MEMO_MAX, MappingError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from baton.model.finance import InvoiceRequest
    from baton.model.procurement import PurchaseOrder

__all__ = [
    "INVOICE",
    "MAX_DIGITS",
    "PURCHASE_ORDER",
    "SALES_ORDER",
    "invoice_body",
    "lines_total",
    "number",
    "parse_number",
    "purchase_order_body",
    "sales_order_body",
]

SALES_ORDER = "salesOrder"
INVOICE = "invoice"
PURCHASE_ORDER = "purchaseOrder"
MAX_DIGITS = 15  # a double holds any 15-significant-digit decimal exactly via repr
DESCRIPTION_MAX = 999


def number(value: Decimal, name: str) -> float:
    """``value`` as a JSON number that reads back exactly.

    Raises:
        MappingError: not finite, or more than :data:`MAX_DIGITS` significant digits.
    """
    if not value.is_finite():
        raise MappingError(f"{name} is not a finite number: {value}")
    if len(value.normalize().as_tuple().digits) > MAX_DIGITS:
        raise MappingError(f"{name} {value} has more than {MAX_DIGITS} digits")
    out = float(value)
    if Decimal(repr(out)) != value:  # pragma: no cover - guarded by the digit count
        raise MappingError(f"{name} {value} is not exact as a JSON number")
    return out


def parse_number(value: Any) -> Decimal:
    """A NetSuite number (JSON number or SuiteQL string) as an exact Decimal.

    Raises:
        MappingError: anything else.
    """
    if isinstance(value, bool) or value is None:
        raise MappingError(f"not a number: {value!r}")
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except InvalidOperation as exc:
        raise MappingError(f"not a number: {value!r}") from exc


def _ref(refs: Mapping[str, str], key: str, external: str | None) -> dict[str, str]:
    if refs.get(key):
        return {"id": refs[key]}
    if external:
        return {"externalId": external}
    raise MappingError(f"no NetSuite {key} reference")


def _item(refs: Mapping[str, str], n: int) -> dict[str, str]:
    item = refs.get(f"item:{n}") or refs.get("item")
    if not item:
        raise MappingError(f"no NetSuite item for line {n}")
    return {"id": item}


def _header(
    external_id: str,
    entity: dict[str, str],
    refs: Mapping[str, str],
    legal_entity_id: str,
    currency: str,
    tran_date: str,
) -> dict[str, Any]:
    return {
        "externalId": external_id,
        "entity": entity,
        "subsidiary": _ref(refs, "subsidiary", legal_entity_id),
        "currency": _ref(refs, "currency", currency),
        "tranDate": tran_date,
    }


def invoice_body(req: InvoiceRequest, refs: Mapping[str, str]) -> dict[str, Any]:
    """The ``invoice`` body for an invoice request.

    Raises:
        MappingError: a reference is missing or a number cannot be exact.
    """
    body = _header(
        req.id,
        _ref(refs, "customer", req.customer_id),
        refs,
        req.legal_entity_id,
        req.currency,
        req.invoice_date.isoformat(),
    )
    if req.due_date is not None:
        body["dueDate"] = req.due_date.isoformat()
    if req.project_id is not None or refs.get("job"):
        body["job"] = _ref(refs, "job", req.project_id)
    if req.contract_id is not None:
        body["memo"] = f"contract {req.contract_id}"[:MEMO_MAX]
    lines = []
    for n, line in enumerate(req.lines, start=1):
        out: dict[str, Any] = {
            "item": _item(refs, n),
            "description": line.description[:DESCRIPTION_MAX],
            "amount": number(line.amount.amount, f"line {n} amount"),
        }
        if line.quantity is not None:
            out["quantity"] = number(line.quantity, f"line {n} quantity")
        if line.unit_price is not None:
            out["rate"] = number(line.unit_price.amount, f"line {n} rate")
        if line.tax_code_id is not None:
            out["taxCode"] = _ref(refs, f"taxCode:{n}", line.tax_code_id)
        lines.append(out)
    body["item"] = {"items": lines}
    return body


def sales_order_body(req: InvoiceRequest, refs: Mapping[str, str]) -> dict[str, Any]:
    """The ``salesOrder`` body: the invoice body (NetSuite bills it later).

    Raises:
        MappingError: as :func:`invoice_body`.
    """
    body = invoice_body(req, refs)
    body.pop("dueDate", None)  # a sales order has no due date
    return body


def purchase_order_body(po: PurchaseOrder, refs: Mapping[str, str]) -> dict[str, Any]:
    """The ``purchaseOrder`` body, lines in line-number order.

    Raises:
        MappingError: a reference is missing or a number cannot be exact.
    """
    body = _header(
        po.id,
        _ref(refs, "vendor", po.vendor_id),
        refs,
        po.legal_entity_id,
        po.currency,
        po.order_date.isoformat(),
    )
    if po.purchase_request_id is not None:
        body["memo"] = f"purchase request {po.purchase_request_id}"[:MEMO_MAX]
    lines = []
    for line in sorted(po.lines, key=lambda x: x.line_number):
        n = line.line_number
        out: dict[str, Any] = {
            "item": _item(refs, n),
            "description": line.description[:DESCRIPTION_MAX],
            "quantity": number(line.quantity, f"line {n} quantity"),
            "rate": number(line.unit_price.amount, f"line {n} rate"),
            "amount": number(line.amount().amount, f"line {n} amount"),
        }
        if line.project_id is not None:
            out["customer"] = _ref(refs, f"job:{n}", line.project_id)
        lines.append(out)
    body["item"] = {"items": lines}
    return body


def lines_total(body: Mapping[str, Any]) -> Decimal:
    """The exact sum of a body's line amounts (as sent or as read back).

    Raises:
        MappingError: a line without a numeric amount.
    """
    sublist = body.get("item")
    lines = sublist.get("items", []) if isinstance(sublist, dict) else []
    return sum((parse_number(line.get("amount")) for line in lines), Decimal(0))
