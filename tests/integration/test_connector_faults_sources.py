"""Vendor faults on the PSA sources of a running hub built from settings (Harvest, Kantata).

The hub is built as an operator configures it: ``connectors.psa`` names the
vendor, ``approved_time.sources`` pulls it every ``pull_seconds`` (started by
:meth:`Hub.start`, shown in ``hub.pulls``) into the generic ERP sandbox. The
PSA's sandbox answers one time-entry page with a fault:

* 503: that pull ends with ``Retriable``, the stored cursor stays where the
  last durable page left it, and the next pull finishes: every approved entry
  is posted exactly once (the re-read page is answered from the inbox);
* 429 with ``Retry-After``: the source's account limiter pauses, no request
  starts before the pause ends, and the pull then succeeds.

The fault hits the *second* page request of a pull for Harvest (``per_page``
2; a pass-through fault, one with no effect, lets the first through) and
the first for Kantata (one page of 200 holds every entry).

Timing: a pull runs at start and then every :data:`EVERY` seconds; the state
between two pulls is read in the gap (``hub.pulls[...].runs`` tells which
pull ended), and each check fails loudly if the next pull already began.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from baton.connectors.harvest.sandbox import HarvestSandbox
from baton.connectors.kantata.sandbox import KantataSandbox
from baton.connectors.sandbox import Fault, VendorSandbox
from tests.conftest import hub_settings, running_hub
from tests.integration.flow_helpers import eventually

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from pathlib import Path

    from baton.bootstrap import Hub
    from baton.connectors.generic_rest.sandbox import ErpSandbox
    from baton.workflows.time_pull import PullStatus

KINDS = ("harvest", "kantata")
EVERY = 0.4  # approved_time.pull_seconds
RETRY_AFTER = 0.5


@dataclass
class Psa:
    """A running PSA sandbox, its settings, and how to seed and probe it."""

    sandbox: VendorSandbox
    connector: dict[str, Any]  # connectors.psa in baton.yaml
    account: str  # the limiter key the catalog gives this connector
    entries: str  # path of the time-entry list (the faults' prefix)
    before_fault: int  # page requests let through before the fault
    worker: str  # canonical worker id of the person booking time
    project: str  # canonical project code of the entries
    add: Callable[[bool], str]  # add an entry (approved?); its canonical id
    stream: str = "time_entries"

    def page_requests(self) -> int:
        """Time-entry page requests the sandbox answered (faulted ones included)."""
        return self.sandbox.state.requests[f"GET {self.entries}"]

    def inject(self, status: int, retry_after: float | None = None) -> None:
        """Let ``before_fault`` page requests through, then answer ``status``."""
        for _ in range(self.before_fault):
            self.sandbox.inject(Fault(prefix=self.entries))  # no effect
        self.sandbox.inject(
            Fault(prefix=self.entries, status=status, retry_after=retry_after)
        )


@asynccontextmanager
async def harvest() -> AsyncIterator[Psa]:
    """Harvest with a personal access token; approved = closed; two per page."""
    sandbox = HarvestSandbox()
    user = sandbox.add_user("Ada", "Lovelace")
    project = sandbox.add_project("PRJ-H")
    days = iter(range(1, 29))

    def add(approved: bool) -> str:
        raw = sandbox.add_time_entry(
            user, project, spent_date=f"2026-11-{next(days):02d}",
            hours=2.5, is_closed=approved,
        )  # fmt: skip
        return f"harvest:time_entry:{raw['id']}"

    async with sandbox.serving() as base:
        yield Psa(
            sandbox,
            {"kind": "harvest", "url": f"{base}/v2", "account_id": "42",
             "token": "pat-1", "per_page": 2, "timeout_seconds": 5.0},
            "harvest:42",
            "/v2/time_entries",
            1,
            f"harvest:user:{user['id']}",
            "PRJ-H",
            add,
        )  # fmt: skip


@asynccontextmanager
async def kantata() -> AsyncIterator[Psa]:
    """Kantata with an OAuth client; the workspace mapped to a code in the settings."""
    sandbox = KantataSandbox()
    user = sandbox.add("users", full_name="Ada Lovelace")
    ws = sandbox.add("workspaces", title="Rollout", archived=False, currency="USD")
    days = iter(range(1, 29))

    def add(approved: bool) -> str:
        raw = sandbox.add_time_entry(
            workspace_id=ws["id"], user_id=user["id"],
            date_performed=f"2026-11-{next(days):02d}", time_in_minutes=150,
            approved=approved,
        )  # fmt: skip
        return f"kantata:time_entry:{raw['id']}"

    async with sandbox.serving() as base:
        yield Psa(
            sandbox,
            {"kind": "kantata", "url": base, "account_id": "7",
             "client_id": "baton", "client_secret": "secret",
             "token_url": f"{base}/oauth/token", "timeout_seconds": 5.0,
             "project_codes": {str(ws["id"]): "PRJ-K"}},
            "kantata:7",
            "/api/v1/time_entries.json",
            0,
            f"kantata:user:{user['id']}",
            "PRJ-K",
            add,
        )  # fmt: skip


PSAS = {"harvest": harvest, "kantata": kantata}


def write_refdata(folder: Path, psa: Psa) -> Path:
    """The PSA's project and worker, as the generic ERP knows them."""
    folder.mkdir()
    files: dict[str, Any] = {
        "projects.json": {psa.project: {"active": True, "name": "Rollout"}},
        "workers.json": {
            psa.worker: {"erp_employee_id": "EMP-1", "cost_rate": 60, "currency": "USD"}
        },
        "pay_codes.json": {"REG": "PI-1000"},
    }
    for name, doc in files.items():
        (folder / name).write_text(json.dumps(doc), encoding="utf-8")
    return folder


