"""The dispatcher's memory of finished deliveries: outcomes, settling, waiters."""

from __future__ import annotations

import asyncio
import logging

import pytest

from baton.engine.ledger import RECENT_OUTCOMES, Ledger
from baton.engine.settlement import Outcome
from tests.unit.test_settlement import NOW, row

DONE = Outcome("confirmed", external_ref="ERP-1")


def test_a_finished_delivery_is_known_and_closed_to_stale_copies_only():
    ledger = Ledger()
    assert ledger.known("d1") is None
    assert not ledger.closed(row())
    ledger.finish("d1", DONE, NOW + 1)
    assert ledger.known("d1") == DONE
    assert ledger.closed(row(updated_at=NOW))  # read before it finished
    assert ledger.closed(row(updated_at=NOW + 1))
    assert not ledger.closed(row(updated_at=NOW + 2))  # reopened: a replay


def test_a_settling_delivery_is_closed_whatever_its_copy():
    ledger = Ledger()
    ledger.settling.add("d1")
    assert ledger.closed(row(updated_at=NOW + 1e9))


def test_the_oldest_outcome_is_dropped_beyond_capacity():
    assert Ledger().capacity == RECENT_OUTCOMES
    ledger = Ledger(capacity=2)
    for i in range(3):
        ledger.finish(f"d{i}", DONE, NOW)
    assert list(ledger.recent) == ["d1", "d2"]
    assert ledger.known("d0") is None
    ledger.finish("d1", Outcome("dead"), NOW + 1)  # a rerun replaces, keeps order
    assert list(ledger.recent) == ["d1", "d2"]
    assert ledger.known("d1") == Outcome("dead")


async def test_finish_wakes_every_live_waiter_once():
    ledger = Ledger()
    first, gone, other = ledger.wait("d1"), ledger.wait("d1"), ledger.wait("d2")
    gone.cancel()
    ledger.finish("d1", DONE, NOW)
    assert first.result() == DONE
    assert gone.cancelled()
    assert not other.done()
    later = ledger.wait("d1")  # waits for the next finish, not the last one
    assert not later.done()
    ledger.finish("d1", Outcome("dead"), NOW + 1)
    assert later.result() == Outcome("dead")


async def test_settled_ends_settling_and_logs_only_a_failed_commit(
    caplog: pytest.LogCaptureFixture,
):
    loop = asyncio.get_running_loop()
    ledger = Ledger()
    ok, cancelled, failed = (loop.create_future() for _ in range(3))
    ok.set_result(None)
    cancelled.cancel()
    failed.set_exception(RuntimeError("disk full"))
    caplog.set_level(logging.ERROR, logger="baton.engine.dispatcher")
    for i, fut in enumerate((ok, cancelled, failed)):
        ledger.settling.add(f"d{i}")
        ledger.settled(f"d{i}", fut)
    assert ledger.settling == set()
    assert [r.getMessage() for r in caplog.records] == [
        "could not record the outcome of delivery d2: disk full"
    ]
