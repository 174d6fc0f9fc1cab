"""Client-level Tryton trade: purchases linked to tasks, opportunities, sales.

* :func:`create_purchase` / :func:`read_purchase`: ``purchase.purchase``
  whose line links to a task through ``purchase.line.work`` (project_revenue).
* :func:`create_opportunity`, :func:`convert_opportunity`, :func:`read_sale`:
  ``sale.opportunity`` → buttons ``opportunity`` and ``convert`` → ``sale.sale``.

As in :mod:`baton.connectors.tryton.erp`, raw RPC runs no ``on_change``: the
unit, currency and invoice address are set here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from baton.connectors.tryton.erp import company_currency, hour_product, party_ref
from baton.connectors.tryton.erp_mapping import (
    opportunity_from_tryton,
    purchase_from_tryton,
    tryton_id,
)

if TYPE_CHECKING:
    import datetime as dt

    from baton.connectors.tryton.client import TrytonClient
    from baton.model.commercial import Opportunity
    from baton.model.procurement import PurchaseOrder

__all__ = [
    "SaleRead",
    "convert_opportunity",
    "create_opportunity",
    "create_purchase",
    "read_opportunity",
    "read_purchase",
    "read_sale",
]


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
    company, currency, _code = await company_currency(rpc)
    prod = await hour_product(rpc, product)
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
    _company, _cur, currency = await company_currency(rpc)
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
    company, currency, _code = await company_currency(rpc)
    prod = await hour_product(rpc, product)
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
    _company, _cur, currency = await company_currency(rpc)
    return opportunity_from_tryton(
        row, customer_id=await party_ref(rpc, int(row["party"])), currency=currency
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
