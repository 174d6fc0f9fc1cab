"""An in-memory PSA source: time entries read in pages from an index cursor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from baton.connectors.base import Page, Record

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from baton.model.time_expense import TimeEntry


class FakeTimeStream:
    """Pages of ``page_size`` entries; the cursor is the next index, as text."""

    name = "time_entries"
    entity = "TimeEntry"

    def __init__(self, entries: list[TimeEntry], page_size: int = 3) -> None:
        self.entries = entries
        self.page_size = page_size
        self.reads = 0

    async def read(self, cursor: str | None) -> AsyncIterator[Page]:
        self.reads += 1
        start = int(cursor or 0)
        for i in range(start, len(self.entries), self.page_size):
            chunk = self.entries[i : i + self.page_size]
            records = [Record("TimeEntry", e.id, f"fake:{e.id}:v1", e) for e in chunk]
            yield Page(records, str(i + len(chunk)))
