"""Exactly once across a crash: SIGKILL the hub mid-batch, restart, re-send.

Real processes: the ERP sandbox (``baton sandbox run erp``) and the hub
(``baton serve``) on a SQLite store. The hub is killed with SIGKILL while
``?wait=true`` requests are in flight, so some entries are stored but never
answered, some are posted to the ERP but not confirmed in the store, and
some are not received at all. After a restart on the same store every
unanswered entry is sent again (as a client would); the ERP must end up with
each entry exactly once.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from baton.demo import write_refdata
from tests.e2e.helpers import (
    BATON,
    child_env,
    free_port,
    get_json,
    good_entries,
    sigkill,
    spawn,
    wait_http_ok,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]

N_ENTRIES = 3000
CONCURRENCY = 16
KILL_AFTER = N_ENTRIES // 3
RESEND_SAMPLE = 200


@dataclass
class Round:
    """What one sending round saw, by entry id."""

    answers: dict[str, tuple[int, str]] = field(default_factory=dict)
    cut: list[str] = field(default_factory=list)
    kill_started: bool = False
    killed: bool = False

    def answered(self) -> set[str]:
        """Entries with a 200 ``posted``/``duplicate`` answer."""
        return {
            k
            for k, (status, outcome) in self.answers.items()
            if status == 200 and outcome in ("posted", "duplicate")
        }


async def send(
    session: aiohttp.ClientSession,
    api: str,
    entries: list[dict[str, Any]],
    *,
    kill: Callable[[], None] | None = None,
    kill_after: int = 0,
    before_kill: Callable[[], Awaitable[None]] | None = None,
) -> Round:
    """POST ``entries`` with ``?wait=true`` at ``CONCURRENCY``.

    With ``kill``: once ``kill_after`` answers arrived, await ``before_kill``
    (other requests keep flowing meanwhile), call ``kill`` and stop sending;
    requests then in flight fail and are listed in ``cut``.
    """
    url = f"{api}/api/v1/time-entries?wait=true"
    rnd = Round()
    todo = iter(entries)

    async def worker() -> None:
        for entry in todo:
            if rnd.killed:
                return
            try:
                async with session.post(url, json=entry) as resp:
                    answer = (resp.status, (await resp.json())["outcome"])
            except aiohttp.ClientError:
                if not rnd.killed:
                    raise
                rnd.cut.append(entry["entry_id"])
                return
            rnd.answers[entry["entry_id"]] = answer
            if kill is not None and not rnd.kill_started:
                if len(rnd.answers) >= kill_after:
                    rnd.kill_started = True
                    if before_kill is not None:
                        await before_kill()
                    rnd.killed = True
                    kill()

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return rnd


async def set_faults(session: aiohttp.ClientSession, erp: str, **faults: Any) -> None:
    """Inject faults into the ERP sandbox (``POST /_sandbox/faults``)."""
    async with session.post(f"{erp}/_sandbox/faults", json=faults) as resp:
        assert resp.status == 200, await resp.text()


async def wait_idle(
    session: aiohttp.ClientSession, api: str, timeout: float = 30.0
) -> dict[str, Any]:
    """Poll the hub's status until nothing is pending (twice in a row)."""
    deadline = time.monotonic() + timeout
    quiet = 0
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = await get_json(session, f"{api}/api/v1/status")
        idle = status["backlog"] == 0 and "pending" not in status["counts"].get(
            "deliveries", {}
        )
        quiet = quiet + 1 if idle else 0
        if quiet >= 2:
            return status
        await asyncio.sleep(0.1)
    raise AssertionError(f"hub not idle after {timeout}s: {status}")


@dataclass(frozen=True)
class CrashReport:
    """Counters from one crash run (kept for the assertion messages)."""

    answered_before: int
    cut: int
    erp_at_kill: int
    resent: int
    resent_duplicate: int
    final_erp: dict[str, Any]
    final_status: dict[str, Any]

    @property
    def erp_orphans(self) -> int:
        """Entries the ERP stored at the kill without the client being answered."""
        return self.erp_at_kill - self.answered_before


