"""Canonical ``PurchaseOrder`` ⇄ Xero Accounting purchase orders (pure).

``Reference`` is Baton's id; the vendor is named by ``ContactID`` when known,
else by ``ContactNumber`` (Baton's vendor id); lines carry ``Quantity``,
``UnitAmount``, ``LineAmount`` (the canonical amount), ``AccountCode`` (the
line's GL account, else the default) and the project as ``Tracking``.
Statuses: draft → ``DRAFT``, issued → ``AUTHORISED``, received/closed →
``BILLED``, cancelled → ``DELETED`` (and back: ``BILLED`` → closed).
"""

from __future__ import annotations

from typing import Any

from baton.connectors.xero.accounting_mapping import (
    SYSTEM,
    amounts,
    contact_ref,
    date_of,
    tracking,
)
from baton.model.procurement import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
)

__all__ = ["purchase_order_body", "purchase_order_of"]

_PO_STATUS = {
    PurchaseOrderStatus.DRAFT: "DRAFT",
    PurchaseOrderStatus.ISSUED: "AUTHORISED",
    PurchaseOrderStatus.RECEIVED: "BILLED",
    PurchaseOrderStatus.CLOSED: "BILLED",
    PurchaseOrderStatus.CANCELLED: "DELETED",
}
_PO_BACK = {
    "DRAFT": PurchaseOrderStatus.DRAFT,
    "SUBMITTED": PurchaseOrderStatus.DRAFT,
    "AUTHORISED": PurchaseOrderStatus.ISSUED,
    "BILLED": PurchaseOrderStatus.CLOSED,
    "DELETED": PurchaseOrderStatus.CANCELLED,
}


def purchase_order_body(
    po: PurchaseOrder,
    *,
    contact_id: str | None = None,
    account_code: str = "300",
    tracking_category: str = "Project",
) -> dict[str, Any]:
    """The Xero purchase order for a canonical one (Reference = Baton id)."""
    lines = [
        {
            "Description": line.description,
            "Quantity": line.quantity,
            "UnitAmount": line.unit_price.amount,
            "LineAmount": line.amount().amount,
            "AccountCode": line.gl_account or account_code,
            "Tracking": tracking(tracking_category, line.project_id),
        }
        for line in sorted(po.lines, key=lambda line: line.line_number)
    ]
    body: dict[str, Any] = {
        "Contact": contact_ref(po.vendor_id, contact_id),
        "Date": po.order_date.isoformat(),
        "LineAmountTypes": "Exclusive",
        "Reference": po.id,
        "CurrencyCode": po.currency,
        "Status": _PO_STATUS[po.status],
        "LineItems": lines,
    }
    if po.number:
        body["PurchaseOrderNumber"] = po.number
    return body


def purchase_order_of(doc: dict[str, Any], *, legal_entity_id: str) -> PurchaseOrder:
    """A canonical ``PurchaseOrder`` from a Xero one (parsed by ``loads``)."""
    currency = str(doc["CurrencyCode"])
    contact = doc.get("Contact") or {}
    lines = []
    for number, item in enumerate(doc.get("LineItems") or [], start=1):
        tracks = item.get("Tracking") or []
        priced = amounts(item, currency)
        lines.append(
            PurchaseOrderLine(
                line_number=number,
                description=item.get("Description") or "-",
                quantity=priced["quantity"],
                unit_price=priced["unit_price"],
                project_id=tracks[0].get("Option") if tracks else None,
                gl_account=item.get("AccountCode") or None,
            )
        )
    return PurchaseOrder(
        id=doc.get("Reference") or f"xero:{doc['PurchaseOrderID']}",
        source_system=SYSTEM,
        external_ids={SYSTEM: str(doc["PurchaseOrderID"])},
        vendor_id=contact.get("ContactNumber") or f"xero:{contact['ContactID']}",
        legal_entity_id=legal_entity_id,
        number=doc.get("PurchaseOrderNumber") or None,
        currency=currency,
        order_date=date_of(str(doc["Date"])),
        lines=tuple(lines),
        status=_PO_BACK.get(str(doc.get("Status")), PurchaseOrderStatus.DRAFT),
    )
