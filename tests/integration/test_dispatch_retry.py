"""Retries with backoff, Retry-After, and the dead letter: on SQLite and PostgreSQL.

The ERP sandbox injects the faults; the attempts table is the evidence of what
the dispatcher did and when (``at`` is the wall-clock start of an attempt).
"""

from __future__ import annotations

import asyncio
import itertools
import math
import random
import time

import pytest
from sqlalchemy import select

from baton.config import RetrySettings
from baton.store import schema as t
from tests.conftest import hub_settings, running_hub
from tests.integration.flow_helpers import entry, eventually, send

# scheduling slack for a busy event loop (the sandbox runs in the same loop)
SLACK = 0.1


def attempts(store, delivery_id: str) -> list[dict]:
    q = (
        select(t.attempts)
        .where(t.attempts.c.delivery_id == delivery_id)
        .order_by(t.attempts.c.number, t.attempts.c.id)
    )
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def settled(store, delivery_id: str, state: str):
    """The delivery once its final outcome is committed (the answer comes first)."""

    def check():
        d = store.get_delivery(delivery_id)
        return d if d is not None and d.state == state else None

    return eventually(check)


async def test_503_retried_with_growing_jittered_backoff_then_posted(
    store_url, refdata_dir, erp
):
    sandbox, url = erp
    base, cap = 0.1, 0.25
    settings = hub_settings(
        store_url,
        url,
        retry=RetrySettings(base_seconds=base, cap_seconds=cap, horizon_seconds=30),
    )
    sandbox.inject(status=503, status_count=3)
    async with running_hub(settings, refdata_dir) as hub:
        hub.dispatcher.rng = random.Random(11)
        answer = await send(hub, entry("te-retry"))
        assert answer.outcome == "posted"
        d = await settled(hub.store, answer.id, "confirmed")
        rows = attempts(hub.store, answer.id)

    assert d.attempts == 4
    assert d.external_ref == str(sandbox.records["te-retry"]["erp_id"])
    assert [r["number"] for r in rows] == [1, 2, 3, 4]
    assert [r["outcome"] for r in rows] == ["retriable"] * 3 + ["confirmed"]
    assert [r["status"] for r in rows] == [503, 503, 503, None]
    assert "HTTP 503" in rows[0]["error"]
    assert sandbox.posts == {"te-retry": 1}
    assert len(sandbox.post_times) == 4

    # Full jitter: the n-th wait is uniform in [0, min(cap, base * 2**(n-1))].
    # Same seed, same draws: the waits are exactly these, so the gaps between
    # attempt starts show the envelope doubling (0.1, 0.2) and then capped.
    rng = random.Random(11)
    envelopes = [min(cap, base * 2 ** (n - 1)) for n in (1, 2, 3)]
    waits = [rng.uniform(0, env) for env in envelopes]
    assert envelopes == [0.1, 0.2, 0.25]
    for n, (before, after) in enumerate(itertools.pairwise(rows), start=1):
        gap = after["at"] - before["at"]
        took = before["duration_ms"] / 1000
        wait = waits[n - 1]
        assert wait - 0.002 <= gap <= wait + took + SLACK, (n, gap, wait, took)
        assert 0 <= gap <= cap + took + SLACK, (n, gap)


@pytest.mark.parametrize(
    ("status", "kind"), [(429, "rate_limited"), (503, "retriable")]
)
async def test_retry_after_is_honoured_beyond_the_backoff_cap(
    store_url, refdata_dir, erp, status, kind
):
    sandbox, url = erp
    # backoff alone would wait at most 0.05 s; the ERP asks for 0.5 s
    sandbox.inject(status=status, status_count=1, retry_after=0.5)
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:
        answer = await send(hub, entry("te-ra"))
        assert answer.outcome == "posted"
        await settled(hub.store, answer.id, "confirmed")
        rows = attempts(hub.store, answer.id)

    assert [(r["outcome"], r["status"]) for r in rows] == [
        (kind, status),
        ("confirmed", None),
    ]
    assert rows[1]["at"] - rows[0]["at"] >= 0.5
    first, second = sandbox.post_times
    assert 0.5 <= second - first <= 0.5 + 0.05 + SLACK
    assert sandbox.posts == {"te-ra": 1}


