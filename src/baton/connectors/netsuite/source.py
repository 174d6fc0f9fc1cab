"""The NetSuite source: customers, jobs (projects) and employees via SuiteQL.

Each stream runs one query, paged by :meth:`~.client.NetSuiteClient.suiteql`::

    SELECT <columns>, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD"T"HH24:MI:SS')
      AS lastmodified FROM <table>
      [WHERE lastmodifieddate > TO_TIMESTAMP('<cursor>', 'YYYY-MM-DD HH24:MI:SS')]
      ORDER BY lastmodifieddate, id

Cursor rule: rows come in ``lastmodifieddate`` order, so once a page is
read every row older than the newest timestamp seen is read too. A page
therefore carries the newest timestamp *below* the newest seen (rows sharing
the newest second may still be on the next page), and the last page carries
the newest seen. Pages are yielded one behind the query for that reason. A
cursor is validated as ``YYYY-MM-DDTHH:MM:SS`` before it enters the query.

Rows that cannot be mapped are kept in :attr:`NetSuiteStream.rejected`
(internal id, reason) and the read goes on; so is a customer whose parent
would make the hierarchy cyclic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baton.connectors.base import Page, Record
from baton.connectors.netsuite import entities
from baton.model.customer import Customer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping, Sequence

    from baton.connectors.netsuite.client import NetSuiteClient
    from baton.model import CanonicalModel

__all__ = ["NetSuiteSource", "NetSuiteStream"]

_MODIFIED = "TO_CHAR(lastmodifieddate, 'YYYY-MM-DD\"T\"HH24:MI:SS') AS lastmodified"
_DAY = "TO_CHAR({0}, 'YYYY-MM-DD') AS {0}"


def query(table: str, columns: Sequence[str], cursor: str | None) -> str:
    """The stream's SuiteQL text (``cursor`` validated first).

    Raises:
        ValueError: the cursor is not ``YYYY-MM-DDTHH:MM:SS``.
    """
    # constants of this module, and a cursor parsed as a timestamp below
    text = f"SELECT {', '.join([*columns, _MODIFIED])} FROM {table}"  # noqa: S608
    if cursor is not None:
        since = entities.parse_cursor(cursor)
        text += (
            f" WHERE lastmodifieddate > TO_TIMESTAMP('{since:%Y-%m-%d %H:%M:%S}',"
            " 'YYYY-MM-DD HH24:MI:SS')"
        )
    return text + " ORDER BY lastmodifieddate, id"


class NetSuiteStream:
    """One SuiteQL table read as canonical records (see the module docstring).

    Attributes:
        name: the stream's name (``customers`` …).
        entity: the canonical entity (``Customer`` …).
        rejected: ``(internal id, reason)`` of rows that could not be mapped.
    """

    def __init__(
        self,
        source: NetSuiteSource,
        name: str,
        entity: str,
        table: str,
        columns: Sequence[str],
        to_canonical: Callable[[Mapping[str, Any]], CanonicalModel],
    ) -> None:
        self.name = name
        self.entity = entity
        self.table = table
        self.columns = tuple(columns)
        self.rejected: list[tuple[str, str]] = []
        self._source = source
        self._map = to_canonical

    async def read(self, cursor: str | None) -> AsyncIterator[Page]:
        """Pages changed after ``cursor`` (see the module docstring)."""
        text = query(self.table, self.columns, cursor)
        stamps: list[str] = [cursor] if cursor else []
        held: list[Record] | None = None
        async for rows in self._source.client.suiteql(
            text, page_size=self._source.page_size
        ):
            if held is not None:
                yield Page(held, _below_newest(stamps, cursor))
            held = []
            for row in rows:
                stamp = str(row.get("lastmodified"))
                stamps.append(stamp)
                record = self._record(row)
                if record is not None:
                    held.append(record)
        if held is not None:
            yield Page(held, max(stamps) if stamps else cursor)

    def _record(self, row: Mapping[str, Any]) -> Record | None:
        rid = str(row.get("id"))
        try:
            entities.parse_cursor(str(row.get("lastmodified")))
            data = self._map(row)
        except (ValueError, KeyError) as exc:
            self.rejected.append((rid, str(exc).splitlines()[0]))
            return None
        if isinstance(data, Customer):
            parents = self._source.customer_parents
            if entities.closes_cycle(parents, data.id, data.parent_id):
                self.rejected.append((rid, f"parent {data.parent_id} makes a cycle"))
                return None
            parents[data.id] = data.parent_id
        return Record(
            entity=self.entity,
            source_id=rid,
            event_id=entities.event_id(self.table, row),
            data=data,
        )


def _below_newest(stamps: list[str], cursor: str | None) -> str | None:
    """The newest timestamp below the newest seen (or the starting cursor)."""
    newest = max(stamps, default=None)
    below = [s for s in stamps if newest is not None and s < newest]
    return max(below) if below else cursor


class NetSuiteSource:
    """NetSuite as a :class:`~baton.connectors.base.Source`.

    Args:
        client: the account's client.
        account: currency and legal entity defaults, id → code tables.
        name: the source's name in configuration.
        page_size: rows per SuiteQL page (1–1000).
    """

    system = entities.SYSTEM

    def __init__(
        self,
        client: NetSuiteClient,
        account: entities.NetSuiteAccount,
        *,
        name: str = "netsuite",
        page_size: int = 1000,
    ) -> None:
        self.client = client
        self.account = account
        self.name = name
        self.page_size = page_size
        #: canonical customer id → parent id, as read so far (cycle guard)
        self.customer_parents: dict[str, str | None] = {}
        self._streams = {
            s.name: s
            for s in (
                NetSuiteStream(
                    self, "customers", "Customer", "customer",
                    ("id", "entityid", "companyname", "altname", "parent", "isinactive"),
                    entities.customer,
                ),
                NetSuiteStream(
                    self, "jobs", "Project", "job",
                    ("id", "entityid", "companyname", "altname", "parent", "customer",
                     "subsidiary", "currency", "entitystatus", "jobbillingtype",
                     "projectmanager", "isinactive", _DAY.format("startdate"),
                     _DAY.format("enddate"), _DAY.format("datecreated")),
                    lambda row: entities.job(row, account),
                ),
                NetSuiteStream(
                    self, "employees", "Worker", "employee",
                    ("id", "entityid", "firstname", "lastname", "email", "supervisor",
                     "subsidiary", "laborcost", _DAY.format("hiredate"),
                     _DAY.format("releasedate"), _DAY.format("datecreated")),
                    lambda row: entities.employee(row, account),
                ),
            )
        }  # fmt: skip

    def streams(self) -> Sequence[NetSuiteStream]:
        """The three streams, customers first (jobs refer to them)."""
        return list(self._streams.values())

    def stream(self, name: str) -> NetSuiteStream:
        """One stream by name (raises KeyError)."""
        return self._streams[name]

    async def health(self) -> None:
        """One authenticated SuiteQL read (:meth:`~.client.NetSuiteClient.probe`)."""
        await self.client.probe()

    async def close(self) -> None:
        """Close the client."""
        await self.client.close()
