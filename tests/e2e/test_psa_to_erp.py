"""Approved time from each PSA connector into each ERP connector, end to end.

One test, parametrized over the pairs (Harvest or Kantata → NetSuite, Xero or
a real Tryton 8.2): the PSA sandbox holds approved entries, one not approved
(skipped) and one booked to a project that is closed in Baton's reference data
(quarantined, ``project.inactive``). The hub pulls the PSA's time-entry stream
into the approved-time flow with the ERP connector as its only target; then an
ambiguous write (the answer lost after the ERP stored the entry) and a re-pull
from an empty cursor must leave every approved entry in the ERP exactly once.

Each side is a small factory: a PSA factory yields the stream and the
canonical ids it produces; an ERP factory yields the reference data the target
needs, a way to count what the ERP holds per Baton entry id, and a switch that
makes its next write ambiguous.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import time
import uuid
from collections import Counter
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from baton.connectors.harvest.client import HarvestClient
from baton.connectors.harvest.connector import HarvestSource
from baton.connectors.harvest.mapping import HarvestAccount
from baton.connectors.harvest.sandbox import HarvestSandbox
from baton.connectors.http import OAuth2ClientCredentials
from baton.connectors.kantata.client import KantataClient
from baton.connectors.kantata.connector import KantataSource
from baton.connectors.kantata.mapping import KantataContext
from baton.connectors.kantata.sandbox import KantataSandbox
from baton.connectors.netsuite.client import RECORD_PATH, NetSuiteClient
from baton.connectors.netsuite.connector import NetSuiteTarget
from baton.connectors.netsuite.sandbox import NetSuiteSandbox
from baton.connectors.sandbox import Fault, VendorSandbox
from baton.connectors.tryton import TrytonClient, TrytonTarget
from baton.connectors.xero.client import PROJECTS
from baton.connectors.xero.connector import XeroTarget
from baton.connectors.xero.mapping import entry_id_of
from baton.connectors.xero.sandbox import XeroSandbox
from baton.engine.errors import Ambiguous
from baton.workflows.time_pull import pull_time_entries
from tests.conftest import hub_settings
from tests.e2e.helpers import hub_with_targets
from tests.integration import tryton_server

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
    from pathlib import Path

    from baton.bootstrap import Hub
    from baton.connectors.base import Stream, Target
    from baton.store.ports import DeliveryRow

SOURCES = ("harvest", "kantata")
TARGETS = ("netsuite", "xero", "tryton")
DAYS = [dt.date(2026, 11, 2) + dt.timedelta(days=i) for i in range(6)]
APPROVED_HOURS = ("7.5", "1.25", "3")  # quarter hours: the flow's precision


# -- the PSA side -------------------------------------------------------------
@dataclass
class Psa:
    """A seeded PSA: its stream, and the canonical ids the stream produces."""

    source: str
    stream: Stream
    worker: str  # canonical worker id of the one person booking time
    approved: list[str]  # canonical entry ids, approved, active project
    pending: str  # not approved: skipped by the pull
    closed: str  # approved, but its project is inactive in Baton
    add_approved: Callable[[], str]  # one more approved entry; its canonical id


@asynccontextmanager
async def harvest(active: str, inactive: str) -> AsyncIterator[Psa]:
    """Harvest: approved = closed by Timesheet Approval; pending = locked only."""
    sandbox = HarvestSandbox()
    user = sandbox.add_user("Ada", "Lovelace")
    open_p, closed_p = sandbox.add_project(active), sandbox.add_project(inactive)

    def entry(project: dict[str, Any], day: dt.date, hours: str, **over: Any) -> str:
        raw = sandbox.add_time_entry(
            user, project, spent_date=day.isoformat(), hours=float(hours), **over
        )
        return f"harvest:time_entry:{raw['id']}"

    approved = [
        entry(open_p, DAYS[i], h, is_closed=True) for i, h in enumerate(APPROVED_HOURS)
    ]
    pending = entry(open_p, DAYS[3], "2", is_locked=True)  # submitted
    closed = entry(closed_p, DAYS[3], "4", is_closed=True)
    account = HarvestAccount(currency="USD", legal_entity_id="LE", cost_center_id="CC")
    async with sandbox.serving() as base:
        source = HarvestSource(
            HarvestClient("pat-1", "42", base_url=f"{base}/v2"), account, per_page=2
        )
        try:
            yield Psa(
                "harvest",
                source.stream("time_entries"),
                f"harvest:user:{user['id']}",
                approved,
                pending,
                closed,
                lambda: entry(open_p, DAYS[5], "2.5", is_closed=True),
            )
        finally:
            await source.close()


@asynccontextmanager
async def kantata(active: str, inactive: str) -> AsyncIterator[Psa]:
    """Kantata: approved = ``approved``; pending = in an open submission."""
    sandbox = KantataSandbox()
    user = sandbox.add("users", full_name="Ada Lovelace")
    ws_open, ws_closed = (
        sandbox.add("workspaces", title=code, archived=False, currency="USD")
        for code in (active, inactive)
    )

    def entry(ws: dict[str, Any], day: dt.date, hours: str, **over: Any) -> str:
        raw = sandbox.add_time_entry(
            workspace_id=ws["id"],
            user_id=user["id"],
            date_performed=day.isoformat(),
            time_in_minutes=int(float(hours) * 60),
            **over,
        )
        return f"kantata:time_entry:{raw['id']}"

    approved = [
        entry(ws_open, DAYS[i], h, approved=True) for i, h in enumerate(APPROVED_HOURS)
    ]
    pending = entry(ws_open, DAYS[3], "2", active_submission_id="77")
    closed = entry(ws_closed, DAYS[3], "4", approved=True)
    ctx = KantataContext(
        project_codes={ws_open["id"]: active, ws_closed["id"]: inactive}
    )
    async with sandbox.serving() as base, httpx.AsyncClient() as token_http:
        tokens = OAuth2ClientCredentials(
            f"{base}/oauth/token", "baton", "secret", http=token_http
        )
        client = KantataClient(base, tokens=tokens, timeout=5.0)
        stream = KantataSource(client, ctx).stream("time_entries")
        stream.per_page = 2
        try:
            yield Psa(
                "kantata",
                stream,
                ctx.worker(user["id"]),
                approved,
                pending,
                closed,
                lambda: entry(ws_open, DAYS[5], "2.5", approved=True),
            )
        finally:
            await client.close()


# -- the ERP side -------------------------------------------------------------
@dataclass
class Erp:
    """A running ERP: the target, what reference data must say, how to probe it."""

    target: Target
    employee: str  # the worker's erp_employee_id
    posted: Callable[[], Awaitable[Counter[str]]]  # Baton entry id → records
    make_next_write_ambiguous: Callable[[], None]
    fault_fired: Callable[[], bool]
    lookups: Callable[[], int]  # how often the target looked an entry up
    worker_refs: dict[str, str] = field(default_factory=dict)
    project_refs: dict[str, str] = field(default_factory=dict)


@asynccontextmanager
async def netsuite(
    active: str, _: tryton_server.TrytonServer | None
) -> AsyncIterator[Erp]:
    """NetSuite sandbox; the entry id is the time bill's ``externalId``."""
    sandbox = NetSuiteSandbox()

    async def posted() -> Counter[str]:
        return Counter(str(r["externalId"]) for r in sandbox.table("timeBill").values())

    def arm() -> None:
        sandbox.inject(Fault(prefix=f"{RECORD_PATH}/timeBill", reset_after_commit=True))

    async with sandbox.serving() as base:
        client = NetSuiteClient(
            base, client_id="baton", client_secret="secret", timeout=5.0
        )
        yield Erp(
            NetSuiteTarget(client, account="TSTDRV1"),  # the hub closes it
            "57",
            posted,
            arm,
            lambda: not sandbox.faults,
            lambda: requests(sandbox, f"GET {RECORD_PATH}/timeBill/eid:"),
        )


