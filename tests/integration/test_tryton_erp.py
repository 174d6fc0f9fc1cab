"""Tryton ERP operations against a real Tryton 8.2 server.

Parties ↔ Customer, invoices from timesheets, purchases linked to tasks,
opportunities → sales; every assertion is on values read back from Tryton.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from baton.connectors.tryton import TrytonClient
from baton.connectors.tryton.erp import ensure_customer, find_customer, invoice_project
from baton.connectors.tryton.erp_mapping import tryton_id
from baton.connectors.tryton.erp_trade import (
    convert_opportunity,
    create_opportunity,
    create_purchase,
    read_opportunity,
    read_purchase,
    read_sale,
)
from baton.engine.errors import Invalid
from baton.model.commercial import OpportunityStage
from baton.model.common import Money
from baton.model.customer import Customer
from baton.model.finance import InvoiceRequestStatus
from baton.model.procurement import PurchaseOrderStatus
from tests.integration.tryton_server import HOUR_PRICE, HOUR_PRODUCT

if TYPE_CHECKING:
    pass

DAY = dt.date(2025, 3, 14)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def hour_product(rpc: TrytonClient) -> int:
    (product,) = await rpc.call("product.product.search", [("name", "=", HOUR_PRODUCT)])
    return int(product)


async def make_employee(rpc: TrytonClient, rate: Decimal) -> int:
    (person,) = await rpc.call("party.party.create", [{"name": unique("Ann")}])
    start = dt.date(2025, 1, 1)
    price = {"date": start, "cost_price": rate}
    values = {"party": person, "company": rpc.context["company"], "start_date": start,
              "cost_prices": [["create", [price]]]}  # fmt: skip
    (employee,) = await rpc.call("company.employee.create", [values])
    return int(employee)


async def make_project(rpc: TrytonClient, customer: int) -> tuple[int, int, int]:
    """A timesheet-invoiced project at the product's price with one task.

    Returns the project id, the task id and the task's timesheet work id.
    """
    common = {"company": rpc.context["company"], "product": await hour_product(rpc),
              "list_price": Decimal(HOUR_PRICE), "timesheet_available": True}  # fmt: skip
    task = {**common, "name": "Build", "type": "task",
            "effort_duration": dt.timedelta(hours=40)}  # fmt: skip
    values = {**common, "name": unique("Project"), "type": "project", "party": customer,
              "project_invoice_method": "timesheet",
              "children": [["create", [task]]]}  # fmt: skip
    (project,) = await rpc.call("project.work.create", [values])
    (proj,) = await rpc.call("project.work.read", [project], ["children"])
    (task_id,) = proj["children"]
    (row,) = await rpc.call("project.work.read", [task_id], ["timesheet_works"])
    (work,) = row["timesheet_works"]
    return int(project), int(task_id), int(work)


async def test_customer_party_roundtrip_by_reference(client: TrytonClient) -> None:
    customer = Customer(id=unique("cust"), name=unique("Globex"))
    assert await find_customer(client, customer.id) is None

    party = await ensure_customer(client, customer)
    assert await ensure_customer(client, customer) == party  # found, not duplicated

    found = await find_customer(client, customer.id)
    assert found is not None
    assert found.id == customer.id
    assert found.name == customer.name
    assert found.active is True
    assert found.external_ids == {"tryton": str(party)}
    (row,) = await client.call("party.party.read", [party], ["code", "addresses"])
    assert row["code"] == f"baton:{customer.id}"
    assert len(row["addresses"]) == 1


async def test_invoice_from_timesheets(client: TrytonClient) -> None:
    customer = Customer(id=unique("cust"), name=unique("Initech"))
    party = await ensure_customer(client, customer)
    employee = await make_employee(client, Decimal(60))
    project, _task, work = await make_project(client, party)
    company = client.context["company"]
    refs = [unique("te"), unique("te")]
    await client.call(
        "timesheet.line.create",
        [
            {
                "company": company,
                "employee": employee,
                "work": work,
                "date": DAY,
                "duration": dt.timedelta(hours=hours),
                "description": f"baton:{ref}",
            }
            for ref, hours in zip(refs, (7.5, 2), strict=True)
        ],
    )
    (before,) = await client.call(
        "project.work.read", [project], ["amount_to_invoice", "invoiced_amount"]
    )
    assert before["amount_to_invoice"] == Decimal("1425.00")

    invoice = await invoice_project(client, project, today=DAY)

    assert invoice.status is InvoiceRequestStatus.REQUESTED  # a draft
    assert invoice.invoice_number is None
    assert invoice.customer_id == customer.id
    assert invoice.project_id == tryton_id("project.work", project)
    assert invoice.currency == "EUR"
    (line,) = invoice.lines
    assert line.quantity == Decimal("9.5")  # hours
    assert line.unit_price == Money(amount=Decimal(150), currency="EUR")
    assert line.amount == Money(amount=Decimal("1425.00"), currency="EUR")
    assert sorted(line.time_entry_ids) == sorted(refs)
    assert invoice.total() == Money(amount=Decimal("1425.00"), currency="EUR")

    tryton_invoice = int(invoice.external_ids["tryton"])
    (inv,) = await client.call(
        "account.invoice.read",
        [tryton_invoice],
        ["type", "state", "party", "untaxed_amount"],
    )
    assert (inv["type"], inv["state"], inv["party"]) == ("out", "draft", party)
    assert inv["untaxed_amount"] == Decimal("1425.00")
    (after,) = await client.call(
        "project.work.read", [project], ["amount_to_invoice", "invoiced_amount"]
    )
    assert after["amount_to_invoice"] == Decimal("0.00")
    assert after["invoiced_amount"] == Decimal("1425.00")

    # everything is invoiced now: a second run has nothing to do
    with pytest.raises(Invalid) as caught:
        await invoice_project(client, project, today=DAY)
    assert caught.value.rule == "tryton.nothing_to_invoice", caught.value.message


async def test_purchase_linked_to_task(client: TrytonClient) -> None:
    supplier = await ensure_customer(
        client, Customer(id=unique("sub"), name=unique("Freelance Dev"))
    )
    (customer,) = await client.call("party.party.create", [{"name": unique("Cust")}])
    _project, task, _work = await make_project(client, customer)
    purchase = await create_purchase(
        client,
        supplier,
        product=await hour_product(client),
        description="Backend developer",
        quantity=Decimal(30),
        unit_price=Decimal(85),
        task=task,
        confirm=True,
    )

    order = await read_purchase(client, purchase, today=DAY)

    assert order.status is PurchaseOrderStatus.ISSUED
    assert order.number
    assert order.vendor_id == tryton_id("party.party", supplier)
    (line,) = order.lines
    assert line.description == "Backend developer"
    assert line.quantity == Decimal(30)
    assert line.unit_price == Money(amount=Decimal(85), currency="EUR")
    assert line.task_id == tryton_id("project.work", task)
    (row,) = await client.call(
        "purchase.purchase.read", [purchase], ["state", "untaxed_amount"]
    )
    assert row["state"] == "processing"
    assert row["untaxed_amount"] == Decimal("2550.00")
    # the task lists the purchase line (project_revenue's reverse link)
    (work,) = await client.call("project.work.read", [task], ["purchase_lines"])
    (po,) = await client.call("purchase.purchase.read", [purchase], ["lines"])
    assert work["purchase_lines"] == po["lines"]


async def test_opportunity_converted_to_sale(client: TrytonClient) -> None:
    customer = Customer(id=unique("cust"), name=unique("Umbrella"))
    party = await ensure_customer(client, customer)
    employee = await make_employee(client, Decimal(70))
    opportunity = await create_opportunity(
        client,
        party,
        employee=employee,
        description="Managed service",
        product=await hour_product(client),
        quantity=Decimal(160),
        amount=Decimal(24000),
        probability=0.3,
        start_date=DAY,
    )
    lead = await read_opportunity(client, opportunity)
    assert lead.stage is OpportunityStage.PROSPECTING
    assert lead.customer_id == customer.id
    assert lead.amount == Money(amount=Decimal(24000), currency="EUR")
    assert lead.probability_percent == 30

    sale_id = await convert_opportunity(client, opportunity)

    converted = await read_opportunity(client, opportunity)
    assert converted.stage is OpportunityStage.PROPOSAL
    sale = await read_sale(client, sale_id)
    assert sale.state == "draft"
    assert sale.opportunity == opportunity
    assert sale.party == party
    assert sale.currency == "EUR"
    ((_desc, quantity, unit_price, amount),) = sale.lines
    assert quantity == Decimal(160)
    assert unit_price == Decimal(HOUR_PRICE)
    assert amount == Decimal("24000.00")
    assert sale.untaxed_amount == Decimal("24000.00")
