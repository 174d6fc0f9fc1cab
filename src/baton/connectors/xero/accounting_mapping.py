"""Canonical parties, invoices and orders ⇄ Xero Accounting (pure: no I/O, no clock).

* ``Customer``/``Vendor`` ⇄ ``Contact``: Baton's id is the ``ContactNumber``
  (Baton's external reference, max 50 characters); ``IsCustomer`` or
  ``IsSupplier`` says which side it is.
* ``InvoiceRequest`` → ``Invoice`` of ``Type`` ``ACCREC``: ``Reference`` is
  Baton's id (the lookup key after an ambiguous write), the customer is
  named by ``ContactID`` when known, else by ``ContactNumber``; one
  ``LineItem`` per line with ``Quantity``/``UnitAmount``/``LineAmount``
  (``LineAmount`` is the canonical amount, which is authoritative),
  ``AccountCode`` and, with a project, ``Tracking``; ``Status`` ``DRAFT``
  or ``AUTHORISED``.
* ``PurchaseOrder``: see :mod:`.purchase_order_mapping`.

Money is exact: bodies hold :class:`~decimal.Decimal` values; Xero's
answers are parsed with :func:`loads` (``parse_float=Decimal``), never via
float. Dates go out as ``YYYY-MM-DD``; Xero answers ``/Date(ms+0000)/``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from baton.model.common import Money
from baton.model.customer import Customer
from baton.model.finance import InvoiceLine, InvoiceRequest, InvoiceRequestStatus
from baton.model.procurement import Vendor

__all__ = [
    "SYSTEM",
    "amounts",
    "contact_body",
    "contact_ref",
    "customer_of",
    "date_of",
    "invoice_body",
    "invoice_of",
    "tracking",
    "vendor_of",
]

SYSTEM = "xero"
_MSDATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_INVOICE_STATUS = {
    "DRAFT": InvoiceRequestStatus.REQUESTED,
    "SUBMITTED": InvoiceRequestStatus.REQUESTED,
    "AUTHORISED": InvoiceRequestStatus.INVOICED,
    "PAID": InvoiceRequestStatus.INVOICED,
    "VOIDED": InvoiceRequestStatus.CANCELLED,
    "DELETED": InvoiceRequestStatus.CANCELLED,
}


def date_of(value: str) -> dt.date:
    """A date from Xero's ``/Date(ms+0000)/`` or an ISO ``YYYY-MM-DD[T…]``."""
    match = _MSDATE.match(value.strip())
    if match is None:
        return dt.date.fromisoformat(value.strip()[:10])
    ms = int(match.group(1))
    return (
        dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=ms)
    ).date()


def contact_body(party: Customer | Vendor) -> dict[str, Any]:
    """The Xero ``Contact`` for a customer or a vendor (ContactNumber = Baton id).

    Raises:
        ValueError: the Baton id is longer than Xero's 50 characters.
    """
    if len(party.id) > 50:
        raise ValueError(f"id {party.id!r} is longer than a ContactNumber (50)")
    currency = party.billing_currency if isinstance(party, Customer) else party.currency
    body: dict[str, Any] = {
        "ContactNumber": party.id,
        "Name": party.legal_name or party.name,
        "ContactStatus": "ACTIVE" if party.active else "ARCHIVED",
        "IsCustomer": isinstance(party, Customer),
        "IsSupplier": isinstance(party, Vendor),
    }
    if party.tax_registration:
        body["TaxNumber"] = party.tax_registration
    if currency:
        body["DefaultCurrency"] = currency
    return body


def _party(contact: dict[str, Any]) -> dict[str, Any]:
    xero_id = str(contact["ContactID"])
    return {
        "id": contact.get("ContactNumber") or f"xero:{xero_id}",
        "source_system": SYSTEM,
        "external_ids": {SYSTEM: xero_id},
        "name": contact["Name"],
        "tax_registration": contact.get("TaxNumber") or None,
        "active": contact.get("ContactStatus", "ACTIVE") == "ACTIVE",
    }


