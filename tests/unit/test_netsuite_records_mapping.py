"""NetSuite transactions and SuiteQL rows: exact totals, unicode, acyclic parents, dates."""

from __future__ import annotations

import asyncio
import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.connectors.netsuite import entities
from baton.connectors.netsuite.mapping import MappingError
from baton.connectors.netsuite.sandbox_records import parse_query
from baton.connectors.netsuite.source import NetSuiteSource, query
from baton.connectors.netsuite.transactions import (
    invoice_body,
    lines_total,
    number,
    parse_number,
    purchase_order_body,
    sales_order_body,
)
from baton.model.common import Money
from baton.model.customer import Customer
from baton.model.finance import InvoiceLine, InvoiceRequest
from baton.model.procurement import PurchaseOrder, PurchaseOrderLine

ACCOUNT = entities.NetSuiteAccount(currency="USD", legal_entity_id="le-us")
REFS = {"customer": "1", "vendor": "77", "item": "9"}
CENTS = st.integers(min_value=-(10**12), max_value=10**12).map(
    lambda c: Decimal(c).scaleb(-2)
)
QUANTITY = st.integers(min_value=1, max_value=10**6).map(
    lambda q: Decimal(q).scaleb(-2)
)
PRICE = st.integers(min_value=0, max_value=10**9).map(lambda p: Decimal(p).scaleb(-3))
NAMES = st.text(min_size=1, max_size=40).filter(lambda s: s.strip() != "")
MONTH_ENDS = st.builds(
    lambda y, m, last: dt.date(y, m, calendar.monthrange(y, m)[1] if last else 1),
    st.integers(min_value=1999, max_value=2100),
    st.integers(min_value=1, max_value=12),
    st.booleans(),
)


def wire(body: dict[str, Any]) -> dict[str, Any]:
    """What NetSuite receives and answers: the body through JSON."""
    doc: dict[str, Any] = orjson.loads(orjson.dumps(body))
    return doc


def request(amounts: list[Decimal], **changes: Any) -> InvoiceRequest:
    fields: dict[str, Any] = {
        "id": "ir-1",
        "customer_id": "cust-1",
        "legal_entity_id": "le-us",
        "currency": "USD",
        "invoice_date": dt.date(2026, 1, 31),
        "lines": tuple(
            InvoiceLine(description=f"line {n}", amount=Money(amount=a, currency="USD"))
            for n, a in enumerate(amounts, start=1)
        ),
    }
    fields.update(changes)
    return InvoiceRequest(**fields)


@given(st.lists(CENTS, min_size=1, max_size=30))
def test_invoice_line_totals_are_exact_through_json(amounts: list[Decimal]) -> None:
    req = request(amounts)
    for build in (invoice_body, sales_order_body):
        body = wire(build(req, REFS))
        assert lines_total(body) == req.total().amount
        sent = [parse_number(line["amount"]) for line in body["item"]["items"]]
        assert sent == amounts


@given(st.lists(st.tuples(QUANTITY, PRICE), min_size=1, max_size=20))
def test_purchase_order_quantity_rate_and_amount_are_exact(
    lines: list[tuple[Decimal, Decimal]],
) -> None:
    po = PurchaseOrder(
        id="po-1", vendor_id="ven-1", legal_entity_id="le-us", currency="USD",
        order_date=dt.date(2026, 1, 1),
        lines=tuple(
            PurchaseOrderLine(
                line_number=n, description="x", quantity=q,
                unit_price=Money(amount=p, currency="USD"),
            )
            for n, (q, p) in enumerate(lines, start=1)
        ),
    )  # fmt: skip
    body = wire(purchase_order_body(po, REFS))
    out = body["item"]["items"]
    assert [parse_number(line["quantity"]) for line in out] == [q for q, _ in lines]
    assert [parse_number(line["rate"]) for line in out] == [p for _, p in lines]
    assert [parse_number(line["amount"]) for line in out] == [
        line.amount().amount for line in po.lines
    ]
    assert lines_total(body) == po.total().amount


@pytest.mark.parametrize(
    "value", ["1234567890123.456", "0.1234567890123456", "NaN", "-Infinity"]
)
def test_numbers_a_double_cannot_hold_are_refused(value: str) -> None:
    with pytest.raises(MappingError):
        number(Decimal(value), "amount")


