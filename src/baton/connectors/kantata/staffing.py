"""Kantata staffing read as canonical assignments: the ``participations`` stream.

Why participations: they are what :class:`.writes.KantataWrites` writes
(staffing a won deal), what lets a consultant log time, and they carry the
bill rate (``rate_in_cents``). ``workspace_resources`` (a resource's
``resource_bill_rate``, earliest/latest allocation dates) and
``workspace_allocations`` (dated bookings with a ``percentage``) describe
*scheduling*: they exist only where resource management is used, and one
participant may hold many allocations, none of which alone is the
assignment. So an assignment is a participation dated and priced by its
workspace (see :mod:`.staffing_mapping`); client participants (role
``buyer``) are not staffing and are skipped.

Kantata's participations index *requires* ``workspace_id`` (documented), so
one read lists every workspace (``include_archived=true``) and then each
workspace's participations, incrementally as :class:`.stream.KantataStream`
does (``updated_after``, ``order=updated_at:asc``, the keyed-map envelope in
``results`` order). ``updated_at`` on participations and their
``updated_after`` filter are [kb]: the gem catalogue lists no timestamps;
the API docs list ``created_after``/``created_before`` for them, which on the
other collections checked (cost rates, account memberships) come with
``updated_after``/``updated_before``.
Should a server send participations without ``updated_at``, the read stops
with :class:`~baton.engine.errors.Fatal` saying so, not a bare ``KeyError``.

An assignment changes when its participation *or* its workspace does (dates,
currency): ``event_id`` is ``kantata:participation:<id>:<later of the two
updated_at>``, and a workspace changed since the cursor has all its
participations read again. Workspaces are read one after another, so a
change made during a read in a workspace already passed may be older than
the newest stamp seen later: the stored cursor is pulled back by the read's
own duration, rounded up to whole seconds (never behind the previous
cursor), which re-reads that window next time (duplicates the inbox
absorbs) instead of losing it. A read costs one request per workspace (and
page) besides the workspace list.

Rows that cannot be mapped go to :attr:`KantataStaffingStream.rejected`
and the read goes on.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from baton.connectors.base import Page
from baton.engine.errors import Fatal

from .client import MAX_PER_PAGE
from .staffing_mapping import is_staffing, participation_to_assignment
from .stream import KantataStream, later, version

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    from .client import KantataClient
    from .mapping import KantataContext

__all__ = ["KantataStaffingStream"]


def _changed(workspace: Mapping[str, Any], cursor: str | None) -> bool:
    stamp = workspace.get("updated_at")
    if cursor is None or not stamp:
        return True
    return dt.datetime.fromisoformat(stamp) >= dt.datetime.fromisoformat(cursor)


@dataclass
class KantataStaffingStream:
    """Provider participations as assignments (see the module docstring).

    Attributes:
        rejected: ``(participation id, reason)`` of rows that could not be mapped.
    """

    client: KantataClient
    context: KantataContext
    per_page: int = MAX_PER_PAGE
    name: str = "participations"
    entity: str = "Assignment"
    rejected: list[tuple[str, str]] = field(default_factory=list)

    async def workspaces(self) -> list[dict[str, Any]]:
        """Every workspace, archived ones included, in id order."""
        out: list[dict[str, Any]] = []
        params = {"include_archived": "true"}
        async for page in self.client.pages(
            "workspaces", params, per_page=self.per_page
        ):
            out += page.records
        return out

    def _stream(self, workspace: dict[str, Any]) -> KantataStream:
        ctx, stamp = self.context, workspace.get("updated_at")

        def convert(raw: Mapping[str, Any]) -> Any:
            return participation_to_assignment(raw, workspace, ctx)

        def version_of(raw: Mapping[str, Any]) -> str:
            own = version(raw)
            return later(own, str(stamp)) if stamp and raw.get("updated_at") else own

        return KantataStream(
            "participations",
            self.entity,
            "participation",
            self.client,
            convert,
            per_page=self.per_page,
            params={"workspace_id": workspace["id"]},
            version_of=version_of,
            rejected=self.rejected,
            keep=is_staffing,
        )

    async def read(self, cursor: str | None) -> AsyncIterator[Page]:
        """Pages from ``cursor`` (an ``updated_at``) on; ``None``: everything.

        Every page but the last carries ``cursor`` unchanged; the last (possibly
        empty) carries the new one.
        """
        began, newest = time.monotonic(), cursor
        for workspace in await self.workspaces():
            changed = _changed(workspace, cursor)
            if changed and workspace.get("updated_at"):
                newest = later(newest, str(workspace["updated_at"]))
            pages = self._stream(workspace).read(None if changed else cursor)
            try:
                async for page in pages:
                    if page.cursor is not None:
                        newest = later(newest, page.cursor)
                    if page.records:
                        yield Page(page.records, cursor)
            except KeyError as exc:  # the [kb] above proved wrong: say so
                if exc.args != ("updated_at",):
                    raise
                raise Fatal(
                    "kantata: participations carry no updated_at; "
                    "the participations stream cannot read incrementally"
                ) from exc
        if newest is not None and newest != cursor:
            margin = dt.timedelta(seconds=math.ceil(time.monotonic() - began))
            back = (dt.datetime.fromisoformat(newest) - margin).isoformat()
            newest = back if cursor is None else later(cursor, back)
        yield Page([], newest)
