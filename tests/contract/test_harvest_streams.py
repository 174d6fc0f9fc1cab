"""Harvest's expenses and task assignments streams against the sandbox and the spec."""

from __future__ import annotations

from decimal import Decimal

import httpx
import jsonschema
import pytest

from baton.connectors.harvest.mapping import HarvestAccount
from baton.connectors.harvest.sandbox import HarvestSandbox
from baton.model import ApprovalStatus, Expense, Task
from tests.contract import specs
from tests.contract.test_harvest import read_all
from tests.contract.test_harvest import source as harvest_source

ACCOUNT = HarvestAccount(currency="GBP", legal_entity_id="LE-UK", cost_center_id="CC-1")
HEADERS = {"Authorization": "Bearer pat-1", "Harvest-Account-Id": "42"}
EUR_CLIENT = {"id": 5735776, "name": "123 Industries", "currency": "EUR"}
DAYS = [
    "2023-12-31",
    "2024-01-01",
    "2024-01-31",
    "2024-02-01",
    "2024-02-29",
    "2024-03-01",
    "2024-12-31",
]
COSTS = [33.35, 0.01, 100.0, 1234567.89, 0.1, 99999999.99, 12.5]


def seeded(n: int = 7) -> HarvestSandbox:
    """One user, a USD project (MW) and a EUR project (OS1), ``n`` of each row."""
    sandbox = HarvestSandbox()
    user = sandbox.add_user("Zoë", "Ñúñez")
    mw = sandbox.add_project("MW")
    os1 = sandbox.add_project("OS1", client=EUR_CLIENT)
    for i in range(n):
        sandbox.add_expense(
            user,
            mw if i % 2 == 0 else os1,
            spent_date=DAYS[i % len(DAYS)],
            total_cost=COSTS[i % len(COSTS)],
            notes=f"dîner n°{i} 東京",
        )
        sandbox.add_task_assignment(
            mw if i % 2 == 0 else os1, task_id=8083365 + i, task_name=f"Task {i}"
        )
    return sandbox


def source(sandbox: HarvestSandbox, *, per_page: int = 3):
    return harvest_source(sandbox, per_page=per_page, account=ACCOUNT)


async def test_expenses_are_read_over_three_pages_with_exact_money():
    sandbox = seeded(7)
    async with source(sandbox, per_page=3) as src:
        pages = await read_all(src, "expenses")
    assert [len(p.records) for p in pages] == [3, 3, 1]
    last = sandbox.records["expenses"][-1]["updated_at"]
    assert [p.cursor for p in pages] == [None, None, last]
    records = [r for p in pages for r in p.records]
    assert all(r.entity == "Expense" for r in records)
    by_id = {r.source_id: r.data for r in records}
    assert len(by_id) == 7
    for i, raw in enumerate(sandbox.records["expenses"]):
        exp = by_id[str(raw["id"])]
        assert isinstance(exp, Expense)
        assert exp.amount.amount == Decimal(repr(COSTS[i]))  # exact, never rounded
        assert exp.amount.currency == ("USD" if i % 2 == 0 else "EUR")
        assert exp.project_id == f"harvest:project:{raw['project']['id']}"
        assert exp.expense_date.isoformat() == DAYS[i]
        assert exp.status is ApprovalStatus.DRAFT  # not approved yet
        assert exp.category == "Meals"
        assert exp.description == f"dîner n°{i} 東京"
    big = by_id[str(sandbox.records["expenses"][5]["id"])].amount
    assert str(big) == "99999999.99 EUR"
    first = records[0]
    stamp = {str(r["id"]): r["updated_at"] for r in sandbox.records["expenses"]}
    assert (
        first.event_id == f"harvest:expense:{first.source_id}:{stamp[first.source_id]}"
    )
    # the project codes came with the expenses: no /projects/{id} look-up needed
    assert sorted(src.project_codes.values()) == ["MW", "OS1"]
    assert not any(k.startswith("GET /v2/projects/") for k in sandbox.state.requests)


async def test_task_assignments_are_read_over_three_pages_as_project_tasks():
    sandbox = seeded(7)
    third = sandbox.records["task_assignments"][2]["id"]
    sandbox.touch("task_assignments", third, is_active=False, billable=False)
    async with source(sandbox, per_page=3) as src:
        pages = await read_all(src, "task_assignments")
        projects = await read_all(src, "projects")
    assert [len(p.records) for p in pages] == [3, 3, 1]
    assert [p.cursor for p in pages][:2] == [None, None]
    assert pages[-1].cursor == sandbox.records["task_assignments"][2]["updated_at"]
    project_ids = {r.data.id for p in projects for r in p.records}
    tasks = {r.source_id: r.data for p in pages for r in p.records}
    assert all(isinstance(t, Task) for t in tasks.values())
    assert {t.project_id for t in tasks.values()} == project_ids
    for i, raw in enumerate(sandbox.records["task_assignments"]):
        task = tasks[str(raw["id"])]
        assert task.id == f"harvest:task_assignment:{raw['id']}"
        assert task.code == str(8083365 + i)
        assert task.name == f"Task {i}"
        assert task.billable is (i != 2)
        assert (task.end_date is None) is (i != 2)
    rec = pages[0].records[0]
    assert rec.entity == "Task"
    assert rec.event_id.startswith(f"harvest:task_assignment:{rec.source_id}:2024-")


