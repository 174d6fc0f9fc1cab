"""Workday termination dates from a RaaS custom report, against the sandbox."""

from __future__ import annotations

import datetime as dt

import pytest

from baton.connectors.sandbox import Fault
from baton.connectors.workday import raas
from baton.connectors.workday.client import WorkdayClient
from baton.connectors.workday.connector import WorkdaySource
from baton.connectors.workday.raas_client import RaasClient
from baton.connectors.workday.sandbox import WorkdaySandbox
from baton.engine.errors import Fatal, Invalid, Retriable
from baton.model.common import WorkerType

OWNER, REPORT = "ISU_Baton", "Baton_Terminations"
RAAS = f"/ccx/service/customreport2/acme/{OWNER}/{REPORT}"


def seeded() -> WorkdaySandbox:
    sandbox = WorkdaySandbox()
    for i in range(1, 5):
        sandbox.put(
            f"w{i}",
            first=f"Ånne-{i}",
            last="Nguyễn",
            hire_date="2023-12-31",
            contingent=i == 4,
        )
    return sandbox


def source(
    base: str, fields: raas.FieldMap | None = None, **report: object
) -> WorkdaySource:
    client = WorkdayClient(base, "acme", "baton", "secret", refresh_token="refresh-1")
    extra = report or {"tokens": client.tokens}
    rc = RaasClient(base, "acme", OWNER, REPORT, **extra)  # type: ignore[arg-type]
    return WorkdaySource(client, page_size=2, report=rc, fields=fields)


async def read(src: WorkdaySource, stream: str = "workers", cursor: str | None = None):
    target = src.workers if stream == "workers" else src.contingent_workers
    pages = [page async for page in target.read(cursor)]
    return {r.source_id: r for p in pages for r in p.records}, pages


async def test_termination_dates_land_on_workers_and_absent_ones_still_come():
    sandbox = seeded()
    gone = sandbox.report_entry("w3", "2024-06-30-07:00", Email_Address="w3@x.test")
    ended = sandbox.report_entry("w4", "2024-12-31")
    sandbox.raas.put(
        OWNER,
        REPORT,
        [
            sandbox.report_entry("w1", "2025-01-31"),  # future, still listed
            sandbox.report_entry("w2", None),  # active: no termination
            gone,
            ended,
        ],
    )
    del sandbox.workers["w3"], sandbox.workers["w4"]  # REST lists active ones
    async with sandbox.serving() as base:
        src = source(base)
        try:
            workers, pages = await read(src)
            contingent, _ = await read(src, "contingent_workers")
        finally:
            await src.close()
    assert sorted(workers) == ["w1", "w2", "w3"]
    assert workers["w1"].data.termination_date == dt.date(2025, 1, 31)
    assert workers["w2"].data.termination_date is None
    w3 = workers["w3"].data
    assert (w3.termination_date, w3.hire_date) == (
        dt.date(2024, 6, 30),  # the offset suffix dropped, the day kept
        dt.date(2023, 12, 31),
    )
    assert (w3.given_name, w3.email, w3.id) == (
        "Ånne-3",
        "w3@x.test",
        "workday:worker:w3",
    )
    assert "w3" in {r.source_id for r in pages[-1].records}  # in the last page
    assert list(contingent) == ["w4"]
    assert contingent["w4"].data.worker_type is WorkerType.CONTRACTOR
    assert contingent["w4"].data.termination_date == dt.date(2024, 12, 31)
    # one report read per stream read, always as JSON
    assert [q for *_, q in sandbox.raas.requests] == [{"format": "json"}] * 2


