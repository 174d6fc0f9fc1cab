"""The demo's second leg: a Harvest account → Xero, wired as in ``baton.yaml``.

Both vendors are Baton's sandboxes on loopback. The hub is built from the
same ``connectors:``/``approved_time:`` settings an operator writes, pulls
the Harvest account's approved time once (a page at a time, cursor stored)
and posts it as Xero Projects time entries; then it pulls again from an
empty cursor to show that nothing is posted twice. Seeded: the same every run.
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from contextlib import AsyncExitStack
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from baton.bootstrap import build
from baton.config import Settings
from baton.connectors.harvest.sandbox import HarvestSandbox
from baton.connectors.xero.mapping import entry_id_of
from baton.connectors.xero.sandbox import XeroSandbox
from baton.mdm.refdata import load_dir
from baton.store.factory import open_store
from baton.workflows.time_pull import pull_time_entries, time_entry_stream

if TYPE_CHECKING:
    from pathlib import Path

    from baton.bootstrap import Hub

__all__ = ["run_connectors_leg"]

SEED = 20261125
CONSULTANTS = ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson")
PROJECTS = ("ACME-0001", "ACME-0002", "GLOBEX-0001")


def _seed(harvest: HarvestSandbox, folder: Path) -> int:
    """Consultants, projects and three weeks of time; the approved count."""
    rng = random.Random(SEED)
    users = [harvest.add_user(*name.split()) for name in CONSULTANTS]
    projects = [harvest.add_project(code) for code in PROJECTS]
    approved = 0
    for day in range(15):
        spent = (date(2026, 11, 2) + timedelta(days=day)).isoformat()
        for user in users:
            closed = day < 12  # the last three days are not approved yet
            harvest.add_time_entry(
                user, rng.choice(projects), spent_date=spent,
                hours=rng.choice([2.0, 4.0, 6.5, 7.5, 8.0]), is_closed=closed,
            )  # fmt: skip
            approved += closed
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Any] = {
        "projects.json": {
            code: {"active": True, "name": code,
                   "refs": {"project": str(uuid.uuid4()), "task": str(uuid.uuid4())}}
            for code in PROJECTS
        },
        "workers.json": {
            f"harvest:user:{u['id']}": {
                "erp_employee_id": f"EMP-{u['id']}", "cost_rate": 80,
                "currency": "USD", "refs": {"user": str(uuid.uuid4())},
            }
            for u in users
        },
        "pay_codes.json": {"REG": "PI-1000"},
    }  # fmt: skip
    for name, doc in files.items():
        (folder / name).write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return approved


async def _settled(hub: Hub, want: int) -> None:
    for _ in range(600):
        states = hub.store.counts()["deliveries"]
        if states.get("confirmed", 0) >= want and set(states) <= {"confirmed"}:
            return
        await asyncio.sleep(0.05)


async def run_connectors_leg(state_dir: Path) -> dict[str, Any]:
    """Run the leg; its summary (what was pulled, what Xero holds)."""
    harvest, xero = HarvestSandbox(), XeroSandbox()
    approved = _seed(harvest, state_dir / "refdata")
    store_url = f"sqlite:///{state_dir / 'baton.db'}"
    store = open_store(store_url)
    load_dir(store, state_dir / "refdata")
    store.close()
    async with AsyncExitStack() as stack:
        h_url = await stack.enter_async_context(harvest.serving())
        x_url = await stack.enter_async_context(xero.serving())
        settings = Settings(
            store=store_url,
            connectors={
                "psa": {"kind": "harvest", "url": f"{h_url}/v2", "account_id": "42",
                        "token": "pat-1", "per_page": 25},
                "books": {"kind": "xero", "url": x_url, "tenant_id": "tenant-1",
                          "client_id": "baton", "client_secret": "secret",
                          "token_url": f"{x_url}/connect/token"},
            },
            approved_time={"sources": ["psa"], "target": "books"},
        )  # fmt: skip
        hub = build(settings)
        await hub.start(pull=False)
        try:
            stream = time_entry_stream(hub.sources["psa"])
            first = await pull_time_entries(
                stream, hub.time_entries, hub.store, source="psa"
            )
            await _settled(hub, approved)
            hub.store.put_cursor("psa", stream.name, None)
            again = await pull_time_entries(
                stream, hub.time_entries, hub.store, source="psa"
            )
        finally:
            await hub.stop()
    marks = [entry_id_of(e["description"]) for e in xero.time_entries]
    return {
        "harvest_pages": first.pages,
        "harvest_approved": approved,
        "harvest_not_approved": first.skipped,
        "accepted": first.outcomes["accepted"],
        "xero_entries": len(marks),
        "xero_duplicates": len(marks) - len(set(marks)),
        "repull_duplicates": again.outcomes["duplicate"],
        "xero_calls": sum(xero.state.requests.values()),
    }
