"""Approved time pulled from a PSA: each page into the flow, then the cursor.

Steps for one run over a source's time-entry stream:

1. read pages from the stored cursor (``None`` the first time: everything);
2. hand every *approved* entry to :class:`TimeEntryFlow` with the source's
   own event id (vendor id + version), so a re-read page is answered from
   the inbox and posts nothing; entries not yet approved are skipped — they
   come back with a new version once approved;
3. store the page's cursor only after its entries are durable in the inbox
   (a crash in between re-reads the page: duplicates, never gaps).

Nothing to compensate: the flow itself quarantines entries that break a rule.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from baton.model.common import ApprovalStatus
from baton.model.time_expense import TimeEntry
from baton.workflows.time_entry import TimeEntryIn

if TYPE_CHECKING:
    from baton.connectors.base import Stream
    from baton.store.sql import SqlStore
    from baton.workflows.time_entry import TimeEntryFlow

__all__ = ["PullReport", "pull_time_entries", "to_ingress"]


@dataclass
class PullReport:
    """What one pull did: pages read, and answers by outcome."""

    pages: int = 0
    skipped: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


def to_ingress(entry: TimeEntry) -> TimeEntryIn:
    """A canonical time entry in the flow's input shape."""
    project = entry.project_code or entry.project_id
    if project is None:  # the model requires one of them
        raise ValueError(f"time entry {entry.id} has no project")
    return TimeEntryIn(
        entry_id=entry.id,
        worker_id=entry.worker_id,
        project_code=project,
        date=entry.work_date,
        hours=entry.hours,
        pay_code=entry.pay_code,
        status=entry.status.value,
    )


async def pull_time_entries(
    stream: Stream,
    flow: TimeEntryFlow,
    store: SqlStore,
    *,
    source: str,
    timeout: float = 30.0,
) -> PullReport:
    """Run one pull of ``stream`` into ``flow`` (see the module docstring)."""
    report = PullReport()
    cursor = await asyncio.to_thread(store.get_cursor, source, stream.name)
    async for page in stream.read(cursor):
        for record in page.records:
            entry = record.data
            if not isinstance(entry, TimeEntry):
                raise TypeError(f"{stream.name} gave a {type(entry).__name__}")
            if entry.status is not ApprovalStatus.APPROVED:
                report.skipped += 1
                continue
            answer = await flow.handle(
                to_ingress(entry),
                entry.model_dump_json(),
                wait=False,
                timeout=timeout,
                source=source,
                event_id=record.event_id,
            )
            report.outcomes[answer.outcome] += 1
        await asyncio.to_thread(store.put_cursor, source, stream.name, page.cursor)
        report.pages += 1
    return report