@asynccontextmanager
async def xero(active: str, _: tryton_server.TrytonServer | None) -> AsyncIterator[Erp]:
    """Xero sandbox; the entry id is the ``[baton:<id>]`` marker."""
    sandbox = XeroSandbox()
    project, task, user = (str(uuid.uuid4()) for _ in range(3))

    async def posted() -> Counter[str]:
        return Counter(
            str(entry_id_of(e["description"]))
            for e in sandbox.time_entries
            if e["projectId"] == project
        )

    def arm() -> None:
        prefix = f"{PROJECTS}/Projects/{project}/Time"
        sandbox.inject(Fault(prefix=prefix, reset_after_commit=True))

    async with sandbox.serving() as base:
        target = XeroTarget(
            base,
            "tenant-1",
            client_id="baton",
            client_secret="secret",
            token_url=f"{base}/connect/token",
            timeout=5.0,
        )
        yield Erp(
            target,
            user,
            posted,
            arm,
            lambda: not sandbox.faults,
            lambda: requests(sandbox, f"GET {PROJECTS}/Projects/{project}/Time"),
            worker_refs={"user": user},
            project_refs={"project": project, "task": task},
        )


def requests(sandbox: VendorSandbox, prefix: str) -> int:
    """Requests the sandbox answered whose ``METHOD path`` starts with ``prefix``."""
    return sum(n for k, n in sandbox.state.requests.items() if k.startswith(prefix))


