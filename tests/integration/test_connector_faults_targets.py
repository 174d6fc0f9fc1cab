"""Vendor faults on the ERP targets of a hub built from settings (Xero, NetSuite).

The hub is built as an operator configures it: ``connectors`` names the
vendor, ``approved_time.target`` makes it the approved-time target, and the
catalog builds it with its account's limiter (``hub.limiters``); retries are
kept short through ``RetrySettings``. Reference data is loaded into the
hub's store, and approved entries go through the flow as the API hands them
over. The target's sandbox then answers the first create with a fault:

* 503: the delivery is retried and posted; one record in the ERP;
* 429 with ``Retry-After``: the account's limiter pauses, and no create (the
  retry, nor another worker's entry in its own lane) starts before the pause
  ends; one record per entry;
* 400: the entry is quarantined with the vendor's message; nothing posted,
  nothing retried.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from baton.config import BreakerSettings, RetrySettings, Settings
from baton.connectors.netsuite.client import RECORD_PATH
from baton.connectors.netsuite.sandbox import NetSuiteSandbox
from baton.connectors.sandbox import Fault, VendorSandbox
from baton.connectors.xero.client import PROJECTS
from baton.connectors.xero.mapping import entry_id_of
from baton.connectors.xero.sandbox import XeroSandbox
from tests.conftest import running_hub
from tests.integration.flow_helpers import entry, eventually, send

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from pathlib import Path

    from baton.bootstrap import Hub

KINDS = ("xero", "netsuite")
RETRY_AFTER = 0.5


@dataclass
class Erp:
    """A running ERP sandbox and what the hub's settings and reference data say."""

    sandbox: VendorSandbox
    connector: dict[str, Any]  # connectors.erp in baton.yaml
    account: str  # the limiter key the catalog gives this connector
    create: str  # path of the create request (the faults' prefix)
    employee: str  # the workers' erp_employee_id
    posted: Callable[[], Counter[str]]  # Baton entry id -> records in the ERP
    worker_refs: dict[str, str]
    project_refs: dict[str, str]

    def creates(self) -> int:
        """Create requests the sandbox answered (faulted ones included)."""
        key = f"POST {self.create}"
        return sum(n for k, n in self.sandbox.state.requests.items() if k == key)


@asynccontextmanager
async def xero() -> AsyncIterator[Erp]:
    """Xero Projects: the entry id travels as the description's marker."""
    sandbox = XeroSandbox()
    project, task, user = (str(uuid.uuid4()) for _ in range(3))
    async with sandbox.serving() as base:
        yield Erp(
            sandbox,
            {"kind": "xero", "url": base, "tenant_id": "tenant-1",
             "client_id": "baton", "client_secret": "secret",
             "token_url": f"{base}/connect/token", "timeout_seconds": 5.0},
            "xero:tenant-1",
            f"{PROJECTS}/Projects/{project}/Time",
            user,
            lambda: Counter(
                str(entry_id_of(e["description"])) for e in sandbox.time_entries
            ),
            {"user": user},
            {"project": project, "task": task},
        )  # fmt: skip


@asynccontextmanager
async def netsuite() -> AsyncIterator[Erp]:
    """NetSuite REST records: the entry id is the time bill's ``externalId``."""
    sandbox = NetSuiteSandbox()
    async with sandbox.serving() as base:
        yield Erp(
            sandbox,
            {"kind": "netsuite", "url": base, "account_id": "TSTDRV1",
             "client_id": "baton", "client_secret": "secret",
             "timeout_seconds": 5.0},
            "netsuite:TSTDRV1",
            f"{RECORD_PATH}/timeBill",
            "57",
            lambda: Counter(
                str(r["externalId"]) for r in sandbox.table("timeBill").values()
            ),
            {},
            {},
        )  # fmt: skip


ERPS = {"xero": xero, "netsuite": netsuite}


def write_refdata(folder: Path, erp: Erp) -> Path:
    """PRJ-0001 and two workers (two lanes) booked to the ERP's records."""
    folder.mkdir()
    worker = {
        "erp_employee_id": erp.employee,
        "cost_rate": 60,
        "currency": "USD",
        "refs": erp.worker_refs,
    }
    files: dict[str, Any] = {
        "projects.json": {
            "PRJ-0001": {"active": True, "name": "Rollout", "refs": erp.project_refs}
        },
        "workers.json": {"W00001": worker, "W00002": worker},
        "pay_codes.json": {"REG": "PI-1000"},
    }
    for name, doc in files.items():
        (folder / name).write_text(json.dumps(doc), encoding="utf-8")
    return folder


