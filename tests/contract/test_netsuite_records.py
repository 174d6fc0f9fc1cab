"""NetSuite customers/jobs/employees via SuiteQL and transactions via the record API."""

from __future__ import annotations

import datetime as dt
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest

from baton.connectors.netsuite.client import RECORD_PATH, NetSuiteClient
from baton.connectors.netsuite.entities import NetSuiteAccount
from baton.connectors.netsuite.records import NetSuiteRecords
from baton.connectors.netsuite.sandbox import NetSuiteSandbox
from baton.connectors.netsuite.source import NetSuiteSource
from baton.connectors.netsuite.transactions import lines_total
from baton.connectors.sandbox import Fault
from baton.engine.errors import Ambiguous, Invalid
from baton.model.common import Money
from baton.model.customer import Customer
from baton.model.finance import InvoiceLine, InvoiceRequest
from baton.model.procurement import PurchaseOrder, PurchaseOrderLine
from tests.contract.test_netsuite import stitch_schema

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from baton.connectors.base import Page

ACCOUNT = NetSuiteAccount(currency="USD", legal_entity_id="le-us")
REFS = {
    "customer": "1",
    "vendor": "77",
    "subsidiary": "1",
    "currency": "1",
    "item": "9",
}


@asynccontextmanager
async def running(
    sandbox: NetSuiteSandbox, page_size: int = 1000
) -> AsyncIterator[tuple[NetSuiteSource, NetSuiteRecords]]:
    async with sandbox.serving() as base:
        client = NetSuiteClient(base, client_id="baton", client_secret="secret")
        try:
            yield (
                NetSuiteSource(client, ACCOUNT, page_size=page_size),
                NetSuiteRecords(client),
            )
        finally:
            await client.close()


def seed_customers(sandbox: NetSuiteSandbox) -> None:
    sandbox.seed("customer", "1", "2026-01-01T09:00:00Z", companyName="Acme Group")
    sandbox.seed(
        "customer", "2", "2026-01-02T09:00:00Z",
        companyName="Acme Deutschland GmbH", parent={"id": "1"},
    )  # fmt: skip
    sandbox.seed(
        "customer", "3", "2026-01-03T09:00:00Z",
        companyName="Acme München", parent={"id": "2"},
    )  # fmt: skip


async def pages_of(
    source: NetSuiteSource, stream: str, cursor: str | None
) -> list[Page]:
    return [p async for p in source.stream(stream).read(cursor)]


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


async def test_an_incremental_customer_read_returns_only_changed_rows_with_parents() -> (
    None
):
    sandbox = NetSuiteSandbox()
    seed_customers(sandbox)
    async with running(sandbox) as (source, _):
        full = await pages_of(source, "customers", None)
        cursor = full[-1].cursor
        sandbox.seed(
            "customer", "3", "2026-01-04T10:30:00Z",
            companyName="Acme München", parent={"id": "1"},
        )  # fmt: skip
        sandbox.seed(
            "customer", "4", "2026-01-04T11:00:00Z",
            companyName="Acme UK", parent={"id": "1"},
        )  # fmt: skip
        changed = await pages_of(source, "customers", cursor)
        again = await pages_of(source, "customers", changed[-1].cursor)
    assert cursor == "2026-01-03T09:00:00"
    assert [r.source_id for p in full for r in p.records] == ["1", "2", "3"]
    records = [r for p in changed for r in p.records]
    assert [r.source_id for r in records] == ["3", "4"]
    assert [r.event_id for r in records] == [
        "netsuite:customer:3:2026-01-04T10:30:00",
        "netsuite:customer:4:2026-01-04T11:00:00",
    ]
    customers = [r.data for r in records]
    assert all(isinstance(c, Customer) for c in customers)
    assert {c.parent_id for c in customers if isinstance(c, Customer)} == {
        "netsuite:customer:1"
    }
    assert changed[-1].cursor == "2026-01-04T11:00:00"
    assert [r for p in again for r in p.records] == []
    assert again[-1].cursor == "2026-01-04T11:00:00"  # an empty read keeps it
    assert source.stream("customers").rejected == []


async def test_employees_are_read_over_three_suiteql_pages_with_safe_cursors() -> None:
    sandbox = NetSuiteSandbox()
    for n in range(7):
        stamp = f"2026-02-0{1 + n // 2}T08:00:00Z"  # pairs share a second
        sandbox.seed(
            "employee", str(100 + n), stamp,
            entityId=f"E{n}", firstName="Zoë", lastName=f"Ødegård {n}",
            hireDate="2024-02-29", supervisor={"id": "100"} if n else None,
            laborCost="55.125",
        )  # fmt: skip
    async with running(sandbox, page_size=3) as (source, _):
        pages = await pages_of(source, "employees", None)
    assert [len(p.records) for p in pages] == [3, 3, 1]
    assert sandbox.state.requests["POST /services/rest/query/v1/suiteql"] == 3
    # page 1 ends inside the 02-02 pair: only 02-01 is fully read
    assert [p.cursor for p in pages] == [
        "2026-02-01T08:00:00",
        "2026-02-02T08:00:00",  # 02-03 might continue on the next page
        "2026-02-04T08:00:00",
    ]
    workers = [r.data for p in pages for r in p.records]
    first, second = workers[0], workers[1]
    assert first.model_dump()["manager_id"] is None
    assert second.model_dump()["manager_id"] == "netsuite:employee:100"
    assert second.model_dump()["cost_rate"] == {
        "amount": Decimal("55.125"),
        "currency": "USD",
    }
    assert second.model_dump()["hire_date"] == dt.date(2024, 2, 29)


async def test_jobs_become_projects_of_their_parent_customer() -> None:
    sandbox = NetSuiteSandbox()
    sandbox.seed(
        "job", "812", "2026-01-05T12:00:00Z",
        entityId="PRJ-812", companyName="Q1 advisory", parent={"id": "2"},
        jobBillingType="FF", startDate="2026-01-01", endDate="2026-12-31",
    )  # fmt: skip
    async with running(sandbox) as (source, _):
        pages = await pages_of(source, "jobs", "2026-01-05T11:59:59")
    [record] = [r for p in pages for r in p.records]
    project = record.data.model_dump()
    assert project["customer_id"] == "netsuite:customer:2"
    assert (project["code"], project["billing_method"]) == ("PRJ-812", "fixed_fee")
    assert (project["start_date"], project["end_date"]) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
    )


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
