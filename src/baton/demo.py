"""``baton demo``: a sandbox ERP, the hub, a realistic batch, a summary.

The batch is seeded (the same every run): approved time entries from a
small firm, a few bad ones (closed project, unknown code, unknown worker,
unmapped pay code, an unapproved entry, bad hours) and some exact repeats.
Then the connectors leg (:mod:`baton.demo_connectors`): a Harvest sandbox
pulled into a Xero sandbox through configured connectors.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
from collections import Counter
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
from rich.progress import Progress
from rich.table import Table

from baton.api.app import create_app
from baton.bootstrap import build
from baton.config import Settings, TargetSettings
from baton.connectors.generic_rest.sandbox import ErpSandbox
from baton.demo_connectors import run_connectors_leg
from baton.mdm.refdata import load_dir
from baton.serve import server_for
from baton.store.factory import open_store

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console

__all__ = ["make_batch", "run_demo", "write_refdata"]

SEED = 20261125
PAY_CODES = {"REG": "PI-1000", "OT": "PI-1500", "PTO": "PI-2000"}


def write_refdata(folder: Path) -> None:
    """Sample reference data: 40 projects (3 closed), 60 workers, 3 pay codes."""
    rng = random.Random(SEED)
    folder.mkdir(parents=True, exist_ok=True)
    projects = {f"PRJ-{i:04d}": {"active": i not in (7, 19, 33)} for i in range(1, 41)}
    workers = {
        f"W{i:05d}": {
            "erp_employee_id": f"EMP-{100000 + i * 37}",
            "cost_rate": round(rng.uniform(45, 180), 2),
            "currency": "USD",
        }
        for i in range(1, 61)
    }
    for name, doc in (
        ("projects.json", projects),
        ("workers.json", workers),
        ("pay_codes.json", PAY_CODES),
    ):
        (folder / name).write_text(json.dumps(doc, indent=1), encoding="utf-8")


def make_batch(n: int = 240) -> list[dict[str, Any]]:
    """``n`` approved entries, 6 bad ones and 12 exact repeats, in send order."""
    rng = random.Random(SEED)
    start = date(2026, 11, 2)
    good = [
        {
            "entry_id": f"te-{i:05d}",
            "worker_id": f"W{rng.randint(1, 60):05d}",
            "project_code": f"PRJ-{rng.choice([p for p in range(1, 41) if p not in (7, 19, 33)]):04d}",
            "date": (start + timedelta(days=rng.randint(0, 20))).isoformat(),
            "hours": rng.choice([1, 2, 3.5, 4, 6, 7.5, 8, 8, 8]),
            "pay_code": rng.choice(["REG"] * 8 + ["OT", "PTO"]),
            "status": "approved",
        }
        for i in range(n)
    ]
    bad = [
        {**good[0], "entry_id": "te-bad-closed", "project_code": "PRJ-0007"},
        {**good[1], "entry_id": "te-bad-code", "project_code": "PRJ-9999"},
        {**good[2], "entry_id": "te-bad-worker", "worker_id": "W99999"},
        {**good[3], "entry_id": "te-bad-paycode", "pay_code": "BONUS"},
        {**good[4], "entry_id": "te-bad-draft", "status": "submitted"},
        {**good[5], "entry_id": "te-bad-hours", "hours": 7.3},
    ]
    batch = good + bad
    rng.shuffle(batch)
    repeats = [dict(batch[rng.randrange(len(batch) // 2)]) for _ in range(12)]
    return batch + repeats


async def _push(
    url: str, batch: list[dict[str, Any]], console: Console
) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    sem = asyncio.Semaphore(8)
    async with aiohttp.ClientSession() as session:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("posting approved time", total=len(batch))

            async def one(body: dict[str, Any]) -> None:
                async with sem, session.post(url + "?wait=true", json=body) as resp:
                    outcomes[(await resp.json())["outcome"]] += 1
                progress.advance(task)

            first, rest = batch[: len(batch) - 12], batch[len(batch) - 12 :]
            await asyncio.gather(*(one(b) for b in first))
            await asyncio.gather(*(one(b) for b in rest))
    return outcomes


async def run_demo(
    state_dir: Path, *, port: int, once: bool, console: Console
) -> dict[str, Any]:
    """Run the demo; return the summary (and keep serving unless ``once``)."""
    shutil.rmtree(state_dir / "demo", ignore_errors=True)
    refdir = state_dir / "demo" / "refdata"
    write_refdata(refdir)
    store_url = f"sqlite:///{state_dir / 'demo' / 'baton.db'}"
    store = open_store(store_url)
    load_dir(store, refdir)
    store.close()
    sandbox = ErpSandbox()
    async with sandbox.serving() as erp_url:
        settings = Settings(store=store_url, port=port, erp=TargetSettings(url=erp_url))
        hub = build(settings)
        server = server_for(settings, create_app(hub))
        serving = asyncio.create_task(server.serve())
        while not server.started:
            if serving.done():
                await serving
                raise OSError(f"the API could not start on port {port}")
            await asyncio.sleep(0.05)
        bound = server.servers[0].sockets[0].getsockname()[1]
        api = f"http://127.0.0.1:{bound}"
        outcomes = await _push(f"{api}/api/v1/time-entries", make_batch(), console)
        quarantined = hub.store.list_quarantine("open")
        summary = {
            "api": api,
            "posted": outcomes["posted"],
            "duplicates": outcomes["duplicate"],
            "rejected": outcomes["rejected"],
            "erp_records": len(sandbox.records),
            "erp_duplicates": sandbox.duplicates,
            "quarantined": [
                {
                    "id": q.id,
                    "entry": q.canonical_id,
                    "rule": q.rule,
                    "owner": q.owner_team,
                    "amount": q.amount,
                    "reason": q.reason,
                }
                for q in quarantined
            ],
        }
        with console.status("pulling a Harvest sandbox into a Xero sandbox"):
            summary["connectors"] = await run_connectors_leg(
                state_dir / "demo" / "connectors"
            )
        _print_summary(summary, console)
        if once:
            server.should_exit = True
        else:
            console.print(f"API at {api}/api/v1/docs — Ctrl-C stops.")
        await serving
    return summary


def _print_summary(s: dict[str, Any], console: Console) -> None:
    console.print(
        f"posted {s['posted']}, duplicates {s['duplicates']}, rejected {s['rejected']}; "
        f"ERP holds {s['erp_records']} entries, {s['erp_duplicates']} posted twice"
    )
    table = Table("entry", "rule", "owner", "amount", "reason", title="quarantine")
    for q in s["quarantined"]:
        table.add_row(q["entry"], q["rule"], q["owner"], q["amount"] or "", q["reason"])
    console.print(table)
    c = s["connectors"]
    console.print(
        f"Harvest → Xero: {c['harvest_approved']} approved entries pulled in "
        f"{c['harvest_pages']} pages ({c['harvest_not_approved']} not yet approved, "
        f"skipped); Xero holds {c['xero_entries']}, {c['xero_duplicates']} twice; "
        f"a re-pull from scratch answered {c['repull_duplicates']} duplicates"
    )
    console.print(f"API: {s['api']} (OpenAPI at {s['api']}/api/v1/openapi.json)")
