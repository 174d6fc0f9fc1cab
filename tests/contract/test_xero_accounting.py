"""Xero Accounting against its sandbox: contacts, invoices, orders, paging.

Every request body Baton sends and every answer the sandbox gives is
validated against Xero's published Accounting spec (``tests.contract.specs``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from baton.connectors.sandbox import Fault
from baton.connectors.xero.accounting import XeroAccounting
from baton.connectors.xero.accounting_client import ACCOUNTING, loads
from baton.connectors.xero.accounting_sandbox import XeroAccountingSandbox
from baton.connectors.xero.client import XeroClient
from baton.engine.errors import Ambiguous, Invalid, RateLimited, Retriable
from baton.engine.limiter import AccountLimiter
from baton.model.common import Money
from baton.model.customer import Customer
from baton.model.finance import InvoiceLine, InvoiceRequest
from baton.model.procurement import PurchaseOrder, PurchaseOrderLine, Vendor
from tests.contract import specs

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


class SpecCheck:
    """httpx hooks validating each Accounting request body and answer."""

    def __init__(self) -> None:
        self.spec = specs.load("xero/xero_accounting.yaml")
        self.checked = 0

    def _path(self, url: httpx.URL) -> str:
        assert url.path.startswith(ACCOUNTING + "/"), url.path
        return url.path.removeprefix(ACCOUNTING)

    async def request(self, req: httpx.Request) -> None:
        if req.method in ("POST", "PUT"):
            schema = specs.request_schema(self.spec, self._path(req.url), req.method)
            specs.validate(self.spec, schema, loads(req.content))

    async def response(self, resp: httpx.Response) -> None:
        await resp.aread()
        path, method = self._path(resp.request.url), resp.request.method
        status = resp.status_code if resp.status_code in (200, 400) else "default"
        try:
            schema = specs.response_schema(self.spec, path, method, status)
        except KeyError:
            schema = self.spec["components"]["schemas"]["Error"]
        specs.validate(self.spec, schema, loads(resp.content))
        self.checked += 1


@contextlib.asynccontextmanager
async def connected(sandbox: XeroAccountingSandbox) -> AsyncIterator[XeroAccounting]:
    async with sandbox.serving() as base:
        client = XeroClient(
            base, "tenant-1", client_id="baton", client_secret="secret",
            token_url=f"{base}/connect/token", scope="accounting.transactions",
            timeout=2.0,
        )  # fmt: skip
        check = SpecCheck()
        hooks = client.http.client.event_hooks
        hooks["request"].append(check.request)
        hooks["response"].append(check.response)
        try:
            yield XeroAccounting(client, legal_entity_id="LE-NZ")
        finally:
            await client.close()
        assert check.checked > 0


def customer(n: int = 1, name: str = "Kōwhai Café Ltd") -> Customer:
    return Customer(id=f"C-{n:03d}", name=name, billing_currency="NZD")


def invoice(n: int = 1, customer_id: str = "C-001") -> InvoiceRequest:
    line = InvoiceLine(
        description="Consulting, December",
        quantity=Decimal("7.5"),
        unit_price=Money(amount=Decimal("185.35"), currency="NZD"),
        amount=Money(amount=Decimal("1390.13"), currency="NZD"),
    )
    return InvoiceRequest(
        id=f"IR-{n:04d}", customer_id=customer_id, legal_entity_id="LE-NZ",
        project_id="P-7", currency="NZD", invoice_date=dt.date(2024, 12, 31),
        due_date=dt.date(2025, 1, 31), lines=(line,),
    )  # fmt: skip


async def test_contact_upsert_by_contact_number_creates_once() -> None:
    sandbox = XeroAccountingSandbox()
    async with connected(sandbox) as xero:
        first = await xero.upsert_contact(customer())
        again = await xero.upsert_contact(customer(name="Kōwhai Café Limited"))
        vendor = await xero.upsert_contact(Vendor(id="V-001", name="Tūī Hire"))
    contacts = sandbox.books["Contacts"]
    assert first == again != vendor
    assert len(contacts) == 2
    assert contacts[0]["Name"] == "Kōwhai Café Limited"
    assert (contacts[0]["IsCustomer"], contacts[1]["IsSupplier"]) == (True, True)


async def test_invoice_retried_with_same_key_after_reset_creates_one() -> None:
    sandbox = XeroAccountingSandbox()
    async with connected(sandbox) as xero:
        await xero.upsert_contact(customer())
        sandbox.inject(Fault(prefix=f"{ACCOUNTING}/Invoices", reset_after_commit=True))
        with pytest.raises(Ambiguous):
            await xero.create_invoice(invoice())
        found = await xero.find_invoice("IR-0001")
        retried = await xero.create_invoice(invoice())
        missing = await xero.find_invoice("IR-0002")
        back = [inv async for inv in xero.invoices()]
    assert found is not None
    assert retried == found["InvoiceID"]
    assert missing is None
    assert len(sandbox.books["Invoices"]) == 1
    assert back[0].total() == invoice().total()
    assert back[0].lines[0].unit_price == invoice().lines[0].unit_price


async def test_validation_error_is_invalid_with_xeros_message() -> None:
    sandbox = XeroAccountingSandbox()
    async with connected(sandbox) as xero:
        await xero.upsert_contact(customer(1, "Rātā Ltd"))
        with pytest.raises(Invalid) as invalid:
            await xero.upsert_contact(customer(2, "Rātā Ltd"))
        with pytest.raises(Invalid) as no_contact:
            await xero.create_invoice(invoice(customer_id="C-404"))
    assert invalid.value.rule == "xero.rejected"
    assert "The contact name Rātā Ltd is already assigned" in invalid.value.message
    assert "A Contact must be specified" in no_contact.value.message
    assert sandbox.books["Invoices"] == []


async def test_paging_over_three_pages_and_if_modified_since() -> None:
    sandbox = XeroAccountingSandbox()
    async with connected(sandbox) as xero:
        await xero.upsert_contact(customer())
        for n in range(1, 6):
            await xero.create_invoice(invoice(n))
        pages = [
            [i["Reference"] for i in items]
            async for items in xero.api.pages("Invoices", page_size=2)
        ]
        since = sandbox.books["Invoices"][2]["UpdatedDateUTC"]
        when = dt.datetime.fromtimestamp(int(since[6:19]) / 1000, dt.UTC)
        recent = [i.id async for i in xero.invoices(modified_since=when.isoformat())]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert pages[-1] == ["IR-0005"]
    assert recent == ["IR-0004", "IR-0005"]


def purchase_order() -> PurchaseOrder:
    return PurchaseOrder(
        id="PO-1", vendor_id="V-001", legal_entity_id="LE-NZ", currency="NZD",
        order_date=dt.date(2025, 1, 31),
        lines=(PurchaseOrderLine(
            line_number=1, description="Laptop hire", quantity=Decimal(3),
            unit_price=Money(amount=Decimal("99.99"), currency="NZD"),
            project_id="P-7",
        ),),
    )  # fmt: skip


async def test_purchase_order_with_idempotency_key_and_lookup() -> None:
    sandbox = XeroAccountingSandbox()
    po = purchase_order()
    async with connected(sandbox) as xero:
        await xero.upsert_contact(Vendor(id="V-001", name="Tūī Hire"))
        made = await xero.create_purchase_order(po)
        again = await xero.create_purchase_order(po)
        found: dict[str, Any] | None = await xero.find_purchase_order("PO-1")
    assert made == again
    assert found is not None
    assert found["PurchaseOrderID"] == made
    assert found["Total"] == Decimal("299.97")
    assert len(sandbox.books["PurchaseOrders"]) == 1


async def test_accounting_calls_refresh_tokens_retry_5xx_and_honour_429() -> None:
    sandbox = XeroAccountingSandbox()
    limiter = AccountLimiter(None)
    async with sandbox.serving() as base:
        client = XeroClient(
            base, "tenant-1", client_id="baton", client_secret="secret",
            token_url=f"{base}/connect/token", scope="accounting.transactions",
            timeout=2.0, limiter=limiter,
        )  # fmt: skip
        xero = XeroAccounting(client, legal_entity_id="LE-NZ")
        try:
            await xero.upsert_contact(customer())
            sandbox.expire_tokens()
            await xero.upsert_contact(Vendor(id="V-001", name="Tūī Hire"))
            sandbox.inject(Fault(prefix=f"{ACCOUNTING}/Invoices", status=503))
            with pytest.raises(Retriable):
                await xero.create_invoice(invoice())
            before = limiter.paused_until
            sandbox.inject(
                Fault(prefix=f"{ACCOUNTING}/Invoices", status=429, retry_after=0.4)
            )
            with pytest.raises(RateLimited) as limited:
                await xero.create_invoice(invoice())
            made = await xero.create_invoice(invoice())  # waits for the pause
            po = purchase_order()
            sandbox.inject(
                Fault(prefix=f"{ACCOUNTING}/PurchaseOrders", reset_after_commit=True)
            )
            with pytest.raises(Ambiguous):
                await xero.create_purchase_order(po)
            found = await xero.find_purchase_order("PO-1")
        finally:
            await client.close()
    assert sandbox.state.tokens_issued == 2
    assert limited.value.retry_after == pytest.approx(0.4)
    assert limiter.paused_until >= before + 0.3
    assert [i["InvoiceID"] for i in sandbox.books["Invoices"]] == [made]
    assert found is not None
    assert len(sandbox.books["PurchaseOrders"]) == 1