async def crash_and_recover(tmp_path: Path, *, erp_hangs: bool) -> CrashReport:
    """Run the crash scenario; every child process is killed on the way out.

    With ``erp_hangs``, just before the kill the ERP starts storing each post
    and then not answering, so the requests in flight at the kill are in the
    ERP while the hub's store still has them pending.
    """
    store = f"sqlite:///{tmp_path / 'baton.db'}"
    refdata = tmp_path / "refdata"
    write_refdata(refdata)
    subprocess.run(
        [BATON, "refdata", "load", "--store", store, str(refdata)],
        check=True,
        capture_output=True,
        timeout=30,
        env=child_env(),
    )
    entries = good_entries(N_ENTRIES)
    erp_port, api_port, api_port2 = free_port(), free_port(), free_port()
    erp = f"http://127.0.0.1:{erp_port}"
    api, api2 = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{api_port2}"

    def serve(port: int, log: Path) -> Any:
        args = [BATON, "serve", "--store", store, "--port", str(port)]
        return spawn([*args, "--erp-url", f"{erp}/erp/time-entries"], log)

    sandbox_log = tmp_path / "sandbox.log"
    sandbox_args = [BATON, "sandbox", "run", "erp", "--port", str(erp_port)]
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        with spawn(sandbox_args, sandbox_log) as sandbox:
            await wait_http_ok(http, f"{erp}/_sandbox/state", sandbox, sandbox_log)

            async def hang_erp() -> None:
                await set_faults(
                    http, erp, timeout_after_commit=10_000, timeout_seconds=30
                )
                await asyncio.sleep(0.3)  # the requests in flight reach the ERP

            # 1. send until a third is answered, then SIGKILL the hub
            log1 = tmp_path / "serve-1.log"
            with serve(api_port, log1) as hub:
                await wait_http_ok(http, f"{api}/readyz", hub, log1)
                first = await send(
                    http,
                    api,
                    entries,
                    kill=lambda: sigkill(hub),
                    kill_after=KILL_AFTER,
                    before_kill=hang_erp if erp_hangs else None,
                )
                assert hub.returncode is not None
            assert first.killed, "the hub was never killed"
            bad = {k: v for k, v in first.answers.items() if v != (200, "posted")}
            assert not bad, f"before the crash every answer is 200 posted: {bad}"
            await asyncio.sleep(0.2)  # the ERP finishes what it already read
            at_kill = await get_json(http, f"{erp}/_sandbox/state")
            await set_faults(http, erp, timeout_after_commit=0)

            # 2. restart on the same store; re-send what was not answered
            answered = first.answered()
            unanswered = [e for e in entries if e["entry_id"] not in answered]
            sample = random.Random(1).sample(
                [e for e in entries if e["entry_id"] in answered], RESEND_SAMPLE
            )
            log2 = tmp_path / "serve-2.log"
            with serve(api_port2, log2) as hub2:
                await wait_http_ok(http, f"{api2}/readyz", hub2, log2)
                second = await send(http, api2, unanswered + sample)
                status = await wait_idle(http, api2)
            final = await get_json(http, f"{erp}/_sandbox/state")

    assert len(second.answers) == len(unanswered) + len(sample)
    for e in sample:
        assert second.answers[e["entry_id"]] == (200, "duplicate"), e["entry_id"]
    not_ok = {
        k: v
        for k, v in second.answers.items()
        if v not in ((200, "posted"), (200, "duplicate"))
    }
    assert not not_ok, (
        f"after the restart every entry is posted or a duplicate: {not_ok}"
    )
    resent_dup = sum(
        second.answers[e["entry_id"]] == (200, "duplicate") for e in unanswered
    )
    return CrashReport(
        answered_before=len(answered),
        cut=len(first.cut),
        erp_at_kill=int(at_kill["records"]),
        resent=len(unanswered),
        resent_duplicate=resent_dup,
        final_erp=final,
        final_status=status,
    )


def assert_exactly_once(r: CrashReport) -> None:
    """Every good entry is in the ERP once, nothing posted twice, all confirmed."""
    msg = str(r)
    assert r.cut >= 1, f"the kill cut no request; the test proves nothing: {msg}"
    assert r.final_erp["records"] == N_ENTRIES, msg
    assert r.final_erp["duplicates"] == 0, msg
    assert r.final_erp["posts"] == r.final_erp["records"], msg
    counts = r.final_status["counts"]
    assert counts["deliveries"] == {"confirmed": N_ENTRIES}, msg
    assert counts["inbox"] == {"accepted": N_ENTRIES}, msg
    assert not counts.get("dead_letters"), msg
    assert not counts.get("quarantine"), msg


async def test_exactly_once_across_sigkill(tmp_path: Path) -> None:
    """SIGKILL mid-batch, restart, re-send the unanswered: each entry posted once."""
    report = await crash_and_recover(tmp_path, erp_hangs=False)
    assert_exactly_once(report)


async def test_exactly_once_across_sigkill_with_posts_in_the_erp(
    tmp_path: Path,
) -> None:
    """Posts the ERP stored but never answered before the kill are not posted again.

    Just before the kill the ERP starts storing posts without answering, so
    every request in flight is in the ERP while the hub's store still has it
    pending (not even marked as sent). Only the lookup on recovery keeps
    these from being posted twice.
    """
    report = await crash_and_recover(tmp_path, erp_hangs=True)
    assert report.erp_orphans >= 1, f"no post was in flight at the kill: {report}"
    assert report.resent_duplicate >= 1, f"no accepted entry lost its answer: {report}"
    assert_exactly_once(report)
