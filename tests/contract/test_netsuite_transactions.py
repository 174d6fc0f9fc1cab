"""NetSuite sales orders, invoices and purchase orders via the record API (sandbox)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import jsonschema
import pytest

from baton.connectors.netsuite.client import RECORD_PATH
from baton.connectors.netsuite.sandbox import NetSuiteSandbox
from baton.connectors.netsuite.transactions import lines_total
from baton.connectors.sandbox import Fault
from baton.engine.errors import Ambiguous, Invalid
from baton.model.common import Money
from baton.model.finance import InvoiceLine, InvoiceRequest
from baton.model.procurement import PurchaseOrder, PurchaseOrderLine
from tests.contract.test_netsuite import stitch_schema
from tests.contract.test_netsuite_records import running, seed_customers

REFS = {
    "customer": "1",
    "vendor": "77",
    "subsidiary": "1",
    "currency": "1",
    "item": "9",
}


def invoice_request(n: int = 1) -> InvoiceRequest:
    usd = "USD"
    return InvoiceRequest(
        id=f"ir-{n}",
        customer_id="cust-1",
        legal_entity_id="le-us",
        project_id="prj-1",
        currency=usd,
        invoice_date=dt.date(2026, 1, 31),
        due_date=dt.date(2026, 3, 2),
        lines=(
            InvoiceLine(
                description="Consulting, January",
                amount=Money(amount=Decimal("1234.57"), currency=usd),
                quantity=Decimal("7.25"),
                unit_price=Money(amount=Decimal("170.286"), currency=usd),
            ),
            InvoiceLine(
                description="Workshop",
                amount=Money(amount=Decimal("0.10"), currency=usd),
            ),
        ),
    )


def purchase_order() -> PurchaseOrder:
    price = Money(amount=Decimal("19.995"), currency="USD")
    return PurchaseOrder(
        id="po-1",
        vendor_id="ven-1",
        legal_entity_id="le-us",
        currency="USD",
        order_date=dt.date(2025, 12, 31),
        lines=(
            PurchaseOrderLine(
                line_number=2, description="Licences", quantity=Decimal(3), unit_price=price
            ),
            PurchaseOrderLine(
                line_number=1, description="Subcontractor days",
                quantity=Decimal("2.5"), unit_price=Money(amount=Decimal("800.00"), currency="USD"),
                project_id="prj-1",
            ),
        ),
    )  # fmt: skip


async def test_an_invoice_after_a_reset_after_commit_is_found_and_not_duplicated() -> (
    None
):
    sandbox = NetSuiteSandbox()
    sandbox.seed("customer", "1", "2026-01-01T09:00:00Z", companyName="Acme")
    sandbox.inject(Fault(prefix=f"{RECORD_PATH}/invoice", reset_after_commit=True))
    async with running(sandbox) as (_, records):
        with pytest.raises(Ambiguous):
            await records.invoice(invoice_request(), REFS)
        found = await records.find("invoice", "ir-1")
        assert await records.find("invoice", "ir-2") is None
        again = await records.invoice(invoice_request(), REFS)  # blind resend
        order = await records.sales_order(invoice_request(), REFS)
    assert found is not None
    assert again == found
    assert sandbox.refused_duplicates == 1
    assert list(sandbox.table("invoice")) == [found]
    assert list(sandbox.table("salesOrder")) == [order]
    stored = sandbox.table("invoice")[found]
    assert lines_total(stored) == invoice_request().total().amount == Decimal("1234.67")


async def test_a_validation_error_carries_netsuites_detail_in_invalid() -> None:
    sandbox = NetSuiteSandbox()
    async with running(sandbox) as (_, records):
        with pytest.raises(Invalid) as invalid:
            await records.invoice(invoice_request(), {**REFS, "customer": "999"})
        with pytest.raises(Invalid) as unmapped:
            await records.invoice(invoice_request(), {**REFS, "item": ""})
    assert invalid.value.rule == "netsuite.rejected"
    assert invalid.value.status == 400
    assert (
        "Invalid Field Value 999 for the following field: entity [USER_ERROR]"
        in invalid.value.message
    )
    assert unmapped.value.rule == "netsuite.mapping"
    assert sandbox.table("invoice") == {}


async def test_a_purchase_order_keeps_exact_line_numbers() -> None:
    sandbox = NetSuiteSandbox()
    sandbox.seed("vendor", "77", "2026-01-01T09:00:00Z", companyName="Tools Ltd")
    async with running(sandbox) as (_, records):
        po_id = await records.purchase_order(purchase_order(), REFS)
        doc = await records.client.get_by_external_id("purchaseOrder", "po-1")
    assert doc is not None
    assert doc["id"] == po_id
    lines = doc["item"]["items"]
    assert [line["description"] for line in lines] == ["Subcontractor days", "Licences"]
    assert [Decimal(repr(line["rate"])) for line in lines] == [
        Decimal(800),
        Decimal("19.995"),
    ]
    assert [Decimal(repr(line["amount"])) for line in lines] == [
        Decimal(2000),
        Decimal("59.99"),
    ]
    assert lines_total(doc) == purchase_order().total().amount
    assert lines[0]["customer"] == {"externalId": "prj-1"}


def _validate(record: dict[str, Any], schema_name: str) -> None:
    body = {k: v for k, v in record.items() if k != "id"}  # id is NetSuite's
    jsonschema.validate(body, stitch_schema(schema_name))


async def test_created_transactions_and_seeds_match_the_stitch_schemas() -> None:
    sandbox = NetSuiteSandbox()
    seed_customers(sandbox)
    sandbox.seed("vendor", "77", "2026-01-01T09:00:00Z", companyName="Tools Ltd")
    async with running(sandbox) as (_, records):
        await records.invoice(invoice_request(), REFS)
        await records.sales_order(invoice_request(), REFS)
        await records.purchase_order(purchase_order(), REFS)
    created = [
        *sandbox.table("invoice").values(),
        *sandbox.table("salesOrder").values(),
        *sandbox.table("purchaseOrder").values(),
    ]
    assert len(created) == 3
    for record in created:
        _validate(record, "Transaction")  # SalesOrder/Invoice/PurchaseOrder share it
    for record in sandbox.table("customer").values():
        _validate(record, "Customer")
    for record in sandbox.table("vendor").values():
        _validate(record, "Vendor")
    with pytest.raises(jsonschema.ValidationError):  # the check can fail
        _validate({"tranDAte": "2026-01-31"}, "Transaction")
