"""The Tryton JSON-RPC client against a real Tryton 8.2 server."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from baton.connectors.tryton import TrytonClient
from baton.engine.errors import Ambiguous, Fatal, Invalid, Retriable
from tests.integration.tryton_server import COMPANY, _free_port

if TYPE_CHECKING:
    from tests.integration.tryton_server import TrytonServer

DAY = dt.date(2025, 3, 14)


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


async def make_task_work(rpc: TrytonClient) -> tuple[int, int, int]:
    """A customer, an employee at 60/h and a project with one task.

    Returns the employee id, the task id and the task's timesheet work id.
    """
    company = rpc.context["company"]
    customer, person = await rpc.call(
        "party.party.create", [{"name": unique("Customer")}, {"name": unique("Ann")}]
    )
    start = dt.date(2025, 1, 1)
    price = {"date": start, "cost_price": Decimal(60)}
    staff = {"party": person, "company": company, "start_date": start,
             "cost_prices": [["create", [price]]]}  # fmt: skip
    (employee,) = await rpc.call("company.employee.create", [staff])
    task = {"name": "Build", "type": "task", "company": company,
            "timesheet_available": True, "effort_duration": dt.timedelta(hours=40)}  # fmt: skip
    values = {"name": unique("Project"), "type": "project", "company": company,
              "party": customer, "children": [["create", [task]]]}  # fmt: skip
    (project,) = await rpc.call("project.work.create", [values])
    ((proj,),) = [await rpc.call("project.work.read", [project], ["children"])]
    (task,) = proj["children"]
    (row,) = await rpc.call("project.work.read", [task], ["timesheet_works", "parent"])
    assert row["parent"] == project
    (work,) = row["timesheet_works"]
    return employee, task, work


async def test_login_loads_company_context(client: TrytonClient) -> None:
    user_id = await client.login()
    assert user_id == client.user_id
    assert client.session is not None
    assert client.session.startswith("Session ")
    (company,) = await client.call(
        "company.company.read", [client.context["company"]], ["rec_name"]
    )
    assert company["rec_name"] == COMPANY


async def test_timesheet_line_roundtrip_by_reference(client: TrytonClient) -> None:
    employee, task, work = await make_task_work(client)
    (emp,) = await client.call(
        "company.employee.read", [employee], ["cost_price"], context={"date": DAY}
    )
    assert emp["cost_price"] == Decimal("60.0000")

    ref = f"baton:{uuid.uuid4()}"
    (line_id,) = await client.call(
        "timesheet.line.create",
        [
            {
                "company": client.context["company"],
                "employee": employee,
                "work": work,
                "date": DAY,
                "duration": dt.timedelta(hours=7.5),
                "description": ref,
            }
        ],
    )
    # an ambiguous outcome is settled by looking the reference up
    rows = await client.call(
        "timesheet.line.search_read",
        [("description", "=", ref)],
        0,
        None,
        None,
        ["id", "date", "duration", "employee", "work", "cost_price"],
    )
    assert len(rows) == 1
    (line,) = rows
    assert line["id"] == line_id
    assert line["date"] == DAY
    assert line["duration"] == dt.timedelta(hours=7.5)
    assert line["employee"] == employee
    assert line["work"] == work
    assert line["cost_price"] == Decimal("60.0000")
    (total,) = await client.call(
        "project.work.read", [task], ["timesheet_duration", "cost"]
    )
    assert total["timesheet_duration"] == dt.timedelta(hours=7.5)
    assert total["cost"] == Decimal("450.00")


async def test_negative_hours_are_invalid_with_trytons_message(
    client: TrytonClient,
) -> None:
    employee, _task, work = await make_task_work(client)
    ref = f"baton:{uuid.uuid4()}"
    with pytest.raises(Invalid) as caught:
        await client.call(
            "timesheet.line.create",
            [
                {
                    "company": client.context["company"],
                    "employee": employee,
                    "work": work,
                    "date": DAY,
                    "duration": dt.timedelta(hours=-2),
                    "description": ref,
                }
            ],
        )
    assert caught.value.rule == "tryton.rejected"
    assert caught.value.owner_team == ""
    # Tryton's own text, passed through verbatim
    assert caught.value.message.startswith('The value "-1 day, 22:00:00" for field')
    assert '"Duration"' in caught.value.message
    assert caught.value.message.endswith("is not valid according to its domain.")
    # rolled back: nothing stored under the reference
    assert await client.call("timesheet.line.search", [("description", "=", ref)]) == []


async def test_readonly_field_write_is_fatal(client: TrytonClient) -> None:
    employee, _task, work = await make_task_work(client)
    with pytest.raises(Fatal) as caught:
        await client.call(
            "timesheet.line.create",
            [
                {
                    "company": client.context["company"],
                    "employee": employee,
                    "work": work,
                    "date": DAY,
                    "duration": dt.timedelta(hours=1),
                    "uuid": str(uuid.uuid4()),
                }
            ],
        )
    assert "not allowed" in caught.value.message


async def test_expired_session_logs_in_again(
    client: TrytonClient, tryton: TrytonServer
) -> None:
    logins = client.logins
    old = client.session
    assert old is not None
    # invalidate the session on the server, behind the client's back
    async with httpx.AsyncClient() as http:
        body = {"id": 1, "method": "common.db.logout", "params": []}
        url = f"{tryton.base_url}/{tryton.database}/rpc/"
        resp = await http.post(url, json=body, headers={"Authorization": old})
        assert resp.status_code == 200
        again = await http.post(url, json=body, headers={"Authorization": old})
        assert again.status_code == 401

    name = unique("After expiry")
    (party,) = await client.call("party.party.create", [{"name": name}])
    assert client.logins == logins + 1
    assert client.session not in (None, old)
    (row,) = await client.call("party.party.read", [party], ["name"])
    assert row["name"] == name


async def test_wrong_password_is_fatal(tryton: TrytonServer) -> None:
    rpc = TrytonClient(tryton.base_url, tryton.database, tryton.login, "wrong-pw")
    try:
        with pytest.raises(Fatal) as caught:
            await rpc.login()
        assert caught.value.status == 401
    finally:
        await rpc.close()


async def test_connection_refused_is_retriable() -> None:
    rpc = TrytonClient(f"http://127.0.0.1:{_free_port()}", "baton", "admin", "x")
    try:
        with pytest.raises(Retriable) as caught:
            await rpc.call("party.party.search", [])
        assert "cannot connect" in caught.value.message
    finally:
        await rpc.close()


async def test_timeout_after_write_is_ambiguous_read_is_retriable() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        method: str = json.loads(request.content)["method"]
        results: dict[str, Any] = {
            "common.db.login": [1, "token", None],
            "model.res.user.get_preferences": {"company": 1},
        }
        if method in results:
            return httpx.Response(200, json={"id": 1, "result": results[method]})
        raise httpx.ReadTimeout("timed out", request=request)

    rpc = TrytonClient(
        "http://tryton.invalid",
        "baton",
        "admin",
        "pw",
        transport=httpx.MockTransport(answer),
    )
    try:
        with pytest.raises(Ambiguous):
            await rpc.call(
                "timesheet.line.create", [{"duration": dt.timedelta(hours=1)}]
            )
        with pytest.raises(Retriable):
            await rpc.call("timesheet.line.search", [])
    finally:
        await rpc.close()