@given(NAMES, NAMES, NAMES)
def test_unicode_names_survive(company: str, first: str, last: str) -> None:
    row = {"id": "7", "companyname": company, "lastmodified": "2026-01-01T00:00:00"}
    assert entities.customer(row).name == company.strip()
    worker = entities.employee(
        {"id": "8", "firstname": first, "lastname": last, "hiredate": "2026-01-01"},
        ACCOUNT,
    )
    assert (worker.given_name, worker.family_name) == (first.strip(), last.strip())
    line = InvoiceLine(
        description=company, amount=Money(amount=Decimal(1), currency="USD")
    )
    body = wire(invoice_body(request([Decimal(1)], lines=(line,)), REFS))
    assert body["item"]["items"][0]["description"] == line.description  # unchanged


class _Rows:
    """A client whose SuiteQL answers fixed pages."""

    def __init__(self, pages: list[list[dict[str, Any]]]) -> None:
        self.pages = pages

    async def suiteql(self, _query: str, *, page_size: int = 1000) -> Any:
        for page in self.pages:
            yield page


def _acyclic(parents: dict[str, str | None]) -> bool:
    for start in parents:
        node: str | None = start
        for _ in range(len(parents) + 1):
            node = parents.get(node) if node is not None else None
        if node is not None:
            return False
    return True


EDGES = st.lists(
    st.tuples(st.integers(1, 8), st.one_of(st.none(), st.integers(1, 8))), max_size=40
)


@given(EDGES)
def test_the_customer_hierarchy_read_is_never_cyclic(
    edges: list[tuple[int, int | None]],
) -> None:
    rows = [
        {"id": str(c), "companyname": f"c{c}", "parent": None if p is None else str(p),
         "lastmodified": f"2026-01-01T00:00:{n % 60:02d}"}
        for n, (c, p) in enumerate(edges)
    ]  # fmt: skip
    source = NetSuiteSource(
        _Rows([rows[i : i + 5] for i in range(0, len(rows), 5)]), ACCOUNT
    )  # type: ignore[arg-type]

    async def read() -> list[Customer]:
        pages = [p async for p in source.stream("customers").read(None)]
        return [r.data for p in pages for r in p.records]  # type: ignore[misc]

    customers = asyncio.run(read())
    assert _acyclic(source.customer_parents)
    assert all(c.parent_id != c.id for c in customers)
    rejected = source.stream("customers").rejected
    assert len(customers) + len(rejected) == len(edges)


@given(MONTH_ENDS, st.integers(min_value=0, max_value=40))
def test_dates_at_month_and_year_boundaries(day: dt.date, days_due: int) -> None:
    due = day + dt.timedelta(days=days_due)
    body = wire(
        invoice_body(request([Decimal(1)], invoice_date=day, due_date=due), REFS)
    )
    assert (body["tranDate"], body["dueDate"]) == (day.isoformat(), due.isoformat())
    job = entities.job(
        {"id": "1", "entityid": "P", "parent": "2", "startdate": day.isoformat(),
         "enddate": due.isoformat()},
        ACCOUNT,
    )  # fmt: skip
    assert (job.start_date, job.end_date) == (day, due)
    last_second = dt.datetime.combine(day, dt.time(23, 59, 59))
    cursor = f"{last_second:%Y-%m-%dT%H:%M:%S}"
    parsed = parse_query(query("customer", ("id",), cursor))
    assert parsed is not None
    assert parsed.since == last_second
    stored = [
        {"id": "1", "lastModifiedDate": f"{last_second:%Y-%m-%dT%H:%M:%S}Z"},
        {"id": "2", "lastModifiedDate": f"{last_second + dt.timedelta(seconds=1):%Y-%m-%dT%H:%M:%S}Z"},
    ]  # fmt: skip
    assert [r["id"] for r in parsed.run(stored)] == ["2"]  # strictly after, next day


@pytest.mark.parametrize("cursor", ["2026-01-01", "2026-01-01T00:00:00' OR 1=1 --", ""])
def test_a_malformed_cursor_never_reaches_the_query(cursor: str) -> None:
    with pytest.raises(ValueError):
        query("customer", ("id",), cursor)
