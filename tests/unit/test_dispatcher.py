"""The dispatcher's entry points on a SQLite store and the ERP sandbox.

What the integration suite does not reach: waiting on an outcome (held, not
held, timed out, after a restart), repeats of a delivery already held or
finished, a stop with lanes in flight, a failed poll, an unknown target, and a
replayed delivery found already posted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from baton.bootstrap import build
from baton.engine.settlement import Outcome
from tests.conftest import hub_settings, running_hub
from tests.integration.flow_helpers import entry, eventually, send

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from baton.connectors.generic_rest.sandbox import ErpSandbox


def settings(tmp_path: Path, url: str) -> Any:
    return hub_settings(f"sqlite:///{tmp_path / 'baton.db'}", url)


def posts(sandbox: ErpSandbox) -> int:
    return sum(sandbox.posts.values())


async def test_outcome_waits_for_a_held_delivery_and_repeats_are_not_resent(
    tmp_path: Path, refdata_dir: Path, erp: tuple[ErpSandbox, str]
):
    sandbox, url = erp
    sandbox.inject(latency=0.3)
    async with running_hub(settings(tmp_path, url), refdata_dir) as hub:
        d = hub.dispatcher
        answer = await send(hub, entry("te-1"), wait=False)
        assert answer.outcome == "accepted"
        assert answer.id is not None
        assert await d.outcome(answer.id, 0.01) is None  # still in flight
        row = hub.store.get_delivery(answer.id)
        d.submit(row)  # held: not queued twice
        assert d.backlog == 1
        out = await d.outcome(answer.id, 5.0)
        assert out is not None
        assert out.state == "confirmed"
        assert out.external_ref
        assert await d.outcome(answer.id, 0.0) == out  # remembered, no read
        again = d.track(row)  # a repeat after it finished: answered at once
        assert again.done()
        assert again.result() == out
        d.submit(row)  # finished after this copy was written: not resent
        assert d.backlog == 0
        assert await d.outcome("no-such-delivery", 0.01) is None
    assert posts(sandbox) == 1


async def test_stop_leaves_lanes_pending_and_a_restart_settles_them_by_lookup(
    tmp_path: Path, refdata_dir: Path, erp: tuple[ErpSandbox, str]
):
    sandbox, url = erp
    sandbox.inject(timeout_after_commit=1, timeout_seconds=0.3)
    async with running_hub(settings(tmp_path, url), refdata_dir) as hub:
        first = await send(hub, entry("te-1"), wait=False)
        second = await send(hub, entry("te-2"), wait=False)  # same worker: queued
        assert hub.dispatcher.backlog == 2
        await eventually(lambda: sandbox.records)  # the first is in the ERP
    # stopped mid-post: both rows stay pending, nothing held
    assert first.id is not None
    assert second.id is not None
    await asyncio.sleep(0.4)  # the sandbox finishes its late answer
    assert posts(sandbox) == 1
    hub = build(settings(tmp_path, url))  # a restart, not recovering by itself
    try:
        assert hub.store.get_delivery(first.id).state == "pending"
        assert hub.store.get_delivery(second.id).state == "pending"
        assert hub.dispatcher.backlog == 0
        one = await hub.dispatcher.outcome(first.id, 5.0)
        two = await hub.dispatcher.outcome(second.id, 5.0)
        assert one is not None
        assert one.state == "confirmed"
        assert two is not None
        assert two.state == "confirmed"
        assert posts(sandbox) == 2  # the first found by lookup, not resent
        row = await eventually(lambda: _settled(hub, first.id))
        assert row.external_ref == one.external_ref
    finally:
        await hub.stop()
    hub = build(settings(tmp_path, url))  # read back from the store
    try:
        out = await hub.dispatcher.outcome(first.id, 0.01)
        assert out == Outcome("confirmed", external_ref=one.external_ref)
    finally:
        await hub.stop()


def _settled(hub: Any, delivery_id: str) -> Any:
    row = hub.store.get_delivery(delivery_id)
    return row if row.state != "pending" else None


async def test_a_replay_is_looked_up_and_an_unknown_target_is_dead(
    tmp_path: Path, refdata_dir: Path, erp: tuple[ErpSandbox, str]
):
    sandbox, url = erp
    async with running_hub(settings(tmp_path, url), refdata_dir) as hub:
        d = hub.dispatcher
        answer = await send(hub, entry("te-1"))
        assert answer.outcome == "posted"
        assert answer.id is not None
        row = await eventually(lambda: _settled(hub, answer.id))
        reopened = replace(row, maybe_sent=True, updated_at=time.time() + 1)
        found = d.wait(row.id)
        await resubmit(d, reopened)
        out = await asyncio.wait_for(found, 5.0)
        assert out.external_ref == row.external_ref
        assert posts(sandbox) == 1
        lost = d.wait(row.id)
        await resubmit(
            d, replace(reopened, target="nowhere", updated_at=time.time() + 2)
        )
        out = await asyncio.wait_for(lost, 5.0)
        assert out == Outcome("dead", reason="no target named 'nowhere'")
        await eventually(lambda: hub.store.get_delivery(row.id).state == "dead")
        q = text("SELECT outcome FROM attempts WHERE delivery_id = :d ORDER BY id")
        with hub.store.engine.connect() as conn:
            kinds = [r[0] for r in conn.execute(q, {"d": row.id})]
        assert kinds == ["confirmed", "found", "fatal"]
    assert posts(sandbox) == 1


async def test_a_failed_poll_is_logged_and_polling_goes_on(
    tmp_path: Path,
    refdata_dir: Path,
    erp: tuple[ErpSandbox, str],
    caplog: pytest.LogCaptureFixture,
):
    _, url = erp
    caplog.set_level(logging.ERROR, logger="baton.engine.dispatcher")
    async with running_hub(settings(tmp_path, url), refdata_dir) as hub:
        with hub.store.engine.begin() as conn:
            conn.execute(text("ALTER TABLE deliveries RENAME TO deliveries_away"))
        try:
            await eventually(lambda: len(_poll_failures(caplog)) >= 2)
        finally:
            with hub.store.engine.begin() as conn:
                conn.execute(text("ALTER TABLE deliveries_away RENAME TO deliveries"))
        assert "no such table" in str(_poll_failures(caplog)[0].exc_info)
        answer = await send(hub, entry("te-1"))
        assert answer.outcome == "posted"


async def resubmit(d: Any, row: Any) -> None:
    """Submit ``row`` once its last run's settlement is committed (till then
    the dispatcher drops it: the delivery is settling)."""
    await eventually(lambda: d.submit(row) or d.backlog)


def _poll_failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == "delivery poll failed"]
