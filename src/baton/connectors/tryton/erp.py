"""Client-level Tryton ERP operations: parties, invoicing, purchases, sales.

Each function takes a logged-in (or lazily logging-in)
:class:`~baton.connectors.tryton.client.TrytonClient` and maps with
:mod:`baton.connectors.tryton.erp_mapping`. Raw RPC runs no ``on_change``,
so the values a Tryton client would fill in (unit, unit price, description,
currency, addresses) are set here.

* :func:`ensure_customer` / :func:`find_customer`: ``party.party`` by the
  Baton reference in its ``code``.
* :func:`invoice_project`: button ``project.work.invoice`` (it returns
  nothing), then the draft customer invoice is found through the timesheet
  lines' ``invoice_line``.
* :func:`create_purchase` / :func:`read_purchase`: ``purchase.purchase``
  whose line links to a task through ``purchase.line.work`` (project_revenue).
* :func:`create_opportunity`, :func:`convert_opportunity`, :func:`read_sale`:
  ``sale.opportunity`` → buttons ``opportunity`` and ``convert`` → ``sale.sale``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from baton.connectors.tryton.erp_mapping import (
    customer_from_party,
    invoice_from_tryton,
    opportunity_from_tryton,
    party_values,
    purchase_from_tryton,
    tryton_id,
)
from baton.connectors.tryton.mapping import REF_PREFIX, reference
from baton.engine.errors import Invalid

if TYPE_CHECKING:
    import datetime as dt

    from baton.connectors.tryton.client import TrytonClient
    from baton.model.commercial import Opportunity
    from baton.model.customer import Customer
    from baton.model.finance import InvoiceRequest
    from baton.model.procurement import PurchaseOrder

__all__ = [
    "SaleRead",
    "convert_opportunity",
    "create_opportunity",
    "create_purchase",
    "ensure_customer",
    "find_customer",
    "invoice_project",
    "read_invoice",
    "read_opportunity",
    "read_purchase",
    "read_sale",
]

_PARTY_FIELDS = ["id", "code", "name", "active"]


@dataclass(frozen=True)
class SaleRead:
    """A ``sale.sale`` read back: its state, origin and amounts."""

    id: int
    state: str
    opportunity: int | None
    party: int
    currency: str
    untaxed_amount: Decimal
    lines: tuple[tuple[str, Decimal, Decimal, Decimal], ...]  # desc, qty, price, amt


async def _company_currency(rpc: TrytonClient) -> tuple[int, int, str]:
    company = int(rpc.context["company"])
    (row,) = await rpc.call("company.company.read", [company], ["currency"])
    (cur,) = await rpc.call("currency.currency.read", [row["currency"]], ["code"])
    return company, int(row["currency"]), str(cur["code"])


async def _party_ref(rpc: TrytonClient, party: int) -> str:
    (row,) = await rpc.call("party.party.read", [party], ["code"])
    code = str(row["code"] or "")
    if code.startswith(REF_PREFIX):
        return code.removeprefix(REF_PREFIX)
    return tryton_id("party.party", party)


async def find_customer(rpc: TrytonClient, customer_id: str) -> Customer | None:
    """The party whose code is the Baton reference of ``customer_id``."""
    rows = await rpc.call(
        "party.party.search_read",
        [("code", "=", reference(customer_id))],
        0,
        None,
        None,
        _PARTY_FIELDS,
        context={"active_test": False},
    )
    return customer_from_party(rows[0]) if rows else None


async def ensure_customer(rpc: TrytonClient, customer: Customer) -> int:
    """The party id for ``customer``, created (with an address) if missing."""
    found = await rpc.call(
        "party.party.search",
        [("code", "=", reference(customer.id))],
        context={"active_test": False},
    )
    if found:
        return int(found[0])
    (party,) = await rpc.call("party.party.create", [party_values(customer)])
    return int(party)


async def _hour_product(rpc: TrytonClient, product: int) -> dict[str, Any]:
    (row,) = await rpc.call(
        "product.product.read",
        [product],
        ["rec_name", "default_uom", "list_price_used"],
    )
    return dict(row)


async def invoice_project(
    rpc: TrytonClient, project: int, *, today: dt.date
) -> InvoiceRequest:
    """Invoice a project's uninvoiced timesheets; read the draft invoice back.

    Raises:
        Invalid: nothing was invoiced (no uninvoiced timesheet line), rule
            ``tryton.nothing_to_invoice``; Tryton's own refusals as usual.
    """
    works = await rpc.call("project.work.search", [("parent", "child_of", [project])])
    before = set(
        await rpc.call(
            "timesheet.line.search",
            [
                ("work.origin", "in", [f"project.work,{w}" for w in works]),
                ("invoice_line", "=", None),
            ],
        )
    )
    if not before:  # Tryton refuses the button then ("You can not call …")
        raise Invalid(
            f"project {project} has no uninvoiced timesheet line",
            rule="tryton.nothing_to_invoice",
            owner_team="",
        )
    await rpc.call("project.work.invoice", [project])
    rows = await rpc.call("timesheet.line.read", sorted(before), ["invoice_line"])
    invoice_lines = sorted({r["invoice_line"] for r in rows if r["invoice_line"]})
    if not invoice_lines:
        raise Invalid(
            f"project {project} invoiced none of its timesheet lines",
            rule="tryton.nothing_to_invoice",
            owner_team="",
        )
    found = await rpc.call("account.invoice.line.read", invoice_lines, ["invoice"])
    (invoice,) = {r["invoice"] for r in found}
    return await read_invoice(rpc, int(invoice), project=project, today=today)


async def read_invoice(
    rpc: TrytonClient, invoice: int, *, project: int | None = None, today: dt.date
) -> InvoiceRequest:
    """An ``account.invoice`` as an ``InvoiceRequest`` (time entries by ref)."""
    (inv,) = await rpc.call(
        "account.invoice.read",
        [invoice],
        ["id", "state", "number", "invoice_date", "party", "lines", "company"],
    )
    lines = await rpc.call(
        "account.invoice.line.read",
        inv["lines"],
        ["description", "quantity", "unit_price", "amount"],
    )
    for line in lines:
        sheets = await rpc.call(
            "timesheet.line.search_read",
            [("invoice_line", "=", line["id"])],
            0,
            None,
            [("id", "ASC")],
            ["description"],
        )
        line["time_entry_ids"] = [
            s["description"].removeprefix(REF_PREFIX)
            for s in sheets
            if str(s["description"] or "").startswith(REF_PREFIX)
        ]
    _company, _cur, currency = await _company_currency(rpc)
    return invoice_from_tryton(
        inv,
        lines,
        customer_id=await _party_ref(rpc, int(inv["party"])),
        legal_entity_id=tryton_id("company.company", int(inv["company"])),
        currency=currency,
        project_id=tryton_id("project.work", project) if project else None,
        default_date=today,
    )


async def create_purchase(
    rpc: TrytonClient,
    supplier: int,
    *,
    product: int,
    description: str,
    quantity: Decimal,
    unit_price: Decimal,
    task: int | None = None,
    confirm: bool = False,
) -> int:
    """A purchase of one line for ``supplier``, linked to ``task`` if given;
    ``confirm`` runs the ``quote`` and ``confirm`` buttons."""
    company, currency, _code = await _company_currency(rpc)
    prod = await _hour_product(rpc, product)
    addresses = await rpc.call("party.address.search", [("party", "=", supplier)])
    line: dict[str, Any] = {
        "type": "line",
        "product": product,
        "description": description,
        "quantity": float(quantity),
        "unit": prod["default_uom"],
        "unit_price": unit_price,
    }
    if task is not None:
        line["work"] = task
    (purchase,) = await rpc.call(
        "purchase.purchase.create",
        [
            {
                "company": company,
                "currency": currency,
                "party": supplier,
                "invoice_address": addresses[0] if addresses else None,
                "lines": [["create", [line]]],
            }
        ],
    )
    if confirm:
        await rpc.call("purchase.purchase.quote", [purchase])
        await rpc.call("purchase.purchase.confirm", [purchase])
    return int(purchase)


async def read_purchase(
    rpc: TrytonClient, purchase: int, *, today: dt.date
) -> PurchaseOrder:
    """A ``purchase.purchase`` as a ``PurchaseOrder`` (lines keep their task)."""
    (row,) = await rpc.call(
        "purchase.purchase.read",
        [purchase],
        ["id", "state", "number", "purchase_date", "party", "lines", "company"],
    )
    lines = await rpc.call(
        "purchase.line.read",
        row["lines"],
        ["description", "quantity", "unit_price", "work"],
    )
    _company, _cur, currency = await _company_currency(rpc)
    return purchase_from_tryton(
        row,
        lines,
        vendor_id=tryton_id("party.party", int(row["party"])),
        legal_entity_id=tryton_id("company.company", int(row["company"])),
        currency=currency,
        default_date=today,
    )


async def create_opportunity(
    rpc: TrytonClient,
    party: int,
    *,
    employee: int,
    description: str,
    product: int,
    quantity: Decimal,
    amount: Decimal,
    probability: float,
    start_date: dt.date,
) -> int:
    """A ``sale.opportunity`` (state ``lead``) with one product line."""
    company, currency, _code = await _company_currency(rpc)
    prod = await _hour_product(rpc, product)
    (opp,) = await rpc.call(
        "sale.opportunity.create",
        [
            {
                "party": party,
                "employee": employee,
                "company": company,
                "currency": currency,
                "description": description,
                "amount": amount,
                "conversion_probability": probability,
                "start_date": start_date,
                "lines": [
                    [
                        "create",
                        [
                            {
                                "product": product,
                                "quantity": float(quantity),
                                "unit": prod["default_uom"],
                            }
                        ],
                    ]
                ],
            }
        ],
    )
    return int(opp)


async def read_opportunity(rpc: TrytonClient, opportunity: int) -> Opportunity:
    """A ``sale.opportunity`` as an ``Opportunity``."""
    (row,) = await rpc.call(
        "sale.opportunity.read",
        [opportunity],
        [
            "id",
            "description",
            "state",
            "amount",
            "conversion_probability",
            "end_date",
            "party",
        ],
    )
    _company, _cur, currency = await _company_currency(rpc)
    return opportunity_from_tryton(
        row, customer_id=await _party_ref(rpc, int(row["party"])), currency=currency
    )


async def convert_opportunity(rpc: TrytonClient, opportunity: int) -> int:
    """Buttons ``opportunity`` then ``convert``: the id of the draft sale."""
    (row,) = await rpc.call("sale.opportunity.read", [opportunity], ["state"])
    if row["state"] == "lead":
        await rpc.call("sale.opportunity.opportunity", [opportunity])
    await rpc.call("sale.opportunity.convert", [opportunity])
    (row,) = await rpc.call("sale.opportunity.read", [opportunity], ["sales"])
    (sale,) = row["sales"]
    return int(sale)


async def read_sale(rpc: TrytonClient, sale: int) -> SaleRead:
    """A ``sale.sale`` with its origin opportunity and lines."""
    (row,) = await rpc.call(
        "sale.sale.read",
        [sale],
        ["state", "origin", "party", "currency", "untaxed_amount", "lines"],
    )
    lines = await rpc.call(
        "sale.line.read",
        row["lines"],
        ["description", "quantity", "unit_price", "amount"],
    )
    (cur,) = await rpc.call("currency.currency.read", [row["currency"]], ["code"])
    origin = str(row["origin"] or "")
    model, _sep, origin_id = origin.partition(",")
    return SaleRead(
        id=sale,
        state=row["state"],
        opportunity=int(origin_id) if model == "sale.opportunity" else None,
        party=int(row["party"]),
        currency=str(cur["code"]),
        untaxed_amount=row["untaxed_amount"],
        lines=tuple(
            (
                str(line["description"] or ""),
                Decimal(str(line["quantity"])),
                line["unit_price"],
                line["amount"],
            )
            for line in lines
        ),
    )
