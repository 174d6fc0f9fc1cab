"""The interfaces connectors implement: targets (writes) and sources (reads).

A **target** renders a canonical command into the exact body it will send
(stored in the outbox, so a replay preview shows the bytes), applies a stored
delivery idempotently, and looks a delivery up by its external id to settle
an ambiguous outcome.

A **source** offers streams; a stream reads pages of canonical records from
a cursor (full read: ``None``) and returns the cursor to store after each
page, so an incremental read resumes where the last one stopped. Each record
carries a stable ``event_id`` (vendor id + version or update time) that the
inbox dedupes on.

Errors are raised as :mod:`baton.engine.errors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from baton.model.commands import Command
    from baton.model.common import CanonicalModel
    from baton.store.ports import DeliveryRow

__all__ = ["Page", "Probe", "Record", "Source", "Stream", "Target"]


@dataclass(frozen=True, slots=True)
class Record:
    """One canonical record read from a source.

    Attributes:
        entity: canonical entity name (``TimeEntry``, ``Worker`` …).
        source_id: the vendor's id for the record.
        event_id: unique per version of the record (the inbox dedupes on it).
        data: the canonical record.
    """

    entity: str
    source_id: str
    event_id: str
    data: CanonicalModel


@dataclass(frozen=True, slots=True)
class Page:
    """Records of one page and the cursor to store once they are ingested."""

    records: Sequence[Record]
    cursor: str | None


class Stream(Protocol):
    """One readable collection of a source (e.g. Harvest time entries)."""

    name: str
    entity: str

    def read(self, cursor: str | None) -> AsyncIterator[Page]:
        """Pages from ``cursor`` on (``None``: everything)."""
        ...


class Source(Protocol):
    """A system Baton reads from (CRM, HRIS, PSA …)."""

    name: str
    system: str

    def streams(self) -> Sequence[Stream]:
        """The streams this source offers."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class Target(Protocol):
    """A system Baton writes to (an ERP, a PSA, payroll …).

    Attributes:
        name: the target's name in configuration (e.g. ``erp``).
        system: the system name used in cross-references (e.g. ``generic-erp``).
        account: the vendor account; the rate limiter is shared per account.

    A target whose client takes the account limiter's slots itself (per HTTP
    call, as :class:`baton.connectors.http.VendorHttp` does) sets a class
    attribute ``self_limited = True``; the dispatcher then takes none.
    """

    name: str
    system: str
    account: str

    def render(self, command: Command) -> str:
        """The exact JSON body this target will send for ``command``."""
        ...

    async def apply(self, delivery: DeliveryRow) -> str:
        """Send the delivery; return the target's id for the record.

        Raises:
            baton.engine.errors.DeliveryError: classified by its subclass.
        """
        ...

    async def lookup(self, delivery: DeliveryRow) -> str | None:
        """The target's id for this delivery if it already holds it, else None."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


@runtime_checkable
class Probe(Protocol):
    """A connector that can check it reaches its vendor (``baton connectors check``).

    ``health()`` makes one cheap authenticated read (e.g. the current user or
    the first record of a small collection) and returns normally when the
    vendor answers. It raises :mod:`baton.engine.errors`: ``Fatal`` when the
    credentials are refused, ``Retriable`` when the vendor is unreachable or
    failing, ``RateLimited`` when it is throttling.
    """

    async def health(self) -> None:
        """Raise a classified error unless the vendor answers an authenticated read."""
        ...
