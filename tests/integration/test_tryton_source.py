"""The Tryton source against a real Tryton 8.2: paging, cursors, mapping, faults.

The server is shared by the session, so each test first reads a stream to
its end (the cursor "now") and then looks only at what it creates after it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from baton.connectors.tryton import TrytonClient, TrytonSource
from baton.connectors.tryton.mapping import duration_seconds
from baton.model import Money, Project, Task, TimeEntry, Worker

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from baton.connectors.base import Page
    from tests.integration.tryton_server import TrytonServer

DAY = dt.date(2025, 3, 14)
START = dt.date(2025, 1, 1)


@pytest.fixture
async def rpc(tryton: TrytonServer) -> AsyncIterator[TrytonClient]:
    client = TrytonClient(
        tryton.base_url, tryton.database, tryton.login, tryton.password
    )
    try:
        await client.login()
        yield client
    finally:
        await client.close()


def make_source(tryton: TrytonServer, page_size: int = 2, **kw: Any) -> TrytonSource:
    client = TrytonClient(
        tryton.base_url, tryton.database, tryton.login, tryton.password
    )
    return TrytonSource(client, page_size=page_size, **kw)


async def pages(source: TrytonSource, stream: str, cursor: str | None) -> list[Page]:
    return [page async for page in source.stream(stream).read(cursor)]


async def now_cursor(tryton: TrytonServer, stream: str) -> str | None:
    source = make_source(tryton, page_size=500)
    try:
        return (await pages(source, stream, None))[-1].cursor
    finally:
        await source.close()


async def employees(
    rpc: TrytonClient, *names: str, cost: list[Any] | None = None
) -> list[int]:
    parties = await rpc.call("party.party.create", [{"name": n} for n in names])
    company = rpc.context["company"]
    values = [{"party": p, "company": company, "start_date": START} for p in parties]
    if cost:
        for v in values:
            v["cost_prices"] = [["create", cost]]
    return [int(e) for e in await rpc.call("company.employee.create", values)]


async def project_tree(rpc: TrytonClient, tag: str) -> dict[str, int]:
    """A project with a party, a task under it and a sub-task under that task."""
    company = rpc.context["company"]
    (party,) = await rpc.call("party.party.create", [{"name": f"Client {tag}"}])
    sub = {
        "name": "Sub",
        "type": "task",
        "company": company,
        "timesheet_available": True,
    }
    task = {**sub, "name": "Build", "children": [["create", [sub]]]}
    project = {
        "name": f"PRJ-{tag}", "type": "project", "company": company, "party": party,
        "project_invoice_method": "timesheet", "children": [["create", [task]]],
    }  # fmt: skip
    (pid,) = await rpc.call("project.work.create", [project])
    (tid,) = await rpc.call("project.work.search", [("parent", "=", pid)])
    (sid,) = await rpc.call("project.work.search", [("parent", "=", tid)])
    (row,) = await rpc.call("project.work.read", [sid], ["timesheet_works"])
    return {"project": pid, "task": tid, "sub": sid, "work": row["timesheet_works"][0]}


async def test_pages_in_order_and_resume_from_each_cursor(
    rpc: TrytonClient, tryton: TrytonServer
) -> None:
    start = await now_cursor(tryton, "employees")
    tag = uuid.uuid4().hex[:6]
    ids = await employees(rpc, *(f"Ann{i} Lee-{tag}" for i in range(5)))
    source = make_source(tryton)
    try:
        read = await pages(source, "employees", start)
        assert [len(p.records) for p in read] == [2, 2, 1]
        assert [int(r.source_id) for p in read for r in p.records] == ids
        cursors = [p.cursor for p in read]
        assert len(set(cursors)) == 3
        # resuming from any page's cursor gives exactly the rest, no repeat
        rest = await pages(source, "employees", cursors[0])
        assert [int(r.source_id) for p in rest for r in p.records] == ids[2:]
        # nothing new after the last cursor: one empty page keeping it
        (empty,) = await pages(source, "employees", cursors[-1])
        assert (list(empty.records), empty.cursor) == ([], cursors[-1])
        worker = read[0].records[0].data
        assert isinstance(worker, Worker)
        assert (worker.given_name, worker.family_name) == ("Ann0", f"Lee-{tag}")
        assert worker.id == f"tryton:company.employee:{ids[0]}"
        assert worker.hire_date == START
    finally:
        await source.close()


async def test_employees_carry_their_cost_rate(
    rpc: TrytonClient, tryton: TrytonServer
) -> None:
    start = await now_cursor(tryton, "employees")
    prices = [
        {"date": START, "cost_price": Decimal("62.5")},
        {"date": dt.date(2999, 1, 1), "cost_price": Decimal(99)},
    ]
    (paid,) = await employees(rpc, "Cora Cost", cost=prices)
    (unpriced,) = await employees(rpc, "Nils Nocost")
    source = make_source(tryton, page_size=10)
    later = make_source(tryton, page_size=10, today=lambda: dt.date(2999, 6, 1))
    try:
        (page,) = await pages(source, "employees", start)
        rates = {int(r.source_id): r.data.cost_rate for r in page.records}  # type: ignore[attr-defined]
        assert rates == {
            paid: Money(amount=Decimal("62.5"), currency="EUR"),
            unpriced: None,
        }
        (page,) = await pages(later, "employees", start)
        assert page.records[0].data.cost_rate.amount == Decimal(99)  # type: ignore[attr-defined]
    finally:
        await source.close()
        await later.close()


async def test_projects_tasks_and_exact_timesheet_hours(
    rpc: TrytonClient, tryton: TrytonServer
) -> None:
    marks = {
        s: await now_cursor(tryton, s) for s in ("projects", "tasks", "timesheet_lines")
    }
    tag = uuid.uuid4().hex[:6]
    tree = await project_tree(rpc, tag)
    orphan = {
        "name": f"No party {tag}",
        "type": "project",
        "company": rpc.context["company"],
    }
    (no_party,) = await rpc.call("project.work.create", [orphan])
    (emp,) = await employees(rpc, f"Tim Sheet-{tag}")
    minutes = [450, 80, 45, 1, 480, 20]
    lines = [
        {"company": rpc.context["company"], "employee": emp, "work": tree["work"],
         "date": DAY, "duration": dt.timedelta(minutes=n), "description": f"n{n} é"}
        for n in minutes
    ]  # fmt: skip
    line_ids = await rpc.call("timesheet.line.create", lines)
    source = make_source(tryton, page_size=4)
    try:
        (projects,) = await pages(source, "projects", marks["projects"])
        (project,) = [r.data for r in projects.records]
        assert isinstance(project, Project)
        rejected = source.stream("projects").rejected
        assert rejected == [(str(no_party), "the project has no party (customer)")]
        (row,) = await rpc.call("project.work.read", [tree["project"]], ["number"])
        assert row["number"]  # Tryton numbers projects from a sequence
        assert (project.code, project.name) == (row["number"], f"PRJ-{tag}")
        assert project.currency == "EUR"
        assert (project.status, project.billing_method) == (
            "active",
            "time_and_materials",
        )
        assert project.customer_id.startswith("tryton:party.party:")
        tasks = [
            r.data
            for p in await pages(source, "tasks", marks["tasks"])
            for r in p.records
        ]
        by_name = {t.name: t for t in tasks if isinstance(t, Task)}
        assert by_name["Build"].parent_id is None
        assert by_name["Sub"].parent_id == f"tryton:project.work:{tree['task']}"
        assert {t.project_id for t in by_name.values()} == {project.id}
        read = await pages(source, "timesheet_lines", marks["timesheet_lines"])
        entries = [r.data for p in read for r in p.records]
        assert [len(p.records) for p in read] == [4, 2]
        assert all(isinstance(e, TimeEntry) for e in entries)
        hours = [e.hours for e in entries]  # type: ignore[attr-defined]
        assert hours == [Decimal("7.5"), Decimal("1.3333"), Decimal("0.75"),
                         Decimal("0.0167"), Decimal(8), Decimal("0.3333")]  # fmt: skip
        assert [duration_seconds(h) for h in hours] == [n * 60 for n in minutes]
        first = entries[0]
        assert isinstance(first, TimeEntry)
        assert first.id == f"tryton:timesheet.line:{line_ids[0]}"
        assert (first.project_id, first.project_code) == (project.id, row["number"])
        assert first.task_id == f"tryton:project.work:{tree['sub']}"
        assert (first.work_date, first.notes, first.billable) == (DAY, "n450 é", True)
    finally:
        await source.close()


async def test_incremental_read_returns_only_the_changed_record(
    rpc: TrytonClient, tryton: TrytonServer
) -> None:
    start = await now_cursor(tryton, "timesheet_lines")
    tree = await project_tree(rpc, uuid.uuid4().hex[:6])
    (emp,) = await employees(rpc, "Inca Remental")
    base = {"company": rpc.context["company"], "employee": emp, "work": tree["work"]}
    day = {**base, "date": DAY, "duration": dt.timedelta(hours=1)}
    ids = await rpc.call("timesheet.line.create", [day, day, day])
    source = make_source(tryton)
    try:
        first = await pages(source, "timesheet_lines", start)
        events = {r.source_id: r.event_id for p in first for r in p.records}
        assert sorted(events) == sorted(str(i) for i in ids)
        await rpc.call(
            "timesheet.line.write", [ids[1]], {"duration": dt.timedelta(hours=2)}
        )
        (page,) = await pages(source, "timesheet_lines", first[-1].cursor)
        (record,) = page.records
        assert record.source_id == str(ids[1])
        assert record.event_id != events[str(ids[1])]
        assert record.data.hours == Decimal(2)  # type: ignore[attr-defined]
    finally:
        await source.close()