@pytest.mark.parametrize(
    ("stream", "change"),
    [
        ("expenses", {"is_closed": True, "is_locked": True}),
        ("task_assignments", {"billable": False}),
    ],
)
async def test_an_incremental_read_returns_only_what_changed(stream, change):
    key = stream
    sandbox = seeded(7)
    async with source(sandbox, per_page=2) as src:
        full = await read_all(src, stream)
        cursor = full[-1].cursor
        seen = {r.event_id for p in full for r in p.records}
        ids = [r["id"] for r in sandbox.records[key]]
        sandbox.touch(key, ids[1], **change)
        sandbox.touch(key, ids[4], **change)
        again = await read_all(src, stream, cursor)
    records = [r for p in again for r in p.records]
    new = {r.source_id: r for r in records if r.event_id not in seen}
    assert set(new) == {str(ids[1]), str(ids[4])}
    # the boundary row (updated exactly at the cursor) comes back, deduped by event id
    assert {r.source_id for r in records} - set(new) == {str(ids[-1])}
    assert again[-1].cursor == max(r["updated_at"] for r in sandbox.records[key])
    if stream == "expenses":
        assert new[str(ids[1])].data.status is ApprovalStatus.APPROVED
    else:
        assert new[str(ids[4])].data.billable is False


async def test_rejected_rows_are_kept_and_the_read_goes_on():
    sandbox = seeded(5)
    user, project = sandbox.records["users"][0], sandbox.records["projects"][0]
    credit = sandbox.add_expense(user, project, total_cost=-12.0)
    nameless = sandbox.add_expense(user, project, expense_category=None)
    orphan = sandbox.add_task_assignment(project, task=None)
    undated = sandbox.add_expense(user, project, updated_at=None)
    async with source(sandbox, per_page=2) as src:
        expenses = await read_all(src, "expenses")
        tasks = await read_all(src, "task_assignments")
        rejected_e = dict(src.stream("expenses").rejected)
        rejected_t = dict(src.stream("task_assignments").rejected)
    assert sum(len(p.records) for p in expenses) == 5
    assert sum(len(p.records) for p in tasks) == 5
    assert set(rejected_e) == {str(i["id"]) for i in (credit, nameless, undated)}
    assert rejected_e[str(undated["id"])] == "updated_at is missing"
    assert "greater than zero" in rejected_e[str(credit["id"])]
    assert rejected_e[str(nameless["id"])] == "expense_category is missing"
    assert rejected_t == {str(orphan["id"]): "task is missing"}
    # the cursor still moves past the rejected rows
    assert expenses[-1].cursor == nameless["updated_at"]


async def test_every_answer_of_the_new_routes_validates_against_the_spec():
    spec = specs.load("harvest/harvest-openapi.yaml")
    sandbox = seeded(5)
    sandbox.touch("task_assignments", sandbox.records["task_assignments"][0]["id"],
                  is_active=False)  # fmt: skip
    receipt = {"url": "https://x/r", "file_name": "r.gif", "content_type": "image/gif"}
    mileage = {"id": 4, "name": "Mileage", "unit_price": "0.655", "unit_name": "mi"}
    first = sandbox.records["expenses"][0]["id"]
    sandbox.touch("expenses", first, receipt=receipt, expense_category=mileage)
    seen = {"/expenses": 0, "/task_assignments": 0}
    async with (
        sandbox.serving() as base,
        httpx.AsyncClient(base_url=f"{base}/v2", headers=HEADERS) as http,
    ):
        for path, filters in [
            ("/expenses", {}),
            ("/expenses", {"updated_since": "2024-01-01T00:00:09Z"}),
            ("/task_assignments", {}),
            ("/task_assignments", {"is_active": "true"}),
            ("/task_assignments", {"is_active": "false"}),
            ("/task_assignments", {"updated_since": "2024-01-01T00:00:09Z"}),
        ]:
            schema = specs.response_schema(spec, path, "get")
            url: str | None = path
            params: dict[str, str] | None = {**filters, "per_page": "2"}
            while url is not None:
                resp = await http.get(url, params=params)
                assert resp.status_code == 200
                body = resp.json()
                specs.validate(spec, schema, body)
                seen[path] += len(body[path.strip("/")])
                for key, value in filters.items():
                    assert body["links"]["next"] is None or key in body["links"]["next"]
                    if key == "is_active":
                        rows = body["task_assignments"]
                        assert all(str(r["is_active"]).lower() == value for r in rows)
                url, params = body["links"]["next"], None
        resp = await http.get("/expenses", params={"per_page": 0})
        assert resp.status_code == 422
        specs.validate(
            spec,
            specs.response_schema(spec, "/expenses", "get", "default"),
            resp.json(),
        )
    # since 00:00:09: expenses 0 (touched), 3, 4; task assignments 0 (touched), 2-4
    assert seen == {"/expenses": 5 + 3, "/task_assignments": 5 + 4 + 1 + 4}


def test_the_spec_rejects_an_expense_with_its_cost_as_a_string():
    """The check above can fail: a mistyped field breaks validation."""
    spec = specs.load("harvest/harvest-openapi.yaml")
    sandbox = seeded(1)
    row = dict(sandbox.records["expenses"][0], total_cost="33.35")
    body = {
        "expenses": [row],
        "per_page": 1,
        "total_pages": 1,
        "total_entries": 1,
        "next_page": None,
        "previous_page": None,
        "page": 1,
        "links": {"first": "x", "last": "x", "next": None, "previous": None},
    }
    schema = specs.response_schema(spec, "/expenses", "get")
    specs.validate(spec, schema, dict(body, expenses=sandbox.records["expenses"]))
    with pytest.raises(jsonschema.ValidationError):
        specs.validate(spec, schema, body)