@asynccontextmanager
async def pulling_hub(psa: Psa, erp_url: str, tmp_path: Path) -> AsyncIterator[Hub]:
    """A started hub pulling ``connectors.psa`` every :data:`EVERY` seconds."""
    settings = hub_settings(
        f"sqlite:///{tmp_path / 'baton.db'}",
        erp_url,
        connectors={"psa": psa.connector},
        approved_time={"sources": ["psa"], "pull_seconds": EVERY},
    )
    async with running_hub(settings, write_refdata(tmp_path / "ref", psa)) as hub:
        assert hub.sources["psa"].name == "psa"
        yield hub


async def ended(status: PullStatus, runs: int) -> str | None:
    """Wait until pull number ``runs`` has ended; the error that ended it."""
    await eventually(lambda: status.runs >= runs, timeout=5.0)
    assert status.runs == runs, f"pull {runs + 1} already ran: poll too late"
    return status.last_error


async def posted_once(erp: ErpSandbox, ids: list[str]) -> None:
    """Every id in the ERP exactly once, nothing else."""
    await eventually(lambda: set(erp.posts) >= set(ids), timeout=5.0)
    assert erp.posts == Counter(ids)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_503_ends_the_pull_at_the_last_durable_page_and_the_next_pull_finishes(
    kind: str, tmp_path: Path, erp: tuple[ErpSandbox, str]
) -> None:
    erp_sandbox, erp_url = erp
    async with PSAS[kind]() as psa:
        first = [psa.add(True) for _ in range(3)]
        psa.add(False)  # not approved: skipped
        async with pulling_hub(psa, erp_url, tmp_path) as hub:
            status = hub.pulls["psa"]
            # pull 1 at start: everything, the cursor stored
            assert await ended(status, 1) is None
            durable = hub.store.get_cursor("psa", psa.stream)
            assert durable is not None
            requests = psa.page_requests()

            # before pull 2: more approved time, and the fault
            later = [psa.add(True) for _ in range(3)]
            psa.inject(503)
            error = await ended(status, 2)
            assert error is not None
            assert error.startswith("Retriable"), error
            assert "503" in error
            assert psa.page_requests() == requests + psa.before_fault + 1
            assert hub.store.get_cursor("psa", psa.stream) == durable

            # pull 3 reads from the durable cursor to the end
            assert await ended(status, 3) is None
            assert hub.store.get_cursor("psa", psa.stream) != durable
            await posted_once(erp_sandbox, first + later)
            assert not psa.sandbox.faults
            assert hub.store.list_quarantine() == []


@pytest.mark.parametrize("kind", KINDS)
async def test_a_429_pauses_the_source_account_and_the_pull_then_succeeds(
    kind: str, tmp_path: Path, erp: tuple[ErpSandbox, str]
) -> None:
    erp_sandbox, erp_url = erp
    async with PSAS[kind]() as psa:
        approved = [psa.add(True) for _ in range(4)]
        psa.add(False)
        psa.inject(429, RETRY_AFTER)
        began = time.monotonic()
        async with pulling_hub(psa, erp_url, tmp_path) as hub:
            limiter = hub.limiters.get(psa.account)
            status = hub.pulls["psa"]

            await eventually(lambda: limiter.paused_until > began, timeout=5.0)
            paused = limiter.paused_until
            assert not psa.sandbox.faults  # the 429 was answered
            # a pause as long as Retry-After, counted from the 429's answer
            assert paused - began >= RETRY_AFTER
            await eventually(lambda: status.runs >= 1 and status.last_error is None)
            await posted_once(erp_sandbox, approved)

        starts = psa.sandbox.state.starts
        assert not [s for s in starts if paused - RETRY_AFTER <= s < paused], (
            paused,
            starts,
        )
        assert len([s for s in starts if s >= paused]) >= 1  # read after the pause
        assert psa.page_requests() >= psa.before_fault + 2  # the 429 and after it
        assert limiter.paused_until == paused  # no further 429