class FlakyTryton(TrytonTarget):
    """Loses the answer of the next ``armed`` writes after Tryton stored them."""

    armed = 0
    lookups = 0

    async def lookup(self, delivery: DeliveryRow) -> str | None:
        self.lookups += 1
        return await super().lookup(delivery)

    async def apply(self, delivery: DeliveryRow) -> str:
        line_id = await super().apply(delivery)
        if self.armed:
            self.armed -= 1
            raise Ambiguous(f"answer lost after line {line_id} was created")
        return line_id


@asynccontextmanager
async def tryton(
    active: str, server: tryton_server.TrytonServer | None
) -> AsyncIterator[Erp]:
    """The real Tryton: an employee, and a bookable project named ``active``."""
    assert server is not None
    login = (server.base_url, server.database, server.login, server.password)
    rpc = TrytonClient(*login)
    try:
        await rpc.login()
        company = rpc.context["company"]
        (party,) = await rpc.call("party.party.create", [{"name": f"Ada {active}"}])
        staff = {"party": party, "company": company, "start_date": dt.date(2025, 1, 1)}
        (employee,) = await rpc.call("company.employee.create", [staff])
        project = {"name": active, "type": "project", "company": company}
        (work_id,) = await rpc.call(
            "project.work.create", [{**project, "timesheet_available": True}]
        )
        (row,) = await rpc.call("project.work.read", [work_id], ["timesheet_works"])
        (work,) = row["timesheet_works"]

        async def posted() -> Counter[str]:
            rows = await rpc.call(
                "timesheet.line.search_read",
                [("work", "=", work)],
                0,
                None,
                None,
                ["description"],
            )
            return Counter(str(r["description"]).removeprefix("baton:") for r in rows)

        target = FlakyTryton(*login, timeout=10)

        def arm() -> None:
            target.armed = 1

        yield Erp(
            target,
            str(employee),
            posted,
            arm,
            lambda: target.armed == 0,
            lambda: target.lookups,
        )
    finally:
        await rpc.close()


ERPS = {"netsuite": netsuite, "xero": xero, "tryton": tryton}
PSAS = {"harvest": harvest, "kantata": kantata}