async def test_429_pause_holds_every_lane_of_the_account(store_url, refdata_dir, erp):
    sandbox, url = erp
    sandbox.inject(status=429, status_count=1, retry_after=0.5)
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:
        limiter = hub.limiters.get(hub.targets["erp"].account)
        first = await send(hub, entry("te-a", worker_id="W00001"), wait=False)
        await eventually(lambda: limiter.paused_until > -math.inf)
        paused_until = limiter.paused_until
        # another worker, another lane, same ERP account: it waits too
        other = await send(hub, entry("te-b", worker_id="W00002"))
        assert other.outcome == "posted"
        await settled(hub.store, first.id, "confirmed")

    assert sandbox.posts == {"te-a": 1, "te-b": 1}
    assert len(sandbox.post_times) == 3
    # post_times and the limiter both read time.monotonic()
    assert min(sandbox.post_times[1:]) >= paused_until


async def test_transient_failures_dead_letter_after_the_horizon(
    store_url, refdata_dir, erp
):
    sandbox, url = erp
    horizon = 0.5
    settings = hub_settings(
        store_url,
        url,
        retry=RetrySettings(
            base_seconds=0.01, cap_seconds=0.05, horizon_seconds=horizon
        ),
    )
    sandbox.inject(status=503, status_count=10_000)
    async with running_hub(settings, refdata_dir) as hub:
        started = time.monotonic()
        answer = await send(hub, entry("te-dead"), timeout=5 * horizon)
        answered_after = time.monotonic() - started
        d = await settled(hub.store, answer.id, "dead")
        rows = attempts(hub.store, answer.id)
        dead = hub.store.list_dead_letters("open")

    assert answer.outcome == "failed"
    assert "503" in answer.reason
    assert horizon <= answered_after <= horizon + 0.05 + 2 * SLACK
    n = d.attempts
    assert n >= 3
    assert len(rows) == n == len(sandbox.post_times)
    assert [r["outcome"] for r in rows] == ["retriable"] * (n - 1) + ["fatal"]
    # gave up on the first failure at or past the horizon, not before
    first_at = rows[0]["at"]
    assert rows[-2]["at"] - first_at < horizon
    assert rows[-1]["at"] + rows[-1]["duration_ms"] / 1000 - first_at >= horizon - 0.01
    assert len(dead) == 1
    (dl,) = dead
    assert (dl.delivery_id, dl.target, dl.attempts, dl.status) == (
        answer.id,
        "erp",
        n,
        "open",
    )
    assert "503" in dl.reason
    assert f"after {n} attempts" in dl.reason
    assert sandbox.records == {}


@pytest.mark.parametrize("status", [401, 404])
async def test_fatal_answer_dead_letters_at_once(store_url, refdata_dir, erp, status):
    sandbox, url = erp
    sandbox.inject(status=status, status_count=1)
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:
        answer = await send(hub, entry("te-fatal"))
        d = await settled(hub.store, answer.id, "dead")
        rows = attempts(hub.store, answer.id)
        dead = hub.store.list_dead_letters("open")
        # nothing is retried later either
        await asyncio.sleep(0.3)
        assert hub.store.get_delivery(answer.id).state == "dead"

    assert answer.outcome == "failed"
    assert str(status) in answer.reason
    assert d.attempts == 1
    assert [(r["outcome"], r["status"]) for r in rows] == [("fatal", status)]
    assert len(dead) == 1
    assert (dead[0].delivery_id, dead[0].attempts) == (answer.id, 1)
    assert str(status) in dead[0].reason
    assert len(sandbox.post_times) == 1
    assert sandbox.records == {}


async def test_a_gateway_504_after_the_erp_stored_it_is_found_not_posted_again(
    store_url, refdata_dir, erp
):
    sandbox, url = erp
    settings = hub_settings(
        store_url, url, retry=RetrySettings(base_seconds=0.05, cap_seconds=0.1)
    )
    sandbox.inject(gateway_after_commit=1)
    async with running_hub(settings, refdata_dir) as hub:
        answer = await send(hub, entry("te-gateway"))
        d = await settled(hub.store, answer.id, "confirmed")
        rows = attempts(hub.store, answer.id)
    assert [(r["outcome"], r["status"]) for r in rows] == [
        ("ambiguous", None),
        ("found", None),
    ]
    assert sandbox.posts == {"te-gateway": 1}  # settled by the lookup, not resent
    assert d.external_ref == str(sandbox.records["te-gateway"]["erp_id"])