async def test_a_changed_termination_date_is_a_new_event_and_an_unchanged_one_dedupes():
    sandbox = seeded()
    sandbox.raas.put(OWNER, REPORT, [sandbox.report_entry("w1", "2025-01-31")])
    async with sandbox.serving() as base:
        src = source(base)
        try:
            first, _ = await read(src)
            again, _ = await read(src)
            sandbox.raas.put(OWNER, REPORT, [sandbox.report_entry("w1", "2025-02-28")])
            moved, _ = await read(src)
            sandbox.raas.put(OWNER, REPORT, [])
            withdrawn, _ = await read(src)
        finally:
            await src.close()
    assert again["w1"].event_id == first["w1"].event_id
    assert again["w2"].event_id == first["w2"].event_id
    assert moved["w1"].event_id != first["w1"].event_id
    assert moved["w1"].data.termination_date == dt.date(2025, 2, 28)
    assert moved["w2"].event_id == first["w2"].event_id  # others untouched
    assert withdrawn["w1"].data.termination_date is None
    assert withdrawn["w1"].event_id not in {first["w1"].event_id, moved["w1"].event_id}


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        (raas.FieldMap(employee_id="Worker_ID", wid=None), "'Worker_ID'"),
        (
            raas.FieldMap(termination_date="Term_Date", last_day_of_work=None),
            "Term_Date",
        ),
    ],
)
async def test_a_field_map_the_report_lacks_is_fatal_naming_the_column(fields, named):
    sandbox = seeded()
    sandbox.raas.put(OWNER, REPORT, [sandbox.report_entry("w1", "2025-01-31")])
    async with sandbox.serving() as base:
        src = source(base, fields)
        try:
            with pytest.raises(Fatal) as refused:
                await read(src)
        finally:
            await src.close()
    assert named in refused.value.message
    assert "raas_fields" in refused.value.message


async def test_a_5xx_from_the_report_is_retriable_and_the_next_read_succeeds():
    sandbox = seeded()
    sandbox.raas.put(OWNER, REPORT, [sandbox.report_entry("w1", "2025-01-31")])
    sandbox.inject(Fault(prefix=RAAS, status=502))
    async with sandbox.serving() as base:
        src = source(base)
        try:
            with pytest.raises(Retriable) as failed:
                await read(src)
            workers, _ = await read(src)
        finally:
            await src.close()
    assert failed.value.status == 502
    assert workers["w1"].data.termination_date == dt.date(2025, 1, 31)
    assert sandbox.state.requests[f"GET {RAAS}"] == 2


async def test_an_expired_token_is_refreshed_for_the_report():
    sandbox = seeded()
    sandbox.raas.put(OWNER, REPORT, [sandbox.report_entry("w1", "2025-01-31")])
    async with sandbox.serving() as base:
        src = source(base)
        try:
            assert src.report is not None
            await src.report.entries()
            sandbox.expire_tokens()
            entries = await src.report.entries()
        finally:
            await src.close()
    assert entries[0]["Termination_Date"] == "2025-01-31"
    assert src.client.tokens.fetched == sandbox.state.tokens_issued == 2
    assert sandbox.state.requests[f"GET {RAAS}"] == 3  # ok, 401, ok


async def test_an_isu_reads_with_basic_auth_and_a_wrong_password_is_fatal():
    sandbox = seeded()
    sandbox.raas.put(OWNER, REPORT, [sandbox.report_entry("w1", "2025-01-31")])
    async with sandbox.serving() as base:
        good = RaasClient(
            base, "acme", OWNER, REPORT, basic=("ISU_Baton@acme", "isu-secret")
        )
        bad = RaasClient(base, "acme", OWNER, REPORT, basic=("ISU_Baton@acme", "nope"))
        try:
            entries = await good.entries()
            with pytest.raises(Fatal) as refused:
                await bad.entries()
        finally:
            await good.close()
            await bad.close()
    assert [e["Workday_ID"] for e in entries] == ["w1"]
    assert refused.value.status == 401
    assert sandbox.state.tokens_issued == 0  # Basic: no token endpoint


async def test_prompts_filter_the_report_and_a_bad_prompt_is_invalid():
    sandbox = seeded()
    sandbox.raas.put(
        OWNER,
        REPORT,
        [
            sandbox.report_entry("w1", "2023-12-31"),
            sandbox.report_entry("w2", "2024-01-01-08:00"),
            sandbox.report_entry("w3", None),
        ],
    )
    async with sandbox.serving() as base:
        client = WorkdayClient(
            base, "acme", "baton", "secret", refresh_token="refresh-1"
        )
        rc = RaasClient(
            base,
            "acme",
            OWNER,
            REPORT,
            tokens=client.tokens,
            prompts={"Start_Date": "2024-01-01"},
        )
        try:
            entries = await rc.entries()
            with pytest.raises(Invalid) as refused:
                await rc.entries({"Effective_Date": "2024-01-01"})
        finally:
            await rc.close()
            await client.close()
    assert [e["Workday_ID"] for e in entries] == ["w2"]
    assert sandbox.raas.requests[0][2] == {"Start_Date": "2024-01-01", "format": "json"}
    assert "Invalid request parameter: Effective_Date" in refused.value.message
