"""The group committer: one transaction per batch, a bad item never fails its neighbours."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

import pytest

from baton.engine.committer import CommitterClosedError, GroupCommitter


class FakeDb:
    """Transactions that keep their writes only when the block ends cleanly."""

    def __init__(self) -> None:
        self.committed: list[str] = []
        self.transactions = 0
        self.gate = threading.Event()
        self.gate.set()

    @contextlib.contextmanager
    def begin(self) -> Any:
        self.gate.wait(5)
        pending: list[str] = []
        yield pending
        self.committed.extend(pending)
        self.transactions += 1

    @staticmethod
    def write(conn: list[str], items: list[str]) -> list[str]:
        if "bad" in items:
            raise ValueError("constraint violated")
        conn.extend(items)
        return [f"ok:{i}" for i in items]


async def test_a_failing_batch_is_split_so_only_the_bad_item_fails():
    db = FakeDb()
    committer = GroupCommitter(db.begin, {"w": db.write}, max_batch=100)
    db.gate.clear()  # hold the writer so the five items form one batch
    try:
        blocker = committer.enqueue("w", "first")
        await asyncio.sleep(0.05)
        futures = [committer.enqueue("w", i) for i in ("a", "b", "bad", "c")]
        db.gate.set()
        assert await blocker == "ok:first"
        results = await asyncio.gather(*futures, return_exceptions=True)
    finally:
        committer.close()
    assert results[:2] == ["ok:a", "ok:b"]
    assert isinstance(results[2], RuntimeError)
    assert str(results[2]) == "store write failed"
    assert results[3] == "ok:c"
    assert db.committed == ["first", "a", "b", "c"]  # the bad one rolled back alone
    assert committer.items == 5 - 1


async def test_posts_are_committed_and_a_closed_committer_refuses_work():
    db = FakeDb()
    committer = GroupCommitter(db.begin, {"w": db.write})
    committer.post("w", "fire-and-forget")
    committer.post("w", "bad")  # logged, nothing raised to the caller
    committer.close()
    committer.close()  # twice is harmless
    assert db.committed == ["fire-and-forget"]
    with pytest.raises(CommitterClosedError):
        committer.enqueue("w", "late")
    with pytest.raises(CommitterClosedError):
        committer.post("w", "late")


async def test_a_waiter_that_gave_up_does_not_break_its_batch():
    db = FakeDb()
    committer = GroupCommitter(db.begin, {"w": db.write})
    db.gate.clear()
    try:
        gone = committer.enqueue("w", "x")
        kept = committer.enqueue("w", "y")
        gone.cancel()
        db.gate.set()
        assert await kept == "ok:y"
    finally:
        committer.close()
    assert db.committed == ["x", "y"]  # cancelling the wait does not undo the write


async def test_close_commits_what_is_queued_and_handlers_may_return_nothing():
    db = FakeDb()
    seen: list[str] = []

    def audit(conn: list[str], items: list[str]) -> None:
        seen.extend(items)

    committer = GroupCommitter(db.begin, {"w": db.write, "audit": audit}, max_batch=2)
    db.gate.clear()
    committer.post("w", "a")
    await asyncio.sleep(0.05)  # the writer holds "a", waiting for its transaction
    committer.post("w", "b")
    committer.post("audit", "note")
    threading.Timer(0.05, db.gate.set).start()
    committer.close()  # the stop comes after b and note: both are committed
    assert db.committed == ["a", "b"]
    assert seen == ["note"]
    assert db.transactions == 2
