"""Client-level Tryton ERP operations: parties and invoicing.

Each function takes a logged-in (or lazily logging-in)
:class:`~baton.connectors.tryton.client.TrytonClient` and maps with
:mod:`baton.connectors.tryton.erp_mapping`. Raw RPC runs no ``on_change``,
so the values a Tryton client would fill in (unit, unit price, description,
currency, addresses) are set here. Purchases, opportunities and sales are in
:mod:`baton.connectors.tryton.erp_trade`.

* :func:`ensure_customer` / :func:`find_customer`: ``party.party`` by the
  Baton reference in its ``code``.
* :func:`invoice_project`: button ``project.work.invoice`` (it returns
  nothing), then the draft customer invoice is found through the timesheet
  lines' ``invoice_line``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baton.connectors.tryton.erp_mapping import (
    customer_from_party,
    invoice_from_tryton,
    party_values,
    tryton_id,
)
from baton.connectors.tryton.mapping import REF_PREFIX, reference
from baton.engine.errors import Invalid

if TYPE_CHECKING:
    import datetime as dt

    from baton.connectors.tryton.client import TrytonClient
    from baton.model.customer import Customer
    from baton.model.finance import InvoiceRequest

__all__ = [
    "company_currency",
    "ensure_customer",
    "find_customer",
    "hour_product",
    "invoice_project",
    "party_ref",
    "read_invoice",
]

_PARTY_FIELDS = ["id", "code", "name", "active"]


async def company_currency(rpc: TrytonClient) -> tuple[int, int, str]:
    company = int(rpc.context["company"])
    (row,) = await rpc.call("company.company.read", [company], ["currency"])
    (cur,) = await rpc.call("currency.currency.read", [row["currency"]], ["code"])
    return company, int(row["currency"]), str(cur["code"])


async def party_ref(rpc: TrytonClient, party: int) -> str:
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


async def hour_product(rpc: TrytonClient, product: int) -> dict[str, Any]:
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
    _company, _cur, currency = await company_currency(rpc)
    return invoice_from_tryton(
        inv,
        lines,
        customer_id=await party_ref(rpc, int(inv["party"])),
        legal_entity_id=tryton_id("company.company", int(inv["company"])),
        currency=currency,
        project_id=tryton_id("project.work", project) if project else None,
        default_date=today,
    )
