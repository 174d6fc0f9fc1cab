"""NetSuite expense reports: the pure mapping (properties) and the record API (sandbox)."""

from __future__ import annotations

import datetime as dt
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import jsonschema
import orjson
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from baton.connectors.netsuite import expenses as er
from baton.connectors.netsuite.client import RECORD_PATH, NetSuiteClient
from baton.connectors.netsuite.mapping import MEMO_MAX, MappingError
from baton.connectors.netsuite.records import NetSuiteRecords
from baton.connectors.netsuite.sandbox import NetSuiteSandbox
from baton.connectors.sandbox import Fault
from baton.engine.errors import Ambiguous, Invalid
from baton.model.common import CURRENCY_MINOR_UNITS, ApprovalStatus, Money
from baton.model.time_expense import Expense
from tests.contract.test_netsuite import stitch_schema

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

REFS = {"employee": "57", "category:travel": "5", "category:meals": "6",
        "currency:EUR": "2", "job:prj-1": "812"}  # fmt: skip
# SuiteTalk's ExpenseReportExpense (tranEmp XSD; the stitch schemas have only
# the header): the line fields and their JSON types
LINE_FIELDS = {
    "expenseDate": "string", "category": "object", "quantity": "number",
    "rate": "number", "foreignAmount": "number", "currency": "object",
    "exchangeRate": "number", "amount": "number", "taxCode": "object",
    "memo": "string", "department": "object", "class": "object",
    "customer": "object", "location": "object", "isBillable": "boolean",
    "isNonReimbursable": "boolean", "receipt": "boolean", "refNumber": "integer",
}  # fmt: skip


def expense(n: int = 1, **changes: Any) -> Expense:
    fields: dict[str, Any] = {
        "id": f"exp-{n}", "worker_id": "w-1", "project_id": "prj-1",
        "expense_date": dt.date(2026, 1, 31), "category": "travel",
        "amount": Money(amount=Decimal("1234.56"), currency="EUR"),
        "merchant": "Deutsche Bahn", "description": "Berlin → München, 2. Klasse",
        "receipt_attached": True, "billable": True, "status": ApprovalStatus.APPROVED,
    }  # fmt: skip
    return Expense(**{**fields, **changes})


def seeded() -> NetSuiteSandbox:
    sandbox = NetSuiteSandbox()
    for table, rid, fields in [("employee", "57", {"entityId": "E57"}),
                               ("expenseCategory", "5", {"name": "Travel"}),
                               ("expenseCategory", "6", {"name": "Meals"}),
                               ("job", "812", {"entityId": "PRJ-812"})]:  # fmt: skip
        sandbox.seed(table, rid, "2026-01-01T09:00:00Z", **fields)
    return sandbox


@asynccontextmanager
async def running(sandbox: NetSuiteSandbox) -> AsyncIterator[NetSuiteRecords]:
    async with sandbox.serving() as base:
        client = NetSuiteClient(base, client_id="baton", client_secret="secret")
        records = NetSuiteRecords(client)
        try:
            yield records
        finally:
            await records.close()


def reports(sandbox: NetSuiteSandbox) -> list[dict[str, Any]]:
    return list(sandbox.table(er.EXPENSE_REPORT).values())


async def test_a_report_is_created_by_external_id_and_read_back_exactly() -> None:
    sandbox = seeded()
    two = [expense(1), expense(2, expense_date=dt.date(2026, 2, 1), category="meals",
                                amount=Money(amount=Decimal("0.01"), currency="EUR"))]  # fmt: skip
    async with running(sandbox) as records:
        one_id = await records.expense_report([expense(1)], REFS)
        many_id = await records.expense_report(two, REFS, report_id="er-2026-02")
        doc = await records.client.get_by_external_id(er.EXPENSE_REPORT, "er-2026-02")
    assert doc is not None
    assert (doc["id"], doc["tranDate"], doc["memo"]) == (many_id, "2026-02-01", "2 expenses")  # fmt: skip
    lines = er.expense_lines_from_netsuite(doc)
    assert [(x.amount, x.category, x.currency) for x in lines] == [
        (Decimal("1234.56"), "5", "2"), (Decimal("0.01"), "6", "2")]  # fmt: skip
    assert sum(x.amount for x in lines) == Decimal("1234.57")
    [single] = [r for r in reports(sandbox) if r["id"] == one_id]
    assert single["externalId"] == "exp-1"
    assert single["memo"] == "Deutsche Bahn · Berlin → München, 2. Klasse"
    assert single["entity"] == {"id": "57"}
    assert single["expense"]["items"][0]["customer"] == {"id": "812"}