@asynccontextmanager
async def configured_hub(kind: str, tmp_path: Path) -> AsyncIterator[tuple[Hub, Erp]]:
    """A started hub whose approved-time target is built from ``connectors``."""
    async with ERPS[kind]() as erp:
        settings = Settings(
            store=f"sqlite:///{tmp_path / 'baton.db'}",
            connectors={"erp": erp.connector},
            approved_time={"target": "erp"},
            retry=RetrySettings(
                base_seconds=0.05, cap_seconds=0.2, horizon_seconds=10.0
            ),
            breaker=BreakerSettings(failure_threshold=50, reset_seconds=0.2),
            wait_timeout_seconds=10.0,
            poll_seconds=0.1,
        )
        refdata = write_refdata(tmp_path / "ref", erp)
        async with running_hub(settings, refdata) as hub:
            target = hub.targets["erp"]
            assert type(target).__name__.lower().startswith(kind)
            assert target.account == erp.account
            yield hub, erp


@pytest.mark.parametrize("kind", KINDS)
async def test_a_503_on_create_is_retried_and_posted_once(
    kind: str, tmp_path: Path
) -> None:
    async with configured_hub(kind, tmp_path) as (hub, erp):
        erp.sandbox.inject(Fault(prefix=erp.create, status=503))

        answer = await send(hub, entry("T-503"))

        assert answer.outcome == "posted", answer
        assert not erp.sandbox.faults  # the 503 was answered
        assert erp.creates() == 2  # the 503, then the retry
        assert erp.posted() == Counter(["T-503"])
        assert hub.store.list_quarantine() == []


@pytest.mark.parametrize("kind", KINDS)
async def test_a_429_pauses_the_account_and_nothing_starts_before_it_ends(
    kind: str, tmp_path: Path
) -> None:
    async with configured_hub(kind, tmp_path) as (hub, erp):
        limiter = hub.limiters.get(erp.account)
        erp.sandbox.inject(
            Fault(prefix=erp.create, status=429, retry_after=RETRY_AFTER)
        )
        sent = time.monotonic()
        first = asyncio.ensure_future(send(hub, entry("T-429")))

        await eventually(lambda: limiter.paused_until > sent)
        paused = limiter.paused_until
        assert paused - sent >= RETRY_AFTER - 0.05  # Retry-After, not less
        # another worker's entry (its own lane) while the account is paused
        assert time.monotonic() < paused - 0.1, "the pause ended before the check"
        other = await send(hub, entry("T-other", worker_id="W00002"))

        assert (await first).outcome == "posted"
        assert other.outcome == "posted"
        assert erp.creates() == 3  # the 429, the retry, the other entry
        started = [s for s in erp.sandbox.state.starts if s >= sent]
        assert len(started) == 2  # a faulted request never starts
        assert min(started) >= paused, (paused, started)
        assert erp.posted() == Counter(["T-429", "T-other"])


@pytest.mark.parametrize("kind", KINDS)
async def test_a_400_quarantines_the_entry_with_the_vendors_message(
    kind: str, tmp_path: Path
) -> None:
    async with configured_hub(kind, tmp_path) as (hub, erp):
        erp.sandbox.inject(Fault(prefix=erp.create, status=400))

        answer = await send(hub, entry("T-400"))

        assert answer.outcome == "rejected", answer
        held = await eventually(hub.store.list_quarantine)
        assert [(q.canonical_id, q.rule) for q in held] == [
            ("T-400", f"{kind}.rejected")
        ]
        assert "HTTP 400: injected 400" in held[0].reason, held[0].reason
        assert held[0].reason.startswith("erp rejected it: ")
        await asyncio.sleep(0.2)  # a retry would have come by now (base 0.05 s)
        assert erp.creates() == 1
        assert erp.posted() == Counter()
        assert hub.store.counts()["deliveries"] == {"quarantined": 1}
