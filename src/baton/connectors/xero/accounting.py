"""Canonical customers, vendors, invoices and purchase orders into Xero Accounting.

* Contacts are upserted: ``where=ContactNumber=="<Baton id>"`` finds the
  contact; a found one is updated through its ``ContactID``, else it is
  created with an ``Idempotency-Key`` of the id and a hash of the body (a
  corrected body is not answered with an earlier rejection): running twice
  creates once.
* Invoices and purchase orders are created with an ``Idempotency-Key``
  (``baton:<kind>:<id>:v<version>``): after an ambiguous outcome (a reset
  after commit) the retry with the same key gets Xero's first answer back and
  makes no second record. :meth:`XeroAccounting.find_invoice` and
  :meth:`~XeroAccounting.find_purchase_order` look the record up by
  ``Reference`` (Baton's id) to settle an ambiguous write without retrying.
* Validation errors of an item (``summarizeErrors=false``) raise
  :class:`~baton.engine.errors.Invalid` carrying Xero's message.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import orjson

from baton.connectors.xero.accounting_client import XeroAccountingClient
from baton.connectors.xero.accounting_mapping import (
    contact_body,
    invoice_body,
    invoice_of,
)
from baton.connectors.xero.purchase_order_mapping import purchase_order_body

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from baton.connectors.xero.client import XeroClient
    from baton.model.customer import Customer
    from baton.model.finance import InvoiceRequest
    from baton.model.procurement import PurchaseOrder, Vendor

__all__ = ["XeroAccounting", "idempotency_key"]


def idempotency_key(kind: str, baton_id: str, version: int = 1) -> str:
    """Baton's ``Idempotency-Key`` for one version of a record (≤ 128 chars)."""
    key = f"baton:{kind}:{baton_id}:v{version}"
    if len(key) > 128:
        raise ValueError(f"idempotency key for {baton_id!r} exceeds 128 characters")
    return key


class XeroAccounting:
    """Xero Accounting writes and reads for one tenant (see the module docstring).

    Args:
        client: the tenant's :class:`XeroClient` (shares its limiter and token).
        legal_entity_id: the canonical legal entity the organisation is.
        sales_account: ``AccountCode`` of invoice lines.
        purchases_account: ``AccountCode`` of order lines without a GL account.
    """

    def __init__(
        self,
        client: XeroClient,
        *,
        legal_entity_id: str,
        sales_account: str = "200",
        purchases_account: str = "300",
    ) -> None:
        self.api = XeroAccountingClient(client)
        self.legal_entity_id = legal_entity_id
        self.sales_account = sales_account
        self.purchases_account = purchases_account

    async def upsert_contact(self, party: Customer | Vendor) -> str:
        """Create or update the party's contact; its ``ContactID``."""
        body = contact_body(party)
        found = await self.api.find("Contacts", "ContactNumber", party.id)
        if found is not None:
            body["ContactID"] = found["ContactID"]
            key = None
        else:
            digest = hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS))
            key = idempotency_key("Contact", f"{party.id}:{digest.hexdigest()[:16]}")
        item = await self.api.post("Contacts", body, idempotency_key=key)
        return str(item["ContactID"])

    async def create_invoice(
        self,
        req: InvoiceRequest,
        *,
        version: int = 1,
        contact_id: str | None = None,
        authorise: bool = False,
    ) -> str:
        """Create the ``ACCREC`` invoice; its ``InvoiceID``."""
        body = invoice_body(
            req,
            contact_id=contact_id,
            account_code=self.sales_account,
            authorise=authorise,
        )
        key = idempotency_key("InvoiceRequest", req.id, version)
        item = await self.api.post("Invoices", body, idempotency_key=key)
        return str(item["InvoiceID"])

    async def create_purchase_order(
        self, po: PurchaseOrder, *, version: int = 1, contact_id: str | None = None
    ) -> str:
        """Create the purchase order; its ``PurchaseOrderID``."""
        body = purchase_order_body(
            po, contact_id=contact_id, account_code=self.purchases_account
        )
        key = idempotency_key("PurchaseOrder", po.id, version)
        item = await self.api.post("PurchaseOrders", body, idempotency_key=key)
        return str(item["PurchaseOrderID"])

    async def find_invoice(self, baton_id: str) -> dict[str, Any] | None:
        """The invoice whose ``Reference`` is ``baton_id``, or None."""
        return await self.api.find("Invoices", "Reference", baton_id)

    async def find_purchase_order(self, baton_id: str) -> dict[str, Any] | None:
        """The purchase order whose ``Reference`` is ``baton_id``, or None."""
        return await self.api.find("PurchaseOrders", "Reference", baton_id)

    async def invoices(
        self, *, modified_since: str | None = None, page_size: int = 100
    ) -> AsyncIterator[InvoiceRequest]:
        """Every ``ACCREC`` invoice (changed since ``modified_since``), read back."""
        pages = self.api.pages(
            "Invoices",
            where='Type=="ACCREC"',
            modified_since=modified_since,
            page_size=page_size,
        )
        async for items in pages:
            for item in items:
                yield invoice_of(item, legal_entity_id=self.legal_entity_id)
