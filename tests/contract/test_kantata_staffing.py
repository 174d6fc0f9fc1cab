"""Kantata staffing read as assignments: pages, cursor, catalogue, round trip, rejects."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no types-jsonschema in dev deps
import pytest

from baton.connectors.kantata.connector import KantataSource
from baton.connectors.kantata.mapping import KantataContext
from baton.connectors.kantata.sandbox import KantataSandbox
from baton.connectors.kantata.writes import KantataWrites
from baton.connectors.sandbox import Fault
from baton.engine.errors import Fatal, Invalid
from baton.model.assignment import Assignment
from baton.model.common import Money
from tests.contract.test_kantata import TAP, kantata, read_all
from tests.contract.test_kantata_writes import GEM, project

PARTS = "GET /api/v1/participations.json"
CTX = KantataContext(cost_center_id="CC-9", legal_entity_id="LE-2")
STAMPS = {"created_at", "updated_at"}  # documented filters; absent from the gem


def pulled(stamp: str, seconds: int = 1) -> str:
    """``stamp`` less the read's duration rounded up (1 s for a quick read)."""
    return (
        dt.datetime.fromisoformat(stamp) - dt.timedelta(seconds=seconds)
    ).isoformat()


def workspace(sandbox: KantataSandbox, **over: Any) -> str:
    fields = {"title": "Rollout", "currency": "EUR", "currency_base_unit": 100}
    fields |= {"start_date": "2026-12-31", "due_date": "2027-01-31"}
    return str(sandbox.add("workspaces", **{**fields, **over})["id"])


def staff(sandbox: KantataSandbox, wid: str, cents: Any = 15000, **over: Any) -> str:
    user = sandbox.add("users", full_name="Ada Lovelace")["id"]
    fields = {"workspace_id": wid, "user_id": user, "role": "maven"}
    fields |= {"rate_in_cents": cents, "default_rate_in_cents": 0}
    return str(sandbox.add("participations", **{**fields, **over})["id"])


async def test_participations_are_read_in_pages_workspace_by_workspace() -> None:
    sandbox = KantataSandbox()
    first, second = workspace(sandbox), workspace(sandbox, currency="JPY")
    ids = [staff(sandbox, first) for _ in range(5)]
    staff(sandbox, first, role="buyer")  # the client's side: not staffing
    ids += [staff(sandbox, second, cents=2000)]
    ids += [staff(sandbox, workspace(sandbox, archived=True))]
    async with kantata(sandbox) as (client, _):
        stream = KantataSource(client, CTX).stream("participations")
        stream.per_page = 2
        pages = [p async for p in stream.read(None)]
    records = [r for p in pages for r in p.records]
    assert [r.source_id for r in records] == ids
    assert len([p for p in pages if p.records]) >= 4  # 2 + 2 + 1, then 1
    assert sandbox.state.requests[PARTS] >= 3 + 1  # 3 pages and 1 (the buyer skipped)
    assert [p.cursor for p in pages[:-1]] == [None] * (len(pages) - 1)
    newest = sandbox.data["participations"][ids[-1]]["updated_at"]
    assert pages[-1] == type(pages[-1])([], pulled(newest))
    one, yen = records[0].data, records[-2].data
    assert isinstance(one, Assignment)
    assert isinstance(yen, Assignment)
    assert records[0].event_id == f"kantata:participation:{ids[0]}:" + str(
        sandbox.data["participations"][ids[0]]["updated_at"]
    )
    assert (one.project_id, one.start_date, one.end_date) == (
        f"kantata:workspace:{first}",
        dt.date(2026, 12, 31),
        dt.date(2027, 1, 31),
    )
    assert one.bill_rate == Money(amount=Decimal(150), currency="EUR")
    assert yen.bill_rate == Money(amount=Decimal(20), currency="JPY")
    assert (one.cost_center_id, one.legal_entity_id) == ("CC-9", "LE-2")
    assert stream.rejected == []


async def test_incremental_read_returns_only_the_changed_participation() -> None:
    sandbox = KantataSandbox()
    wid = workspace(sandbox)
    ids = [staff(sandbox, wid) for _ in range(5)]
    async with kantata(sandbox) as (client, _):
        stream = KantataSource(client, CTX).stream("participations")
        stream.per_page = 2
        first, cursor = await read_all(stream, None)
        changed = sandbox.touch("participations", ids[1], rate_in_cents=17550)
        second, cursor2 = await read_all(stream, cursor)
        third, cursor3 = await read_all(stream, cursor2)
    seen = {r.event_id for r in first}
    fresh = [r for r in second if r.event_id not in seen]
    assert [r.source_id for r in fresh] == [ids[1]]
    assert fresh[0].event_id.endswith(changed["updated_at"])
    assert fresh[0].data.bill_rate == Money(amount=Decimal("175.50"), currency="EUR")
    # only the last second before the cursor comes again (duplicates, never gaps)
    assert [r.source_id for r in second] == [ids[4], ids[1]]
    assert cursor2 == pulled(changed["updated_at"])
    assert [r.source_id for r in third] == [ids[1]]
    assert cursor3 == cursor2


