"""The Harvest source: time entries, users, projects, assignments, expenses, tasks.

Every stream reads incrementally with ``updated_since`` = the stored cursor
(an ISO 8601 UTC timestamp; ``None`` reads everything) and yields one
:class:`~baton.connectors.base.Page` per Harvest page.

Cursor rule: Harvest sorts lists by date or creation, not by ``updated_at``,
so a record changed long ago can sit on the last page. Pages before the last
therefore carry the cursor the read started from (a read that stops halfway
restarts from it); the last page carries the newest ``updated_at`` seen.
``updated_since`` is taken as inclusive, so the records updated exactly at
the cursor come back once more: same ``event_id``, deduped by the inbox.

Records that cannot be mapped are kept in :attr:`HarvestStream.rejected`
(Harvest id, reason) and the read goes on. Running timers are skipped: they
come back with a newer ``updated_at`` once stopped.

Time entries carry only the project's id and name; the project code comes
from the codes the ``projects`` stream has seen, and an unknown project is
fetched once (``GET /projects/{id}``). Expenses and task assignments carry
the project's code themselves; it is learnt from them too (the canonical
``Expense`` has no project code: its ``project_id`` is the project's id).
Expense and task mappings: :mod:`baton.connectors.harvest.mapping_expenses`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baton.connectors.base import Page, Record
from baton.connectors.harvest import mapping, mapping_expenses

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping, Sequence

    from baton.connectors.harvest.client import HarvestClient
    from baton.model import CanonicalModel

__all__ = ["HarvestSource", "HarvestStream"]

_CARRY_CODES = frozenset({"expenses", "task_assignments"})


class HarvestStream:
    """One Harvest list endpoint read as canonical records.

    Attributes:
        name: the stream's name (``time_entries`` …).
        entity: the canonical entity (``TimeEntry`` …).
        rejected: ``(harvest id, reason)`` of records that could not be mapped.
    """

    def __init__(
        self,
        source: HarvestSource,
        name: str,
        entity: str,
        kind: str,
        path: str,
        to_canonical: Callable[[Mapping[str, Any]], CanonicalModel],
    ) -> None:
        self.name = name
        self.entity = entity
        self.kind = kind
        self.path = path
        self.key = path.strip("/")  # Harvest names the answer's list after the path
        self.rejected: list[tuple[str, str]] = []
        self._source = source
        self._map = to_canonical

    async def read(self, cursor: str | None) -> AsyncIterator[Page]:
        """Pages changed since ``cursor`` (see the module docstring)."""
        params = {"updated_since": cursor} if cursor else None
        newest = mapping.parse_timestamp(cursor) if cursor else None
        client = self._source.client
        async for page in client.pages(
            self.path, self.key, per_page=self._source.per_page, params=params
        ):
            records = []
            for raw in page.records:
                try:
                    stamp = mapping.parse_timestamp(str(raw["updated_at"]))
                except (KeyError, ValueError):
                    self.rejected.append((str(raw.get("id")), "updated_at is missing"))
                    continue
                newest = stamp if newest is None else max(newest, stamp)
                record = await self._record(raw)
                if record is not None:
                    records.append(record)
            if page.last and newest is not None:
                yield Page(records, mapping.format_timestamp(newest))
            else:
                yield Page(records, cursor)

    async def _record(self, raw: Mapping[str, Any]) -> Record | None:
        if raw.get("is_running"):
            return None
        if self.name == "projects" and raw.get("code"):
            self._source.project_codes[int(raw["id"])] = str(raw["code"])
        ref = raw.get("project") if self.name in _CARRY_CODES else None
        if isinstance(ref, dict) and ref.get("code") and ref.get("id") is not None:
            self._source.project_codes[int(ref["id"])] = str(ref["code"])
        if self.name == "time_entries":
            await self._source.learn_project(raw)
        try:
            data = self._map(raw)
        except ValueError as exc:
            self.rejected.append((str(raw.get("id")), str(exc).splitlines()[0]))
            return None
        return Record(
            entity=self.entity,
            source_id=str(raw["id"]),
            event_id=mapping.event_id(self.kind, raw),
            data=data,
        )


class HarvestSource:
    """Harvest as a :class:`~baton.connectors.base.Source`.

    Args:
        client: the account's client.
        account: currency, legal entity, cost centre and pay code for mapping.
        name: the source's name in configuration.
        per_page: records per Harvest page (1–2000).
    """

    system = mapping.SYSTEM

    def __init__(
        self,
        client: HarvestClient,
        account: mapping.HarvestAccount,
        *,
        name: str = "harvest",
        per_page: int = 2000,
    ) -> None:
        self.client = client
        self.account = account
        self.name = name
        self.per_page = per_page
        self.project_codes: dict[int, str] = {}
        self._looked_up: set[int] = set()
        self._streams = {
            s.name: s
            for s in (
                HarvestStream(
                    self,
                    "time_entries",
                    "TimeEntry",
                    "time_entry",
                    "/time_entries",
                    lambda raw: mapping.time_entry(raw, account, self.project_codes),
                ),
                HarvestStream(
                    self,
                    "users",
                    "Worker",
                    "user",
                    "/users",
                    lambda raw: mapping.worker(raw, account),
                ),
                HarvestStream(
                    self,
                    "projects",
                    "Project",
                    "project",
                    "/projects",
                    lambda raw: mapping.project(raw, account),
                ),
                HarvestStream(
                    self,
                    "project_assignments",
                    "Assignment",
                    "user_assignment",
                    "/user_assignments",
                    lambda raw: mapping.assignment(raw, account),
                ),
                HarvestStream(
                    self,
                    "expenses",
                    "Expense",
                    "expense",
                    "/expenses",
                    lambda raw: mapping_expenses.expense(raw, account),
                ),
                HarvestStream(
                    self,
                    "task_assignments",
                    "Task",
                    "task_assignment",
                    "/task_assignments",
                    mapping_expenses.task,
                ),
            )
        }

    def streams(self) -> Sequence[HarvestStream]:
        """The six streams, time entries first."""
        return list(self._streams.values())

    def stream(self, name: str) -> HarvestStream:
        """One stream by name (raises KeyError)."""
        return self._streams[name]

    async def learn_project(self, raw: Mapping[str, Any]) -> None:
        """Fetch the code of a project not seen yet (once per project)."""
        ref = raw.get("project")
        if not isinstance(ref, dict) or ref.get("id") is None:
            return
        pid = int(ref["id"])
        if pid in self.project_codes or pid in self._looked_up:
            return
        self._looked_up.add(pid)
        doc = await self.client.get(f"/projects/{pid}")
        if isinstance(doc, dict) and doc.get("code"):
            self.project_codes[pid] = str(doc["code"])

    async def health(self) -> None:
        """One authenticated read: ``GET /users/me``."""
        await self.client.get("/users/me")

    async def close(self) -> None:
        """Close the client."""
        await self.client.close()
