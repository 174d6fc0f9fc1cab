"""Properties of the Xero Accounting mapping: exact money, names, dates."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from baton.connectors.xero.accounting_client import loads, wire
from baton.connectors.xero.accounting_mapping import (
    contact_body,
    customer_of,
    date_of,
    invoice_body,
    invoice_of,
)
from baton.model.common import CURRENCY_MINOR_UNITS, Money
from baton.model.customer import Customer
from baton.model.finance import InvoiceLine, InvoiceRequest

CURRENCIES = st.sampled_from(["JPY", "NZD", "KWD"])  # 0, 2 and 3 minor units
BOUNDARY = st.builds(
    lambda y, m, last: (
        (dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1))
        if last
        else dt.date(y, m + 1, 1)
    ),
    st.integers(1990, 2099),
    st.integers(0, 11),
    st.booleans(),
)


@st.composite
def lines(draw: st.DrawFn, currency: str) -> InvoiceLine:
    places = CURRENCY_MINOR_UNITS[currency]
    unit = Decimal(draw(st.integers(1, 10**9))).scaleb(-places)
    quantity = Decimal(draw(st.integers(1, 10**5))).scaleb(-2)
    price = Money(amount=unit, currency=currency)
    return InvoiceLine(
        description=draw(st.text(min_size=1, max_size=40).filter(str.strip)),
        quantity=quantity,
        unit_price=price,
        amount=(price * quantity).quantize(),
    )


@st.composite
def requests(draw: st.DrawFn) -> InvoiceRequest:
    currency = draw(CURRENCIES)
    return InvoiceRequest(
        id="IR-1", customer_id="C-1", legal_entity_id="LE", currency=currency,
        invoice_date=draw(BOUNDARY),
        lines=tuple(draw(st.lists(lines(currency), min_size=1, max_size=5))),
    )  # fmt: skip


def xero_answer(body: dict[str, Any]) -> dict[str, Any]:
    """The body through the wire and back, as Xero would store it."""
    doc: dict[str, Any] = loads(json.dumps(wire(body)))
    doc.update(InvoiceID="a", Contact={"ContactID": "b", "ContactNumber": "C-1"})
    ms = dt.datetime.combine(dt.date.fromisoformat(doc["Date"]), dt.time(), dt.UTC)
    doc["Date"] = f"/Date({int(ms.timestamp() * 1000)}+0000)/"
    return doc


@given(requests())
def test_line_totals_and_dates_survive_exactly(req: InvoiceRequest) -> None:
    back = invoice_of(xero_answer(invoice_body(req)), legal_entity_id="LE")
    assert back.total() == req.total()
    assert [line.amount for line in back.lines] == [line.amount for line in req.lines]
    assert back.invoice_date == req.invoice_date
    assert back.currency == req.currency


@given(st.text(min_size=1, max_size=80).filter(str.strip), CURRENCIES)
def test_unicode_names_round_trip(name: str, currency: str) -> None:
    ours = Customer(id="C-9", name=name, billing_currency=currency)
    back = customer_of(
        loads(json.dumps(wire({**contact_body(ours), "ContactID": "x"})))
    )
    assert (back.id, back.name, back.billing_currency) == ("C-9", ours.name, currency)


@given(BOUNDARY)
def test_msdate_and_iso_dates_agree(day: dt.date) -> None:
    ms = dt.datetime.combine(day, dt.time(), dt.UTC).timestamp() * 1000
    assert date_of(f"/Date({int(ms)}+0000)/") == day == date_of(day.isoformat())


def test_floats_never_carry_money() -> None:
    assert isinstance(loads('{"a": 0.1}')["a"], Decimal)
    assert wire(Decimal("1390.13")) == 1390.13
