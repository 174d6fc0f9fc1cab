"""Helpers for the end-to-end tests: free ports, child processes, HTTP polling."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import aiohttp

from baton.bootstrap import build
from baton.mdm.refdata import load_dir
from baton.store.factory import open_store

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator, Mapping

    from baton.bootstrap import Hub
    from baton.config import Settings
    from baton.connectors.base import Target

BATON = str(Path(sys.executable).parent / "baton")
ACTIVE_PROJECTS = [p for p in range(1, 41) if p not in (7, 19, 33)]
PAY_CODES = ("REG", "OT", "PTO")


def free_port() -> int:
    """A TCP port that was free a moment ago (bind to 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env() -> dict[str, str]:
    """The environment for child processes, without stray ``BATON_*`` settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith("BATON_")}


@contextlib.contextmanager
def spawn(args: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``args`` with output to ``log``; killed and reaped on exit, always."""
    fh: IO[bytes] = log.open("wb")
    try:
        proc = subprocess.Popen(
            args, stdout=fh, stderr=subprocess.STDOUT, env=child_env()
        )
    except BaseException:
        fh.close()
        raise
    try:
        yield proc
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        fh.close()


def sigkill(proc: subprocess.Popen[bytes]) -> None:
    """Kill ``proc`` with no chance to clean up, and reap it."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)


async def wait_http_ok(
    session: aiohttp.ClientSession,
    url: str,
    proc: subprocess.Popen[bytes],
    log: Path,
    timeout: float = 20.0,
) -> None:
    """Poll ``url`` until it answers 200; fail early if ``proc`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f"{proc.args} exited with {proc.returncode}:\n{log.read_text()}"
            )
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as r:
                if r.status == 200:
                    return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{url} not ready after {timeout}s:\n{log.read_text()}")


async def get_json(session: aiohttp.ClientSession, url: str) -> Any:
    """GET ``url`` and return its JSON body (asserting 200)."""
    async with session.get(url) as resp:
        assert resp.status == 200, (url, resp.status, await resp.text())
        return await resp.json()


def good_entries(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """``n`` approved entries that pass every rule of the sample reference data."""
    rng = random.Random(seed)
    start = date(2026, 11, 2)
    return [
        {
            "entry_id": f"te-{i:05d}",
            "worker_id": f"W{rng.randint(1, 60):05d}",
            "project_code": f"PRJ-{rng.choice(ACTIVE_PROJECTS):04d}",
            "date": (start + timedelta(days=rng.randint(0, 27))).isoformat(),
            "hours": rng.randint(1, 40) / 4,
            "pay_code": rng.choice(PAY_CODES),
            "status": "approved",
        }
        for i in range(n)
    ]


@asynccontextmanager
async def hub_with_targets(
    settings: Settings, refdata: Path, targets: Mapping[str, Target]
) -> AsyncIterator[Hub]:
    """Like ``tests.conftest.running_hub``, but with the given targets."""
    store = open_store(settings.store)
    load_dir(store, refdata)
    store.close()
    hub = build(settings, targets=targets)
    try:
        await hub.start()
        yield hub
    finally:
        await hub.stop()
