"""NetSuite customers, jobs and employees read as incremental SuiteQL streams."""

from __future__ import annotations

import datetime as dt
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import TYPE_CHECKING

from baton.connectors.netsuite.client import NetSuiteClient
from baton.connectors.netsuite.entities import NetSuiteAccount
from baton.connectors.netsuite.records import NetSuiteRecords
from baton.connectors.netsuite.sandbox import NetSuiteSandbox
from baton.connectors.netsuite.source import NetSuiteSource
from baton.model.customer import Customer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from baton.connectors.base import Page

ACCOUNT = NetSuiteAccount(currency="USD", legal_entity_id="le-us")


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
