"""The Workday source: streams ``workers`` (employees) and ``contingent_workers``.

Staffing v6 offers **no modification filter** on ``GET /workers`` (only
``limit``, ``offset``, ``search``, ``includeTerminatedWorkers`` [spec]), so
every read is a full read of the current workers (terminated ones are not
asked for: v6 gives no termination date to map). ``event_id`` is
``workday:worker:<WID>:<sha256 of the mapped record>``
(:func:`~baton.connectors.workday.mapping.event_id`): an unchanged worker
repeats its event id and the inbox drops it.

Both streams page the same list (``limit`` = ``page_size`` ≤ 100,
``offset``) and keep the workers of their type (``workerType``); each kept
worker costs ``serviceDates`` and person v4 ``legalName`` calls, and each
supervisory organization one call per read (cached). Pages before the last
carry the cursor ``offset:<next offset>`` (a read stopped halfway resumes
there); the last carries ``None`` so the next read starts over. Workers that
cannot be mapped go to ``rejected`` and the read goes on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baton.connectors.base import Page, Record
from baton.connectors.workday import mapping
from baton.model.common import WorkerType

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from baton.connectors.workday.client import WorkdayClient

__all__ = ["WorkdaySource", "WorkdayWorkers", "parse_cursor"]


def parse_cursor(cursor: str | None) -> int:
    """The offset in ``offset:<n>`` (0 for None).

    Raises:
        ValueError: not a cursor this source wrote.
    """
    if cursor is None:
        return 0
    prefix, _, value = cursor.partition(":")
    if prefix != "offset" or not value.isdigit():
        raise ValueError(f"not a Workday cursor: {cursor!r}")
    return int(value)


class WorkdayWorkers:
    """One stream: the workers of one ``WorkerType`` (see the module docstring).

    Attributes:
        rejected: ``(WID, reason)`` of workers that could not be mapped.
    """

    entity = "Worker"

    def __init__(self, source: WorkdaySource, name: str, kind: WorkerType) -> None:
        self._source = source
        self.name = name
        self.kind = kind
        self.rejected: list[tuple[str, str]] = []

    async def read(self, cursor: str | None) -> AsyncIterator[Page]:
        """Pages from ``cursor`` on (``None``: from the first worker)."""
        client, size = self._source.client, self._source.page_size
        offset = parse_cursor(cursor)
        organizations: dict[str, dict[str, Any]] = {}
        while True:
            total, data = await client.workers(offset, size)
            records = []
            for raw in data:
                if mapping.worker_type(raw) is not self.kind:
                    continue
                record = await self._record(raw, organizations)
                if record is not None:
                    records.append(record)
            offset += len(data)
            last = not data or offset >= total
            yield Page(records, None if last else f"offset:{offset}")
            if last:
                return

    async def _record(
        self, raw: dict[str, Any], organizations: dict[str, dict[str, Any]]
    ) -> Record | None:
        client = self._source.client
        wid = str(raw.get("id") or "")
        job = raw.get("primaryJob") or {}
        org_id = str((job.get("supervisoryOrganization") or {}).get("id") or "")
        if org_id and org_id not in organizations:
            organizations[org_id] = await client.organization(org_id)
        person_id = str((raw.get("person") or {}).get("id") or "")
        try:
            data = mapping.worker(
                raw,
                service_dates=await client.service_dates(wid) if wid else None,
                legal_name=await client.legal_name(person_id) if person_id else None,
                organization=organizations.get(org_id),
            )
        except ValueError as exc:
            self.rejected.append((wid, str(exc).splitlines()[0]))
            return None
        return Record(
            entity=self.entity,
            source_id=wid,
            event_id=mapping.event_id(data),
            data=data,
        )


class WorkdaySource:
    """Workday as a :class:`~baton.connectors.base.Source`.

    Args:
        client: the tenant's client.
        name: the source's name in configuration.
        page_size: workers per ``GET /workers`` (1-100).
    """

    system = mapping.SYSTEM

    def __init__(
        self, client: WorkdayClient, *, name: str = "workday", page_size: int = 100
    ) -> None:
        self.client = client
        self.name = name
        self.page_size = page_size
        self.workers = WorkdayWorkers(self, "workers", WorkerType.EMPLOYEE)
        self.contingent_workers = WorkdayWorkers(
            self, "contingent_workers", WorkerType.CONTRACTOR
        )

    def streams(self) -> Sequence[WorkdayWorkers]:
        """``workers`` and ``contingent_workers``."""
        return [self.workers, self.contingent_workers]

    async def close(self) -> None:
        """Close the client."""
        await self.client.close()
