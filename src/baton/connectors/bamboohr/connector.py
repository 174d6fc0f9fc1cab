"""The BambooHR source: one stream, ``workers``, read in full or incrementally.

Full read (cursor ``None``): ``GET /employees/directory`` lists the
employees, then each is fetched with ``GET /employees/{id}?fields=…`` (the
directory lacks hire dates and supervisor ids [kb]). The cursor stored after
the last page is the directory answer's ``Date`` header (BambooHR's clock,
ISO 8601 UTC): anything changed after the listing comes back next time.

Incremental read: ``GET /employees/changed?since=<cursor>`` lists the
changed ids with ``action`` and ``lastChanged``; inserted and updated
employees are fetched, deleted ones are kept in
:attr:`BambooHRWorkers.deleted` (the canonical model has no deletion). The
new cursor is the ``latest`` timestamp the answer carries, verbatim.

Pages hold ``page_size`` employees; pages before the last carry the cursor
the read started from (a read stopped halfway restarts from it), the last
carries the new one. ``event_id`` is ``bamboohr:employee:<id>:<lastChanged>``
(repeats after an inclusive ``since`` are deduped by the inbox). Records that
cannot be mapped go to :attr:`BambooHRWorkers.rejected` and the read goes on.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from baton.connectors.bamboohr import mapping
from baton.connectors.base import Page, Record

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from baton.connectors.bamboohr.client import BambooHRClient

__all__ = ["BambooHRSource", "BambooHRWorkers", "date_header_cursor"]


def date_header_cursor(value: str | None) -> str | None:
    """An HTTP ``Date`` as ``YYYY-MM-DDTHH:MM:SSZ`` (None if absent or bad)."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class BambooHRWorkers:
    """The ``workers`` stream (see the module docstring).

    Attributes:
        rejected: ``(bamboohr id, reason)`` of employees that could not be mapped.
        deleted: ids BambooHR reported deleted (each once).
    """

    name = "workers"
    entity = "Worker"

    def __init__(self, source: BambooHRSource) -> None:
        self._source = source
        self.rejected: list[tuple[str, str]] = []
        self.deleted: list[str] = []

    async def read(self, cursor: str | None) -> AsyncIterator[Page]:
        """Pages from ``cursor`` on (``None``: everything)."""
        client = self._source.client
        stamps: dict[str, str | None]
        if cursor is None:
            employees, date = await client.directory()
            stamps = {str(e["id"]): None for e in employees}
            new_cursor = date_header_cursor(date)
        else:
            changed, latest = await client.changed(cursor)
            stamps = {}
            for key, change in changed.items():
                bamboo_id = str(change.get("id", key))
                if str(change.get("action", "")).casefold() == "deleted":
                    if bamboo_id not in self.deleted:
                        self.deleted.append(bamboo_id)
                else:
                    stamps[bamboo_id] = change.get("lastChanged")
            new_cursor = latest or cursor
        ids = list(stamps)
        size = self._source.page_size
        if not ids:
            yield Page([], new_cursor)
            return
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            records = [
                r for i in chunk if (r := await self._record(i, stamps[i])) is not None
            ]
            last = start + size >= len(ids)
            yield Page(records, new_cursor if last else cursor)

    async def _record(self, bamboo_id: str, last_changed: str | None) -> Record | None:
        raw: dict[str, Any] = await self._source.client.employee(
            bamboo_id, mapping.EMPLOYEE_FIELDS
        )
        raw.setdefault("id", bamboo_id)
        try:
            data = mapping.worker(raw, self._source.account)
        except ValueError as exc:
            self.rejected.append((bamboo_id, str(exc).splitlines()[0]))
            return None
        return Record(
            entity=self.entity,
            source_id=bamboo_id,
            event_id=mapping.event_id(raw, last_changed),
            data=data,
        )


class BambooHRSource:
    """BambooHR as a :class:`~baton.connectors.base.Source`.

    Args:
        client: the company's client.
        account: mapping configuration (cost centres).
        name: the source's name in configuration.
        page_size: employees per page.
    """

    system = mapping.SYSTEM

    def __init__(
        self,
        client: BambooHRClient,
        account: mapping.BambooHRAccount | None = None,
        *,
        name: str = "bamboohr",
        page_size: int = 100,
    ) -> None:
        self.client = client
        self.account = account or mapping.BambooHRAccount()
        self.name = name
        self.page_size = page_size
        self.workers = BambooHRWorkers(self)

    def streams(self) -> Sequence[BambooHRWorkers]:
        """The one stream, ``workers``."""
        return [self.workers]

    async def health(self) -> None:
        """One authenticated read: ``GET /meta/fields`` (the account's field list)."""
        await self.client.get("/meta/fields")

    async def close(self) -> None:
        """Close the client."""
        await self.client.close()
