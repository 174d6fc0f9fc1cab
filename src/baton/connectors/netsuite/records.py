"""Idempotent NetSuite writes: sales orders, invoices, purchase orders, expense reports.

Each write POSTs the body of :mod:`~.transactions` with the canonical id as
``externalId``. If NetSuite refuses it as a duplicate (``DUP_RCRD``: an
earlier attempt committed, e.g. before a dropped connection), the existing
record's id is read by ``GET …/<type>/eid:<externalId>`` and returned, so a
resend never makes a second record — as :class:`~.connector.NetSuiteTarget`
does for time bills. :meth:`NetSuiteRecords.find` settles an ambiguous
outcome the same way.

Mapping problems raise :class:`~baton.engine.errors.Invalid` (rule
``netsuite.mapping``); NetSuite's refusals raise ``Invalid`` (rule
``netsuite.rejected``) with NetSuite's detail and error code in the message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baton.connectors.netsuite.client import DuplicateRecord
from baton.connectors.netsuite.expenses import EXPENSE_REPORT, expense_report_body
from baton.connectors.netsuite.mapping import MappingError
from baton.connectors.netsuite.transactions import (
    INVOICE,
    PURCHASE_ORDER,
    SALES_ORDER,
    invoice_body,
    purchase_order_body,
    sales_order_body,
)
from baton.engine.errors import Invalid

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from baton.connectors.netsuite.client import NetSuiteClient
    from baton.model.finance import InvoiceRequest
    from baton.model.procurement import PurchaseOrder
    from baton.model.time_expense import Expense

__all__ = ["NetSuiteRecords"]


def _render(build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return build()
    except MappingError as exc:
        raise Invalid(str(exc), rule="netsuite.mapping", owner_team="finance") from exc


class NetSuiteRecords:
    """Creates transactions in one NetSuite account (see the module docstring).

    Args:
        client: the account's client (its limiter is the account's).
    """

    def __init__(self, client: NetSuiteClient) -> None:
        self.client = client

    async def create(self, record_type: str, body: dict[str, Any]) -> str:
        """Create ``body``; return its internal id, or the existing record's.

        Raises:
            Invalid: NetSuite refused the body (not as a duplicate).
            baton.engine.errors.DeliveryError: as the client classifies.
        """
        try:
            return await self.client.create(record_type, body)
        except DuplicateRecord:
            found = await self.find(record_type, str(body["externalId"]))
            if found is None:
                raise
            return found

    async def find(self, record_type: str, external_id: str) -> str | None:
        """The internal id of the record with this external id, or None."""
        doc = await self.client.get_by_external_id(record_type, external_id)
        return None if doc is None else str(doc["id"])

    async def sales_order(self, req: InvoiceRequest, refs: Mapping[str, str]) -> str:
        """Create the sales order for an invoice request; return its id."""
        body = _render(lambda: sales_order_body(req, refs))
        return await self.create(SALES_ORDER, body)

    async def invoice(self, req: InvoiceRequest, refs: Mapping[str, str]) -> str:
        """Create the invoice for an invoice request; return its id."""
        body = _render(lambda: invoice_body(req, refs))
        return await self.create(INVOICE, body)

    async def purchase_order(self, po: PurchaseOrder, refs: Mapping[str, str]) -> str:
        """Create the purchase order; return its id."""
        body = _render(lambda: purchase_order_body(po, refs))
        return await self.create(PURCHASE_ORDER, body)

    async def expense_report(
        self,
        expenses: Sequence[Expense],
        refs: Mapping[str, str],
        *,
        report_id: str | None = None,
    ) -> str:
        """Create the expense report of one worker's approved expenses; return its id.

        The external id is the expense's id, or ``report_id`` for several
        (:func:`~.expenses.expense_report_body`); look it up with
        :meth:`find` after an ``Ambiguous``.
        """
        body = _render(lambda: expense_report_body(expenses, refs, report_id=report_id))
        return await self.create(EXPENSE_REPORT, body)

    async def close(self) -> None:
        """Close the client's connections."""
        await self.client.close()
