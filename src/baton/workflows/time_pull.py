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

:func:`pull_every` runs one pull of a source's time-entry stream every
``every`` seconds for a running hub; a vendor error ends that pull (the
cursor stays at the last durable page) and is shown in :class:`PullStatus`,
and the next pull starts from the stored cursor.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from baton.engine.errors import DeliveryError
from baton.model.common import ApprovalStatus
from baton.model.time_expense import TimeEntry
from baton.workflows.time_entry import TimeEntryIn

if TYPE_CHECKING:
    from baton.connectors.base import Source, Stream
    from baton.store.sql import SqlStore
    from baton.workflows.time_entry import TimeEntryFlow

__all__ = [
    "PullReport",
    "PullStatus",
    "pull_every",
    "pull_time_entries",
    "time_entry_stream",
    "to_ingress",
]

log = logging.getLogger(__name__)


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


@dataclass
class PullStatus:
    """The last pull of one source, for ``baton status`` and ``/readyz``.

    Attributes:
        runs: pulls finished (with or without an error).
        last_at: when the last pull ended (epoch seconds), None before the first.
        last_error: the vendor error that ended the last pull, None if it finished.
        totals: answers by outcome over every pull of this process.
    """

    runs: int = 0
    last_at: float | None = None
    last_error: str | None = None
    totals: Counter[str] = field(default_factory=Counter)


def time_entry_stream(source: Source) -> Stream:
    """The source's stream of canonical time entries.

    Raises:
        ValueError: the source offers no ``TimeEntry`` stream.
    """
    for stream in source.streams():
        if stream.entity == "TimeEntry":
            return stream
    raise ValueError(f"{source.name} offers no time entries")


async def pull_every(
    source: Source,
    flow: TimeEntryFlow,
    store: SqlStore,
    every: float,
    status: PullStatus,
) -> None:
    """Pull ``source``'s approved time every ``every`` seconds until cancelled."""
    stream = time_entry_stream(source)
    while True:
        try:
            report = await pull_time_entries(stream, flow, store, source=source.name)
        except DeliveryError as exc:
            status.last_error = f"{type(exc).__name__}: {exc}"
            log.warning("pull from %s stopped: %s", source.name, status.last_error)
        except Exception as exc:  # a bug must not stop the other pulls or the hub
            status.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("pull from %s failed", source.name)
        else:
            status.last_error = None
            status.totals.update(report.outcomes)
            if report.outcomes:
                log.info("pulled from %s: %s", source.name, dict(report.outcomes))
        status.runs += 1
        status.last_at = time.time()
        await asyncio.sleep(every)
