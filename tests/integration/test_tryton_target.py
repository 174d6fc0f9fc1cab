"""The Tryton target through the hub's approved-time flow, against a real Tryton 8.2.

Reference data maps each worker's ``erp_employee_id`` to a Tryton employee
created here, and each project code to a ``project.work`` of that name.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson
import pytest

from baton.connectors.tryton import TrytonClient, TrytonTarget
from baton.connectors.tryton.mapping import duration_seconds
from baton.engine.errors import Ambiguous
from baton.model.commands import PostTimeEntry
from baton.store.factory import open_store
from baton.workflows.time_entry import Answer, TimeEntryIn
from tests.conftest import hub_settings
from tests.e2e.helpers import hub_with_targets

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from baton.bootstrap import Hub
    from baton.config import Settings
    from baton.store.ports import DeliveryRow
    from tests.integration.tryton_server import TrytonServer

DAY = dt.date(2025, 3, 14)
FIELDS = ["id", "date", "duration", "employee", "work", "description"]


@pytest.fixture
async def rpc(tryton: TrytonServer) -> AsyncIterator[TrytonClient]:
    client = TrytonClient(*login(tryton))
    try:
        await client.login()
        yield client
    finally:
        await client.close()


@pytest.fixture
def target(tryton: TrytonServer) -> TrytonTarget:
    """A fresh target (the hub closes its targets when it stops)."""
    return TrytonTarget(*login(tryton), timeout=10)


def login(tryton: TrytonServer) -> tuple[str, str, str, str]:
    return tryton.base_url, tryton.database, tryton.login, tryton.password


@dataclass(frozen=True)
class Books:
    """A bookable Tryton project, two employees, and Baton's reference data."""

    code: str
    work: int
    employees: dict[str, int]
    refdata: Path


@pytest.fixture
async def books(rpc: TrytonClient, tmp_path: Path) -> Books:
    company, tag = rpc.context["company"], uuid.uuid4().hex[:8]
    code = f"PRJ-{tag}"
    people = await rpc.call(
        "party.party.create", [{"name": f"Ann {tag}"}, {"name": f"Bob {tag}"}]
    )
    start = dt.date(2025, 1, 1)
    staff = [{"party": p, "company": company, "start_date": start} for p in people]
    ann, bob = await rpc.call("company.employee.create", staff)
    project = {"name": code, "type": "project", "company": company}
    (work_id,) = await rpc.call(
        "project.work.create", [{**project, "timesheet_available": True}]
    )
    ((row,),) = [await rpc.call("project.work.read", [work_id], ["timesheet_works"])]
    (work,) = row["timesheet_works"]
    workers = {"W1": int(ann), "W2": int(bob)}
    (folder := tmp_path / "ref").mkdir()
    files: dict[str, Any] = {
        "projects.json": {code: {"active": True}},
        "workers.json": {
            w: {"erp_employee_id": str(emp), "cost_rate": 60, "currency": "EUR"}
            for w, emp in workers.items()
        },
        "pay_codes.json": {"REG": "PI-1000"},
    }
    for name, doc in files.items():
        (folder / name).write_text(json.dumps(doc), encoding="utf-8")
    return Books(code, int(work), workers, folder)


def entry(worker: str, project: str, day: dt.date, hours: str) -> dict[str, Any]:
    return {
        "entry_id": f"te-{uuid.uuid4().hex[:12]}",
        "worker_id": worker,
        "project_code": project,
        "date": day.isoformat(),
        "hours": hours,
        "pay_code": "REG",
        "status": "approved",
    }


async def post(hub: Hub, raw: dict[str, Any]) -> Answer:
    return await hub.time_entries.handle(
        TimeEntryIn(**raw), json.dumps(raw), wait=True, timeout=10
    )