async def test_a_duplicate_external_id_answers_with_the_existing_id() -> None:
    sandbox = seeded()
    async with running(sandbox) as records:
        first = await records.expense_report([expense()], REFS)
        again = await records.expense_report([expense()], REFS)
    assert again == first
    assert sandbox.refused_duplicates == 1
    assert [r["id"] for r in reports(sandbox)] == [first]


async def test_an_ambiguous_create_is_settled_by_lookup_and_leaves_one_report() -> None:
    sandbox = seeded()
    sandbox.inject(Fault(prefix=f"{RECORD_PATH}/{er.EXPENSE_REPORT}", reset_after_commit=True))  # fmt: skip
    async with running(sandbox) as records:
        with pytest.raises(Ambiguous):
            await records.expense_report([expense()], REFS)
        found = await records.find(er.EXPENSE_REPORT, "exp-1")
        missing = await records.find(er.EXPENSE_REPORT, "exp-2")
    assert found is not None
    assert missing is None
    assert [r["id"] for r in reports(sandbox)] == [found]
    assert sandbox.refused_duplicates == 0  # settled without sending twice


async def test_a_validation_error_carries_netsuites_detail_in_invalid() -> None:
    sandbox = seeded()
    async with running(sandbox) as records:
        with pytest.raises(Invalid) as rejected:
            await records.expense_report([expense()], {**REFS, "category:travel": "99"})
        with pytest.raises(Invalid) as stranger:
            await records.expense_report([expense()], {**REFS, "employee": "58"})
        with pytest.raises(Invalid) as unmapped:
            await records.expense_report([expense(category="lodging")], REFS)
    assert (rejected.value.rule, rejected.value.status) == ("netsuite.rejected", 400)
    assert rejected.value.message == (
        "netsuite: HTTP 400: Error while accessing a resource. You have entered an "
        "Invalid Field Value 99 for the following field: category [USER_ERROR]"
    )
    assert "Invalid Field Value 58 for the following field: entity" in stranger.value.message  # fmt: skip
    assert unmapped.value.rule == "netsuite.mapping"
    assert "no NetSuite expense category for 'lodging'" in unmapped.value.message
    assert reports(sandbox) == []


def _validate(report: dict[str, Any]) -> None:
    body = {k: v for k, v in report.items() if k not in ("id", "expense")}
    body["expenseList"] = report["expense"]  # the REST sublist's SOAP name
    jsonschema.validate(body, stitch_schema("Transaction"))
    line_schema = {
        "type": "object", "additionalProperties": False,
        "properties": {k: {"type": t} for k, t in LINE_FIELDS.items()},
    }  # fmt: skip
    for line in report["expense"]["items"]:
        jsonschema.validate(line, line_schema)


async def test_created_reports_match_netsuites_transaction_and_line_schemas() -> None:
    sandbox = seeded()
    async with running(sandbox) as records:
        await records.expense_report([expense(1), expense(2, merchant=None, project_id=None,
                                                          billable=False)], REFS, report_id="er-1")  # fmt: skip
    [report] = reports(sandbox)
    _validate(report)
    with pytest.raises(jsonschema.ValidationError):  # the check can fail
        _validate({**report, "expense": {"items": [{"expenseDAte": "2026-01-31"}]}})
    with pytest.raises(jsonschema.ValidationError):
        _validate({**report, "tranDAte": "2026-01-31"})


