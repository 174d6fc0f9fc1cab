"""The Workday source: streams ``workers`` (employees) and ``contingent_workers``.

Staffing v6 offers **no modification filter** on ``GET /workers`` (only
``limit``, ``offset``, ``search``, ``includeTerminatedWorkers`` [spec]), so
every read is a full read of the current workers. ``event_id`` is
``workday:worker:<WID>:<sha256 of the mapped record>``
(:func:`~baton.connectors.workday.mapping.event_id`): an unchanged worker
repeats its event id and the inbox drops it, a changed one (a new
termination date included) gets a new one.

Termination dates: v6 reads carry none, so with a RaaS report configured
(:mod:`.raas_client`, :mod:`.raas`) each read first fetches the report once
and puts each entry's end date on the REST worker it names (by WID, else by
employee id). The REST list shows active workers [kb]: a report entry whose
worker the read did not see becomes a record of its own, built from the
report (WID, names, hire date, worker type; no role, location or manager),
in the last page of the stream its ``Worker_Type`` belongs to. A read
resumed from a cursor has not seen the earlier pages, so it adds none (the
next full read does). A field map that does not match the report is
``Fatal`` naming the column.

Both streams page the same list (``limit`` = ``page_size`` ≤ 100,
``offset``) and keep the workers of their type (``workerType``); each kept
worker costs ``serviceDates`` and person v4 ``legalName`` calls, and each
supervisory organization one call per read (cached). Pages before the last
carry the cursor ``offset:<next offset>`` (a read stopped halfway resumes
there); the last carries ``None`` so the next read starts over. Workers and
report entries that cannot be mapped go to ``rejected`` and the read goes on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baton.connectors.base import Page, Record
from baton.connectors.workday import mapping, raas
from baton.engine.errors import Fatal
from baton.model.common import WorkerType

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from baton.connectors.workday.client import WorkdayClient
    from baton.connectors.workday.raas_client import RaasClient
    from baton.model.worker import Worker

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
        ends = await self._source.terminations()
        if ends is not None:
            self.rejected.extend(ends.rejected)
        organizations: dict[str, dict[str, Any]] = {}
        seen: set[str] = set()
        while True:
            total, data = await client.workers(offset, size)
            records = []
            for raw in data:
                seen.update(str(raw.get(k) or "") for k in ("id", "workerId"))
                if mapping.worker_type(raw) is not self.kind:
                    continue
                record = await self._record(raw, organizations, ends)
                if record is not None:
                    records.append(record)
            offset += len(data)
            last = not data or offset >= total
            if last and ends is not None and cursor is None:
                seen.discard("")
                records.extend(self._absent(ends, seen))
            yield Page(records, None if last else f"offset:{offset}")
            if last:
                return

    def _absent(self, ends: raas.Terminations, seen: set[str]) -> list[Record]:
        """Records of the report's terminated workers the REST list lacks."""
        out = []
        for found in ends.all():
            if found.end is None or {found.wid, found.employee_id} & seen:
                continue
            if (found.worker_type or WorkerType.EMPLOYEE) is not self.kind:
                continue
            try:
                data = mapping.absent_worker(found)
            except ValueError as exc:
                who = found.wid or found.employee_id
                self.rejected.append((who, str(exc).splitlines()[0]))
                continue
            out.append(self._as_record(data))
        return out

    def _as_record(self, data: Worker) -> Record:
        wid = data.external_ids[mapping.SYSTEM]
        return Record(
            entity=self.entity,
            source_id=wid,
            event_id=mapping.event_id(data),
            data=data,
        )

    async def _record(
        self,
        raw: dict[str, Any],
        organizations: dict[str, dict[str, Any]],
        ends: raas.Terminations | None,
    ) -> Record | None:
        client = self._source.client
        wid = str(raw.get("id") or "")
        job = raw.get("primaryJob") or {}
        org_id = str((job.get("supervisoryOrganization") or {}).get("id") or "")
        if org_id and org_id not in organizations:
            organizations[org_id] = await client.organization(org_id)
        person_id = str((raw.get("person") or {}).get("id") or "")
        dates = await client.service_dates(wid) if wid else None
        try:
            found = ends.find(wid, str(raw.get("workerId") or "")) if ends else None
            hire = raas.parse_day((dates or {}).get("hireDate"), "hireDate")
            data = mapping.worker(
                raw,
                service_dates=dates,
                legal_name=await client.legal_name(person_id) if person_id else None,
                organization=organizations.get(org_id),
                termination_date=mapping.end_for(found, hire),
            )
        except ValueError as exc:
            self.rejected.append((wid, str(exc).splitlines()[0]))
            return None
        return self._as_record(data)


class WorkdaySource:
    """Workday as a :class:`~baton.connectors.base.Source`.

    Args:
        client: the tenant's client.
        name: the source's name in configuration.
        page_size: workers per ``GET /workers`` (1-100).
        report: the RaaS report with termination dates (None: none read).
        fields: the report's column aliases.
    """

    system = mapping.SYSTEM

    def __init__(
        self,
        client: WorkdayClient,
        *,
        name: str = "workday",
        page_size: int = 100,
        report: RaasClient | None = None,
        fields: raas.FieldMap | None = None,
    ) -> None:
        self.client = client
        self.name = name
        self.page_size = page_size
        self.report = report
        self.fields = fields or raas.FieldMap()
        self.workers = WorkdayWorkers(self, "workers", WorkerType.EMPLOYEE)
        self.contingent_workers = WorkdayWorkers(
            self, "contingent_workers", WorkerType.CONTRACTOR
        )

    def streams(self) -> Sequence[WorkdayWorkers]:
        """``workers`` and ``contingent_workers``."""
        return [self.workers, self.contingent_workers]

    async def terminations(self) -> raas.Terminations | None:
        """The report's entries, indexed (None: no report configured).

        Raises:
            baton.engine.errors.DeliveryError: as the report client; ``Fatal``
                when the field map does not match the report.
        """
        if self.report is None:
            return None
        entries = await self.report.entries()
        try:
            return raas.terminations(entries, self.fields)
        except raas.FieldMapError as exc:
            raise Fatal(f"workday: {exc}") from exc

    async def health(self) -> None:
        """One authenticated read: ``GET /workers?limit=1``."""
        await self.client.health()

    async def close(self) -> None:
        """Close the clients."""
        await self.client.close()
        if self.report is not None:
            await self.report.close()