async def lines(rpc: TrytonClient, work: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await rpc.call(
        "timesheet.line.search_read", [("work", "=", work)], 0, None, None, FIELDS
    )
    return rows


def settings(tmp_path: Path) -> Settings:
    return hub_settings(f"sqlite:///{tmp_path / 'baton.db'}", "http://127.0.0.1:9/x")


def test_duration_is_exact_for_quarter_hours_and_minutes() -> None:
    cases = {"0.25": 900, "7.5": 27_000, "24": 86_400} | {
        "1.05": 3_780,  # 1 h 03 min
        "0.0167": 60,  # 1 min, rounded to 4 places
        "0.017": 60,  # 1 min, rounded to 3 places
        "0.33": 1_200,  # 20 min, rounded to 2 places
        "0.01": 36,  # not a whole minute: to the second
    }
    assert {h: duration_seconds(Decimal(h)) for h in cases} == cases


def test_render_is_the_line_to_create() -> None:
    cmd = PostTimeEntry(
        "te-1", "W1", "PRJ-1", DAY, Decimal("7.5"), "REG", Decimal(450), "EUR",
        refs={"employee": "42", "pay_item": "PI-1000"},
    )  # fmt: skip
    body = orjson.loads(TrytonTarget("http://h:1", "db", "u", "p").render(cmd))
    line = {"employee": "42", "date": "2025-03-14", "duration_seconds": 27_000}
    assert body == {
        "mapping": "tryton/timesheet.line/v1",
        "project_code": "PRJ-1",
        "line": {**line, "description": "baton:te-1"},
    }


async def test_approved_time_posts_once(
    target: TrytonTarget, rpc: TrytonClient, books: Books, tmp_path: Path
) -> None:
    code, next_day = books.code, DAY + dt.timedelta(days=1)
    raws = [
        entry("W1", code, DAY, "7.5"),
        entry("W1", code, next_day, "0.25"),
        entry("W2", code, DAY, "8"),
    ]
    async with hub_with_targets(
        settings(tmp_path), books.refdata, {"erp": target}
    ) as hub:
        answers = await asyncio.gather(*(post(hub, raw) for raw in raws))
        assert [a.outcome for a in answers] == ["posted"] * 3, answers
        again = await post(hub, raws[0])
        assert again.outcome == "duplicate"

    ann, bob = books.employees["W1"], books.employees["W2"]
    got = await lines(rpc, books.work)
    assert sorted(r["description"] for r in got) == sorted(
        f"baton:{raw['entry_id']}" for raw in raws
    )  # exactly one line per entry, none for the repeat
    hours = dt.timedelta(hours=1)
    assert {(r["employee"], r["date"], r["duration"] / hours) for r in got} == {
        (ann, DAY, 7.5),
        (ann, next_day, 0.25),
        (bob, DAY, 8),
    }


class AmbiguousOnce(TrytonTarget):
    """Creates the line on the first apply, then loses the answer."""

    applied: list[str]
    looked_up: list[str | None]

    async def apply(self, delivery: DeliveryRow) -> str:
        line_id = await super().apply(delivery)
        self.applied.append(line_id)
        if len(self.applied) == 1:
            raise Ambiguous("answer lost after the line was created")
        return line_id

    async def lookup(self, delivery: DeliveryRow) -> str | None:
        found = await super().lookup(delivery)
        self.looked_up.append(found)
        return found


async def test_ambiguous_apply_is_settled_by_lookup(
    tryton: TrytonServer, rpc: TrytonClient, books: Books, tmp_path: Path
) -> None:
    flaky = AmbiguousOnce(*login(tryton), timeout=10)
    flaky.applied, flaky.looked_up = [], []
    raw = entry("W1", books.code, DAY, "6.75")
    async with hub_with_targets(
        settings(tmp_path), books.refdata, {"erp": flaky}
    ) as hub:
        answer = await post(hub, raw)
    assert answer.outcome == "posted", answer
    (line,) = await lines(rpc, books.work)
    assert flaky.applied == [str(line["id"])]  # applied once, never resent
    assert flaky.looked_up == [str(line["id"])]  # found by its reference
    assert line["description"] == f"baton:{raw['entry_id']}"
    assert line["duration"] == dt.timedelta(hours=6, minutes=45)


async def test_tryton_validation_error_is_quarantined(
    target: TrytonTarget, rpc: TrytonClient, books: Books, tmp_path: Path
) -> None:
    # the work is closed for booking after DAY - 1: Tryton's domain refuses DAY
    closed = {"timesheet_end_date": DAY - dt.timedelta(days=1)}
    await rpc.call("timesheet.work.write", [books.work], closed)
    raw = entry("W1", books.code, DAY, "2")
    conf = settings(tmp_path)
    async with hub_with_targets(conf, books.refdata, {"erp": target}) as hub:
        answer = await post(hub, raw)
    assert (answer.outcome, answer.rule) == ("rejected", "tryton.rejected"), answer
    store = open_store(conf.store)  # the hub has committed its settlements
    try:
        (q,) = store.list_quarantine(rule="tryton.rejected")
    finally:
        store.close()
    assert (q.canonical_id, q.reason) == (raw["entry_id"], answer.reason)
    # Tryton's own message, passed through
    assert q.reason.startswith("erp rejected it: The value ")
    assert '"Work"' in q.reason
    assert q.reason.endswith("is not valid according to its domain.")
    assert orjson.loads(q.payload)["line"]["description"] == f"baton:{raw['entry_id']}"
    assert await lines(rpc, books.work) == []