# -- the mapping's properties ---------------------------------------------------
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=1200)
DATES = st.dates(dt.date(1900, 1, 1), dt.date(2199, 12, 31))


@st.composite
def approved_expenses(draw: st.DrawFn) -> Expense:
    currency = draw(st.sampled_from(sorted(CURRENCY_MINOR_UNITS)))
    places = draw(st.integers(0, 4))
    units = draw(st.integers(1, 10**17))
    project = draw(st.none() | st.just("prj-1"))
    return expense(
        draw(st.integers(1, 9)), project_id=project, expense_date=draw(DATES),
        amount=Money(amount=Decimal(units).scaleb(-places), currency=currency),
        merchant=draw(st.none() | TEXT.filter(str.strip)), description=draw(st.none() | TEXT),
        billable=project is not None and draw(st.booleans()),
    )  # fmt: skip


@given(approved_expenses())
@example(expense(expense_date=dt.date(2025, 12, 31)))
@example(expense(expense_date=dt.date(2024, 2, 29), description=None, merchant=None))
def test_an_expense_reads_back_exactly_or_is_refused_never_rounded(e: Expense) -> None:
    money = e.amount
    _, digits, exponent = money.amount.normalize().as_tuple()
    exact = -int(exponent) <= money.minor_units and len(digits) <= 15
    refs = {**REFS, "category": "5"}
    if not exact:
        with pytest.raises(MappingError):
            er.expense_report_body([e], refs)
        return
    body = orjson.loads(orjson.dumps(er.expense_report_body([e], refs)))  # fmt: skip
    [line] = er.expense_lines_from_netsuite(body)
    assert line.amount == line.foreign_amount == money.amount
    assert line.expense_date == e.expense_date
    assert body["tranDate"] == e.expense_date.isoformat()
    assert line.memo == er.line_memo(e)
    assert line.memo is None or len(line.memo) <= MEMO_MAX
    assert body["memo"] == (line.memo or "travel")
    assert line.currency == ("2" if money.currency == "EUR" else f"eid:{money.currency}")  # fmt: skip
    assert (line.customer, line.billable) == ("812" if e.project_id else None, e.billable)  # fmt: skip


@given(st.lists(DATES, min_size=2, max_size=6))
def test_the_report_date_is_the_latest_expense_date_across_month_and_year_ends(
    days: list[dt.date],
) -> None:
    batch = [expense(n, expense_date=d) for n, d in enumerate(days)]
    body = er.expense_report_body(batch, REFS, report_id="er-1")
    assert body["tranDate"] == max(days).isoformat()
    assert [x.expense_date for x in er.expense_lines_from_netsuite(body)] == days


# fmt: off
REFUSED = [
    ([], "at least one expense"),
    ([expense(1), expense(2)], "need a report id"),
    ([expense(1), expense(2, worker_id="w-2")], "one worker's"),
    ([expense(1), expense(2, amount=Money(amount=Decimal(5), currency="USD"))], "one currency"),
    ([expense(status=ApprovalStatus.SUBMITTED)], "not approved: exp-1"),
    ([expense(project_id=None)], "billable but has no project"),
    ([expense(amount=Money(amount=Decimal("1.5"), currency="JPY"))], "more decimals"),
    ([expense()], "no NetSuite employee for worker 'w-1'"),
]
# fmt: on


@pytest.mark.parametrize(("batch", "message"), REFUSED)
def test_what_netsuite_cannot_hold_is_refused(
    batch: list[Expense], message: str
) -> None:
    report_id = None if "report id" in message else "er-1"
    refs = {
        k: v for k, v in REFS.items() if k != "employee" or "employee" not in message
    }
    with pytest.raises(MappingError, match=message):
        er.expense_report_body(batch, refs, report_id=report_id)