@pytest.fixture(scope="session")
def tryton_session() -> Iterator[tryton_server.TrytonServer]:
    """A real trytond for this module (as ``tests/integration/conftest.py``)."""
    try:
        server = tryton_server.start()
    except Exception as exc:
        if os.environ.get("BATON_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Tryton is required (BATON_REQUIRE_SERVICES=1): {exc}")
        pytest.skip(f"Tryton unavailable and BATON_REQUIRE_SERVICES unset: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def erp_server(request: pytest.FixtureRequest) -> tryton_server.TrytonServer | None:
    """The Tryton server for the Tryton pairs (started only when one runs)."""
    if request.node.callspec.params["target"] != "tryton":
        return None
    server: tryton_server.TrytonServer = request.getfixturevalue("tryton_session")
    return server


# -- the flow -----------------------------------------------------------------
def write_refdata(folder: Path, psa: Psa, erp: Erp, active: str, inactive: str) -> None:
    """Projects (one closed), the PSA's worker as the ERP's employee, pay codes."""
    folder.mkdir()
    files: dict[str, Any] = {
        "projects.json": {
            active: {"active": True, "name": active, "refs": erp.project_refs},
            inactive: {"active": False, "name": inactive},
        },
        "workers.json": {
            psa.worker: {
                "erp_employee_id": erp.employee,
                "cost_rate": 60,
                "currency": "USD",
                "refs": erp.worker_refs,
            }
        },
        "pay_codes.json": {"REG": "PI-1000"},
    }
    for name, doc in files.items():
        (folder / name).write_text(json.dumps(doc), encoding="utf-8")


async def settle(hub: Hub, confirmed: int, timeout: float = 15.0) -> None:
    """Wait until ``confirmed`` deliveries are confirmed and none is in flight."""
    deadline = time.monotonic() + timeout
    while True:
        states = hub.store.counts()["deliveries"]
        if states.get("confirmed", 0) >= confirmed and set(states) <= {"confirmed"}:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"deliveries did not settle: {states}")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("source", SOURCES)
async def test_approved_time_flows_from_psa_to_erp_exactly_once(
    source: str,
    target: str,
    erp_server: tryton_server.TrytonServer | None,
    tmp_path: Path,
) -> None:
    tag = uuid.uuid4().hex[:8]
    active, inactive = f"PRJ-{tag}", f"OLD-{tag}"  # unique in the shared Tryton
    settings = hub_settings(
        f"sqlite:///{tmp_path / 'baton.db'}", "http://127.0.0.1:9/x"
    )
    async with AsyncExitStack() as stack:
        psa = await stack.enter_async_context(PSAS[source](active, inactive))
        erp = await stack.enter_async_context(ERPS[target](active, erp_server))
        write_refdata(tmp_path / "ref", psa, erp, active, inactive)
        hub = await stack.enter_async_context(
            hub_with_targets(settings, tmp_path / "ref", {"erp": erp.target})
        )

        async def pull() -> Any:
            return await pull_time_entries(
                psa.stream, hub.time_entries, hub.store, source=psa.source
            )

        # 1. approved entries posted once; pending skipped; closed project held
        first = await pull()
        await settle(hub, len(psa.approved))
        assert first.skipped == 1
        assert first.outcomes == {"accepted": len(psa.approved), "rejected": 1}
        assert await erp.posted() == Counter(psa.approved)
        assert psa.pending not in await erp.posted()
        held = [
            (q.canonical_id, q.rule, q.owner_team) for q in hub.store.list_quarantine()
        ]
        assert held == [(psa.closed, "project.inactive", "delivery_ops")]
        assert erp.lookups() == 0  # no doubt yet

        # 2. a new entry whose write is ambiguous: settled by lookup, not resent
        late = psa.add_approved()
        erp.make_next_write_ambiguous()
        second = await pull()
        await settle(hub, len(psa.approved) + 1)
        assert erp.fault_fired()
        assert erp.lookups() >= 1  # the lost answer was settled by a lookup
        assert second.outcomes["accepted"] == 1
        assert await erp.posted() == Counter([*psa.approved, late])

        # 3. everything read again from an empty cursor: nothing new is posted
        hub.store.put_cursor(psa.source, psa.stream.name, None)
        replay = await pull()
        await settle(hub, len(psa.approved) + 1)
        assert replay.skipped == 1
        assert replay.outcomes == {"duplicate": len(psa.approved) + 1, "rejected": 1}
        assert await erp.posted() == Counter([*psa.approved, late])
        assert hub.store.counts()["deliveries"] == {"confirmed": len(psa.approved) + 1}
        assert len(hub.store.list_quarantine()) == 1
