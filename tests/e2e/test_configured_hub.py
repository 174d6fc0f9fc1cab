"""A hub configured in baton.yaml: Harvest → Xero through the CLI, secrets from the env.

The sandboxes run in this process; ``baton`` runs as a child process, as an
operator would run it: ``config check``, ``connectors list|check``, ``pull``
(twice: the second posts nothing), then ``serve`` pulling on its own.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections import Counter
from contextlib import AsyncExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import yaml

from baton.connectors.harvest.sandbox import HarvestSandbox
from baton.connectors.xero.mapping import entry_id_of
from baton.connectors.xero.sandbox import XeroSandbox
from tests.e2e.helpers import free_port

if TYPE_CHECKING:
    from collections.abc import Mapping

BATON = str(Path(sys.executable).parent / "baton")
SECRETS = {
    "BATON_CONNECTORS__PSA__TOKEN": "pat-1",
    "BATON_CONNECTORS__BOOKS__CLIENT_SECRET": "secret",
}


async def baton(
    *args: str | Path, cwd: Path, env: Mapping[str, str] = SECRETS
) -> tuple[int, str]:
    """Run ``baton ARGS``; exit status and stdout + stderr."""
    child = {k: v for k, v in os.environ.items() if not k.startswith("BATON_")}
    child.update(env, COLUMNS="250", NO_COLOR="1")
    proc = await asyncio.create_subprocess_exec(
        BATON, *map(str, args), cwd=cwd, env=child,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


def seed(
    harvest: HarvestSandbox, code: str
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """One consultant, four approved entries and one still pending."""
    user = harvest.add_user("Ada", "Lovelace")
    project = harvest.add_project(code)
    approved = [
        harvest.add_time_entry(
            user, project, spent_date=f"2026-11-0{d}", hours=h, is_closed=True
        )
        for d, h in ((2, 7.5), (3, 8.0), (4, 1.25), (5, 3.0))
    ]
    harvest.add_time_entry(user, project, spent_date="2026-11-06", hours=2.0)
    ids = [f"harvest:time_entry:{e['id']}" for e in approved]
    return user, project, ids


def write_files(
    root: Path, harvest: str, xero: str, worker: str, code: str
) -> dict[str, str]:
    """baton.yaml and the reference data; the Xero ids the entries must carry."""
    refs = {"project": str(uuid.uuid4()), "task": str(uuid.uuid4())}
    user = str(uuid.uuid4())
    ref = root / "ref"
    ref.mkdir()
    docs: dict[str, Any] = {
        "projects.json": {code: {"active": True, "name": code, "refs": refs}},
        "workers.json": {
            worker: {"erp_employee_id": user, "cost_rate": 60, "currency": "USD",
                     "refs": {"user": user}},
        },
        "pay_codes.json": {"REG": "PI-1000"},
    }  # fmt: skip
    for name, doc in docs.items():
        (ref / name).write_text(json.dumps(doc), encoding="utf-8")
    config = {
        "store": f"sqlite:///{root / 'baton.db'}",
        "connectors": {
            "psa": {"kind": "harvest", "url": f"{harvest}/v2", "account_id": "42",
                    "per_page": 2},
            "books": {"kind": "xero", "url": xero, "tenant_id": "tenant-1",
                      "client_id": "baton", "token_url": f"{xero}/connect/token"},
        },
        "approved_time": {"sources": ["psa"], "target": "books", "pull_seconds": 0.3},
    }  # fmt: skip
    (root / "baton.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return {**refs, "user": user}


async def wait_up(
    session: aiohttp.ClientSession, url: str, proc: asyncio.subprocess.Process
) -> None:
    for _ in range(600):
        assert proc.returncode is None, f"baton serve exited with {proc.returncode}"
        try:
            async with session.get(url) as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError(f"{url} did not answer")


def posted(xero: XeroSandbox) -> Counter[str]:
    return Counter(str(entry_id_of(e["description"])) for e in xero.time_entries)


async def test_a_configured_hub_pulls_harvest_into_xero_exactly_once(tmp_path):
    harvest, xero = HarvestSandbox(), XeroSandbox()
    code = "PRJ-0042"
    user, project, approved = seed(harvest, code)
    worker = f"harvest:user:{user['id']}"
    async with AsyncExitStack() as stack:
        h_url = await stack.enter_async_context(harvest.serving())
        x_url = await stack.enter_async_context(xero.serving())
        ids = write_files(tmp_path, h_url, x_url, worker, code)
        run = lambda *a, **kw: baton(*a, cwd=tmp_path, **kw)  # noqa: E731

        status, out = await run("refdata", "load", "--config", "baton.yaml", "ref")
        assert status == 0, out
        status, out = await run("config", "check", "baton.yaml")
        assert status == 0, out
        assert "connectors psa (harvest), books (xero)" in out
        status, out = await run("connectors", "list", "-c", "baton.yaml")
        assert status == 0, out
        assert "harvest:42" in out
        assert "xero:tenant-1" in out
        assert "60 / 63 s, 5 at once" in out

        status, out = await run("connectors", "check", "-c", "baton.yaml")
        assert (status, out.count(" ok ")) == (0, 3), out  # psa: source + writer
        wrong = {**SECRETS, "BATON_CONNECTORS__BOOKS__CLIENT_SECRET": "guess"}
        status, out = await run("connectors", "check", "-c", "baton.yaml", env=wrong)
        assert status == 1, out
        assert "Fatal" in out
        assert "guess" not in out
        status, out = await run("connectors", "check", "-c", "baton.yaml", env={})
        assert status == 1, out
        assert "connectors.books.client_secret: Field required" in out
        assert "connectors.psa: Value error, give token" in out

        # one pull: the four approved entries, once each; the pending one skipped
        status, out = await run("pull", "-c", "baton.yaml")
        assert status == 0, out
        assert "accepted 4" in out, out
        assert posted(xero) == Counter(approved)
        entry = xero.time_entries[0]
        assert (entry["projectId"], entry["taskId"], entry["userId"]) == (
            ids["project"], ids["task"], ids["user"],
        )  # fmt: skip
        # again: the cursor resumes at the last page; nothing is posted twice
        status, out = await run("pull", "-c", "baton.yaml")
        assert status == 0, out
        assert "accepted" not in out, out
        assert posted(xero) == Counter(approved)

        # serve pulls on its own; a new approved entry arrives without a command
        late = harvest.add_time_entry(
            user, project, spent_date="2026-11-09",
            hours=4.0, is_closed=True,
        )  # fmt: skip
        port = free_port()
        serve = await asyncio.create_subprocess_exec(
            BATON, "serve", "-c", "baton.yaml", "--port", str(port), cwd=tmp_path,
            env={**{k: v for k, v in os.environ.items() if not k.startswith("BATON_")},
                 **SECRETS},
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            async with aiohttp.ClientSession() as session:
                await wait_up(session, f"http://127.0.0.1:{port}/healthz", serve)
                want = Counter([*approved, f"harvest:time_entry:{late['id']}"])
                for _ in range(200):
                    if posted(xero) == want:
                        break
                    await asyncio.sleep(0.05)
                assert posted(xero) == want
                async with session.get(f"http://127.0.0.1:{port}/readyz") as resp:
                    ready = await resp.json()
            assert ready["pulls"]["psa"]["runs"] >= 1
            assert ready["pulls"]["psa"]["last_error"] is None
        finally:
            serve.terminate()
            await asyncio.wait_for(serve.wait(), 30)
