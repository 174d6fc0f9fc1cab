"""Canonical models ⇄ Tryton ERP records (pure: no I/O, no clock).

* ``Customer`` ⇄ ``party.party``: the party ``code`` holds the stable Baton
  reference ``baton:<customer id>`` (settable on create, read-only after).
* ``account.invoice`` (+ lines) → ``InvoiceRequest``: quantities are hours
  when the product's unit is the hour; amounts are untaxed.
* ``purchase.purchase`` (+ lines) → ``PurchaseOrder``: a line's ``work``
  (``project.work``, from project_revenue) becomes ``task_id``.
* ``sale.opportunity`` → ``Opportunity``.

Tryton ids become canonical ids as ``tryton:<model>:<id>`` unless a Baton
reference is known.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from baton.connectors.tryton.mapping import REF_PREFIX, reference
from baton.model.commercial import Opportunity, OpportunityStage
from baton.model.common import Money
from baton.model.customer import Customer
from baton.model.finance import InvoiceLine, InvoiceRequest, InvoiceRequestStatus
from baton.model.procurement import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
)

if TYPE_CHECKING:
    import datetime as dt

__all__ = [
    "customer_from_party",
    "invoice_from_tryton",
    "opportunity_from_tryton",
    "party_values",
    "purchase_from_tryton",
    "tryton_id",
]

SYSTEM = "tryton"
_INVOICE_STATUS = {
    "draft": InvoiceRequestStatus.REQUESTED,
    "validated": InvoiceRequestStatus.REQUESTED,
    "posted": InvoiceRequestStatus.INVOICED,
    "paid": InvoiceRequestStatus.INVOICED,
    "cancelled": InvoiceRequestStatus.CANCELLED,
}
_PURCHASE_STATUS = {
    "draft": PurchaseOrderStatus.DRAFT,
    "quotation": PurchaseOrderStatus.DRAFT,
    "confirmed": PurchaseOrderStatus.ISSUED,
    "processing": PurchaseOrderStatus.ISSUED,
    "done": PurchaseOrderStatus.CLOSED,
    "cancelled": PurchaseOrderStatus.CANCELLED,
}
_OPPORTUNITY_STAGE = {
    "lead": OpportunityStage.PROSPECTING,
    "opportunity": OpportunityStage.QUALIFICATION,
    "converted": OpportunityStage.PROPOSAL,
    "won": OpportunityStage.CLOSED_WON,
    "lost": OpportunityStage.CLOSED_LOST,
    "cancelled": OpportunityStage.CLOSED_LOST,
}


def tryton_id(model: str, record_id: int) -> str:
    """The canonical id of a Tryton record that has no Baton reference."""
    return f"{SYSTEM}:{model}:{record_id}"


def party_values(customer: Customer) -> dict[str, Any]:
    """``party.party.create`` values: name, Baton reference and one address.

    The address is empty: Tryton needs one to invoice or sell to the party.
    """
    return {
        "name": customer.name,
        "code": reference(customer.id),
        "addresses": [["create", [{}]]],
    }


def customer_from_party(row: dict[str, Any]) -> Customer:
    """A ``Customer`` from a party read with ``id``, ``code``, ``name``, ``active``."""
    code = str(row.get("code") or "")
    ref = code.removeprefix(REF_PREFIX) if code.startswith(REF_PREFIX) else ""
    return Customer(
        id=ref or tryton_id("party.party", int(row["id"])),
        name=row["name"],
        active=bool(row.get("active", True)),
        source_system=SYSTEM,
        external_ids={SYSTEM: str(row["id"])},
    )


def _money(value: Decimal, currency: str) -> Money:
    return Money(amount=Decimal(value), currency=currency)


def invoice_from_tryton(
    invoice: dict[str, Any],
    lines: list[dict[str, Any]],
    *,
    customer_id: str,
    legal_entity_id: str,
    currency: str,
    project_id: str | None = None,
    default_date: dt.date,
) -> InvoiceRequest:
    """An ``InvoiceRequest`` from an ``account.invoice`` and its lines.

    ``invoice`` needs ``id``, ``state``, ``number``, ``invoice_date``;
    each line ``description``, ``quantity``, ``unit_price``, ``amount`` and
    ``time_entry_ids`` (the Baton references of its timesheet lines).
    A draft invoice has no date: ``default_date`` is used.
    """
    return InvoiceRequest(
        id=tryton_id("account.invoice", int(invoice["id"])),
        source_system=SYSTEM,
        external_ids={SYSTEM: str(invoice["id"])},
        customer_id=customer_id,
        legal_entity_id=legal_entity_id,
        project_id=project_id,
        currency=currency,
        invoice_date=invoice.get("invoice_date") or default_date,
        lines=tuple(
            InvoiceLine(
                description=line["description"] or "-",
                quantity=Decimal(str(line["quantity"])),
                unit_price=_money(line["unit_price"], currency),
                amount=_money(line["amount"], currency),
                time_entry_ids=tuple(line.get("time_entry_ids", ())),
            )
            for line in lines
        ),
        status=_INVOICE_STATUS[invoice["state"]],
        invoice_number=invoice.get("number") or None,
    )


def purchase_from_tryton(
    purchase: dict[str, Any],
    lines: list[dict[str, Any]],
    *,
    vendor_id: str,
    legal_entity_id: str,
    currency: str,
    default_date: dt.date,
) -> PurchaseOrder:
    """A ``PurchaseOrder`` from a ``purchase.purchase`` and its lines.

    Lines need ``description``, ``quantity``, ``unit_price`` and ``work``
    (the linked ``project.work`` id or None), which becomes ``task_id``.
    """
    return PurchaseOrder(
        id=tryton_id("purchase.purchase", int(purchase["id"])),
        source_system=SYSTEM,
        external_ids={SYSTEM: str(purchase["id"])},
        vendor_id=vendor_id,
        legal_entity_id=legal_entity_id,
        number=purchase.get("number") or None,
        currency=currency,
        order_date=purchase.get("purchase_date") or default_date,
        lines=tuple(
            PurchaseOrderLine(
                line_number=number,
                description=line["description"] or "-",
                quantity=Decimal(str(line["quantity"])),
                unit_price=_money(line["unit_price"], currency),
                task_id=(
                    tryton_id("project.work", int(line["work"]))
                    if line.get("work")
                    else None
                ),
            )
            for number, line in enumerate(lines, start=1)
        ),
        status=_PURCHASE_STATUS[purchase["state"]],
    )


def opportunity_from_tryton(
    row: dict[str, Any], *, customer_id: str, currency: str
) -> Opportunity:
    """An ``Opportunity`` from a ``sale.opportunity`` read with ``id``,
    ``description``, ``state``, ``amount``, ``conversion_probability`` and
    ``end_date``."""
    probability = row.get("conversion_probability")
    amount = row.get("amount")
    return Opportunity(
        id=tryton_id("sale.opportunity", int(row["id"])),
        source_system=SYSTEM,
        external_ids={SYSTEM: str(row["id"])},
        customer_id=customer_id,
        name=row["description"],
        stage=_OPPORTUNITY_STAGE[row["state"]],
        amount=_money(amount, currency) if amount is not None else None,
        probability_percent=(
            round(float(probability) * 100) if probability is not None else None
        ),
        expected_close_date=row.get("end_date"),
    )
