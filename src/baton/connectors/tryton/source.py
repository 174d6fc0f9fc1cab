"""The Tryton source: employees, projects, tasks and timesheet lines, paged.

Every stream reads the records of the user's current company in the order
of ``last_modified_at`` (Tryton's ``coalesce(write_date, create_date)``,
searchable and sortable in Tryton 8.2's ``ModelSQL``) then ``id``, one
``search_read`` of ``page_size`` rows per page. Paging is by keyset, not by
offset: each page asks for the rows strictly after the last row of the page
before (:class:`~baton.connectors.tryton.source_values.Watermark`), so a
record changed during a read moves past the watermark and comes once more,
as its new version, instead of shifting the pages under the read (an offset
would skip or repeat rows then).
Each page carries the watermark of its last row as the cursor; a read from
a stored cursor resumes right after it.

Known limit: Tryton stamps a record with its transaction's start time
(PostgreSQL ``CURRENT_TIMESTAMP``; the SQLite backend caches ``now()`` per
transaction), so a transaction still open while a read passes its stamp is
missed until the record changes again; long writers need a full re-read.

``event_id`` is ``<model>:<id>:<last_modified_at>``. Records that cannot be
mapped are kept in :attr:`TrytonStream.rejected` (Tryton id, reason) and the
read goes on. Errors come from
:class:`~baton.connectors.tryton.client.TrytonClient` (an expired session is
renewed once, mid-read included).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from baton.connectors.base import Page, Record
from baton.connectors.tryton import source_mapping as m
from baton.connectors.tryton.erp import company_currency
from baton.connectors.tryton.source_values import Books, Watermark, event_id
from baton.connectors.tryton.source_works import (
    WORK_FIELDS,
    task_of,
    work_ref_of,
    work_refs,
    works_with_ancestors,
)
from baton.engine.errors import Fatal

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Sequence

    from baton.connectors.tryton.client import TrytonClient
    from baton.model import CanonicalModel

__all__ = ["TrytonSource", "TrytonStream"]

_ORDER = [("last_modified_at", "ASC"), ("id", "ASC")]
_STAMPS = ["id", "last_modified_at", "create_date"]
_FIELDS = {
    "employees": [
        *_STAMPS,
        *("party.name", "party.email", "start_date", "end_date"),
        *("cost_prices.date", "cost_prices.cost_price"),
    ],
    "projects": [
        *_STAMPS,
        *("name", "number", "party.code", "status.progress"),
        *("project_invoice_method", "timesheet_start_date", "timesheet_end_date"),
    ],
    "tasks": [*_STAMPS, *WORK_FIELDS, "timesheet_start_date", "timesheet_end_date"],
    "timesheet_lines": [
        *_STAMPS,
        *("employee", "date", "duration", "description"),
        *("work", "work.name", "work.origin"),
    ],
}
_Rows = list[dict[str, Any]]
_STREAMS: list[tuple[str, str, str, list[Any]]] = [
    ("timesheet_lines", "TimeEntry", "timesheet.line", []),
    ("employees", "Worker", "company.employee", []),
    ("projects", "Project", "project.work", [("type", "=", "project")]),
    ("tasks", "Task", "project.work", [("type", "=", "task")]),
]


class TrytonStream:
    """One Tryton model read as canonical records, page by page.

    Attributes:
        name: the stream's name (``timesheet_lines`` …).
        entity: the canonical entity (``TimeEntry`` …).
        model: the Tryton model read.
        rejected: ``(Tryton id, reason)`` of records that could not be mapped.
    """

    def __init__(
        self,
        source: TrytonSource,
        name: str,
        entity: str,
        model: str,
        domain: list[Any],
    ) -> None:
        self.name = name
        self.entity = entity
        self.model = model
        self.rejected: list[tuple[str, str]] = []
        self._source = source
        self._domain = domain

    async def read(self, cursor: str | None) -> AsyncIterator[Page]:
        """Pages after ``cursor`` (``None``: everything; see the module docstring).

        Raises:
            Fatal: ``cursor`` is not a cursor this source wrote.
        """
        try:
            mark = Watermark.parse(cursor) if cursor else None
        except ValueError as exc:
            raise Fatal(str(exc)) from exc
        source = self._source
        books = await source.books()
        size = source.page_size
        pages = 0
        while True:
            domain = [("company", "=", books.company), *self._domain]
            if mark is not None:
                domain.append(mark.after())
            rows: _Rows = await source.client.call(
                f"{self.model}.search_read",
                domain,
                0,
                size,
                _ORDER,
                list(_FIELDS[self.name]),
                context={"active_test": False},
            )
            if rows:
                mark = Watermark.of(rows[-1])
                records = await self._records(rows, books)
                pages += 1
                yield Page(records, str(mark))
            elif pages == 0:
                yield Page([], cursor)
            if len(rows) < size:
                return

    async def _records(self, rows: _Rows, books: Books) -> list[Record]:
        maps = await self._source.mappers(self.name, rows, books)
        out = []
        for row in rows:
            try:
                data = maps(row)
            except ValueError as exc:
                self.rejected.append((str(row["id"]), str(exc).splitlines()[0]))
                continue
            out.append(
                Record(
                    entity=self.entity,
                    source_id=str(row["id"]),
                    event_id=event_id(self.model, row),
                    data=data,
                )
            )
        return out


class TrytonSource:
    """Tryton as a :class:`~baton.connectors.base.Source` (and a Probe).

    Args:
        client: the database's client (give it the account limiter).
        name: the source's name in configuration.
        page_size: rows per ``search_read`` (Tryton sets no maximum).
        pay_code: the pay code of every time entry (Tryton records none).
        today: the day cost rates are taken on (default: today, UTC).
    """

    system = "tryton"

    def __init__(
        self,
        client: TrytonClient,
        *,
        name: str = "tryton",
        page_size: int = 200,
        pay_code: str = "REG",
        today: Callable[[], dt.date] | None = None,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.client = client
        self.name = name
        self.page_size = page_size
        self.pay_code = pay_code
        self._today = today or (lambda: dt.datetime.now(dt.UTC).date())
        self._books: Books | None = None
        self._streams = {
            name: TrytonStream(self, name, entity, model, domain)
            for name, entity, model, domain in _STREAMS
        }

    def streams(self) -> Sequence[TrytonStream]:
        """The four streams, timesheet lines first."""
        return list(self._streams.values())

    def stream(self, name: str) -> TrytonStream:
        """One stream by name (raises KeyError)."""
        return self._streams[name]

    async def books(self) -> Books:
        """The user's company and its currency (read once; logs in first).

        Raises:
            Fatal: the Tryton user has no current company.
        """
        if self._books is None:
            if self.client.user_id is None:
                await self.client.login()
            if not isinstance(self.client.context.get("company"), int):
                raise Fatal("the Tryton user has no current company")
            company, _currency, code = await company_currency(self.client)
            self._books = Books(company, code, self.pay_code)
        return self._books

    async def health(self) -> None:
        """One authenticated call: the user's preferences (logs in if needed)."""
        await self.client.call("res.user.get_preferences", True)

    async def close(self) -> None:
        """Log out and close the client."""
        await self.client.close()

    async def mappers(
        self, stream: str, rows: _Rows, books: Books
    ) -> Callable[[dict[str, Any]], CanonicalModel]:
        """The row → canonical function of ``stream`` for one page (reads the
        works a page of tasks or lines refers to, two calls at most)."""
        if stream == "employees":
            today = self._today()
            return lambda row: m.worker_from_employee(row, books, as_of=today)
        if stream == "projects":
            return lambda row: m.project_from_work(row, books)
        if stream == "tasks":
            works = await works_with_ancestors(self.client, rows)
            return lambda row: task_of(row, works)
        refs = await work_refs(self.client, rows)
        return lambda row: m.time_entry_from_line(row, books, work_ref_of(row, refs))
