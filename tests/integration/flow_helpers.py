"""Helpers shared by the dispatcher tests: an entry, a send, a wait."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

from baton.workflows.time_entry import Answer, TimeEntryIn


def entry(entry_id: str, **kw: object) -> TimeEntryIn:
    """An approved 7.5 h entry of W00001 on PRJ-0001; ``kw`` overrides fields."""
    base: dict[str, object] = {
        "entry_id": entry_id,
        "worker_id": "W00001",
        "project_code": "PRJ-0001",
        "date": "2026-11-02",
        "hours": Decimal("7.5"),
        "pay_code": "REG",
        "status": "approved",
    }
    base.update(kw)
    return TimeEntryIn.model_validate(base)


async def send(
    hub: Any, e: TimeEntryIn, *, wait: bool = True, timeout: float = 5.0
) -> Answer:
    """Hand ``e`` to the hub's flow as the API would."""
    answer: Answer = await hub.time_entries.handle(
        e, e.model_dump_json(), wait=wait, timeout=timeout
    )
    return answer


async def eventually(check: Any, timeout: float = 3.0) -> Any:
    """Poll ``check()`` until it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {check}")
        await asyncio.sleep(0.02)
    return value