def customer_of(contact: dict[str, Any]) -> Customer:
    """A canonical ``Customer`` from a Xero contact."""
    currency = contact.get("DefaultCurrency") or None
    return Customer.model_validate({**_party(contact), "billing_currency": currency})


def vendor_of(contact: dict[str, Any]) -> Vendor:
    """A canonical ``Vendor`` from a Xero contact."""
    currency = contact.get("DefaultCurrency") or None
    return Vendor.model_validate({**_party(contact), "currency": currency})


def contact_ref(number: str, contact_id: str | None) -> dict[str, str]:
    return {"ContactID": contact_id} if contact_id else {"ContactNumber": number}


def tracking(category: str, option: str | None) -> list[dict[str, str]]:
    return [{"Name": category, "Option": option}] if option else []


def _priced(line: InvoiceLine) -> tuple[Decimal, Decimal]:
    if line.quantity is not None and line.unit_price is not None:
        return line.quantity, line.unit_price.amount
    return Decimal(1), line.amount.amount


def invoice_body(
    req: InvoiceRequest,
    *,
    contact_id: str | None = None,
    account_code: str = "200",
    tracking_category: str = "Project",
    authorise: bool = False,
) -> dict[str, Any]:
    """The Xero ``ACCREC`` invoice for an invoice request (Reference = Baton id)."""
    lines = [
        {
            "Description": line.description,
            "Quantity": _priced(line)[0],
            "UnitAmount": _priced(line)[1],
            "LineAmount": line.amount.amount,
            "AccountCode": account_code,
            **({"TaxType": line.tax_code_id} if line.tax_code_id else {}),
            "Tracking": tracking(tracking_category, req.project_id),
        }
        for line in req.lines
    ]
    body: dict[str, Any] = {
        "Type": "ACCREC",
        "Contact": contact_ref(req.customer_id, contact_id),
        "Date": req.invoice_date.isoformat(),
        "LineAmountTypes": "Exclusive",
        "Reference": req.id,
        "CurrencyCode": req.currency,
        "Status": "AUTHORISED" if authorise else "DRAFT",
        "LineItems": lines,
    }
    if req.due_date is not None:
        body["DueDate"] = req.due_date.isoformat()
    if req.invoice_number:
        body["InvoiceNumber"] = req.invoice_number
    return body


def amounts(item: dict[str, Any], currency: str) -> dict[str, Any]:
    quantity = Decimal(item.get("Quantity", 1))
    unit = Money(amount=Decimal(item["UnitAmount"]), currency=currency)
    amount = item.get("LineAmount")
    if amount is None:
        line = unit * quantity
        return {"quantity": quantity, "unit_price": unit, "amount": line.quantize()}
    total = Money(amount=Decimal(amount), currency=currency)
    return {"quantity": quantity, "unit_price": unit, "amount": total}


def invoice_of(doc: dict[str, Any], *, legal_entity_id: str) -> InvoiceRequest:
    """A canonical ``InvoiceRequest`` from a Xero invoice (parsed by ``loads``)."""
    currency = str(doc["CurrencyCode"])
    contact = doc.get("Contact") or {}
    lines = [
        InvoiceLine(
            description=item.get("Description") or "-",
            tax_code_id=item.get("TaxType") or None,
            **amounts(item, currency),
        )
        for item in doc.get("LineItems") or []
    ]
    due = doc.get("DueDate")
    return InvoiceRequest(
        id=doc.get("Reference") or f"xero:{doc['InvoiceID']}",
        source_system=SYSTEM,
        external_ids={SYSTEM: str(doc["InvoiceID"])},
        customer_id=contact.get("ContactNumber") or f"xero:{contact['ContactID']}",
        legal_entity_id=legal_entity_id,
        currency=currency,
        invoice_date=date_of(str(doc["Date"])),
        due_date=date_of(str(due)) if due else None,
        lines=tuple(lines),
        status=_INVOICE_STATUS.get(
            str(doc.get("Status")), InvoiceRequestStatus.REQUESTED
        ),
        invoice_number=doc.get("InvoiceNumber") or None,
    )