async def test_a_changed_workspace_re_dates_its_assignments() -> None:
    sandbox = KantataSandbox()
    wid, other = workspace(sandbox), workspace(sandbox)
    ids = [staff(sandbox, wid), staff(sandbox, wid)]
    staff(sandbox, other)
    async with kantata(sandbox) as (client, _):
        stream = KantataSource(client, CTX).stream("participations")
        first, cursor = await read_all(stream, None)
        moved = sandbox.touch("workspaces", wid, due_date="2028-02-29")
        second, cursor2 = await read_all(stream, cursor)
    seen = {r.event_id for r in first}
    fresh = [r for r in second if r.event_id not in seen]
    assert [r.source_id for r in fresh] == ids
    assert {r.data.end_date for r in fresh} == {dt.date(2028, 2, 29)}
    assert all(r.event_id.endswith(moved["updated_at"]) for r in fresh)
    assert cursor2 == pulled(moved["updated_at"])


async def test_listed_participations_match_the_published_contracts() -> None:
    sandbox = KantataSandbox()
    wid = workspace(sandbox)
    for _ in range(3):
        staff(sandbox, wid)
    async with kantata(sandbox) as (client, _):
        doc = await client.get("participations", {"workspace_id": wid})
        workspaces = await client.get("workspaces", {"include_archived": "true"})
        with pytest.raises(Invalid) as unscoped:
            await client.get("participations")
    assert set(doc) == {"count", "meta", "results", "participations"}
    assert [r["key"] for r in doc["results"]] == ["participations"] * 3
    attributes = set(GEM["participations"]["attributes"]) | STAMPS
    for record in doc["participations"].values():
        assert set(record) <= attributes, set(record) - attributes
        assert set(GEM["participations"]["create_attributes"]) & set(record) == {
            "workspace_id",
            "role",
            "user_id",
        }
    schema = json.loads((TAP / "workspaces.json").read_text())
    for record in workspaces["workspaces"].values():
        jsonschema.validate(record, schema)
        assert set(record) <= set(GEM["workspaces"]["attributes"])
    assert "workspace_id is required" in unscoped.value.message


async def test_a_staffed_consultant_reads_back_as_the_assignment_written() -> None:
    sandbox = KantataSandbox()
    grace = sandbox.add("users", full_name="Grace Hopper")["id"]
    ctx = KantataContext(workers={grace: "W-GRACE"}, cost_center_id="CC-9")
    async with kantata(sandbox) as (client, _):
        writes = KantataWrites(client)
        wid = await writes.create_project(project())
        rate = Money(amount=Decimal("187.50"), currency="USD")
        written = Assignment(
            id="ASG-7",
            worker_id="W-GRACE",
            project_id=f"kantata:workspace:{wid}",
            start_date=dt.date(2026, 12, 1),
            end_date=dt.date(2027, 3, 31),
            bill_rate=rate,
            cost_center_id="CC-9",
            legal_entity_id=ctx.legal_entity_id,
        )
        pid = await writes.staff(written, workspace_id=wid, user_id=grace)
        records, _ = await read_all(
            KantataSource(client, ctx).stream("participations"), None
        )
    (back,) = records
    assert back.source_id == pid
    assert back.data.external_ids == {"kantata": pid}
    identity = {"id", "source_system", "external_ids"}
    assert back.data.model_dump(exclude=identity) == written.model_dump(
        exclude=identity
    )


async def test_a_rejected_row_does_not_stop_the_read() -> None:
    sandbox = KantataSandbox()
    wid = workspace(sandbox)
    before = staff(sandbox, wid)
    bad = staff(sandbox, wid, cents=None, default_rate_in_cents=None)
    negative = staff(sandbox, wid, cents=-1)
    after = staff(sandbox, workspace(sandbox, due_date="2026-01-01"))
    last = staff(sandbox, workspace(sandbox))
    async with kantata(sandbox) as (client, _):
        stream = KantataSource(client, CTX).stream("participations")
        records, cursor = await read_all(stream, None)
    assert [r.source_id for r in records] == [before, last]
    assert [rid for rid, _ in stream.rejected] == [bad, negative, after]
    assert "no bill rate" in stream.rejected[0][1]
    assert cursor == pulled(sandbox.data["participations"][last]["updated_at"])


async def test_participations_without_updated_at_stop_the_read_plainly() -> None:
    sandbox = KantataSandbox()
    pid = staff(sandbox, workspace(sandbox))
    del sandbox.data["participations"][pid]["updated_at"]  # the [kb] proved wrong
    async with kantata(sandbox) as (client, _):
        stream = KantataSource(client, CTX).stream("participations")
        with pytest.raises(Fatal, match="no updated_at"):
            await read_all(stream, None)


async def test_a_change_behind_a_slow_read_is_read_next_time() -> None:
    sandbox = KantataSandbox()
    sandbox.tick = dt.timedelta(seconds=1)  # stamps as close as real ones
    a, b = workspace(sandbox), workspace(sandbox)
    pa, pb = staff(sandbox, a), staff(sandbox, b)
    async with kantata(sandbox) as (client, _):
        stream = KantataSource(client, CTX).stream("participations")
        reads = stream.read(None)
        passed = await anext(reads)  # workspace a is done
        behind = sandbox.touch("participations", pa, rate_in_cents=1)
        ahead = sandbox.touch("participations", pb, rate_in_cents=2)
        # b answers after a pause: the read lasts longer than the gap
        sandbox.inject(
            Fault(prefix="/api/v1/participations", status=429, retry_after=1.1)
        )
        rest = [page async for page in reads]
        again, _ = await read_all(stream, rest[-1].cursor)
    assert [r.source_id for r in passed.records] == [pa]
    assert [r.source_id for p in rest for r in p.records] == [pb]
    assert rest[-1].cursor is not None
    assert rest[-1].cursor <= behind["updated_at"] < ahead["updated_at"]  # one tz
    fresh = [r for r in again if r.event_id.endswith(behind["updated_at"])]
    assert [r.source_id for r in fresh] == [pa]
