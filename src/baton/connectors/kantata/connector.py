"""The Kantata OX source: time entries, users, workspaces, stories, expenses, staffing.

Time entries, workspaces, stories and expenses are incremental on
``updated_at`` (see :mod:`.stream` for the cursor and its overlap); users
carry no ``updated_at`` and are read whole, each versioned by a hash of its
record. ``event_id`` is ``kantata:<kind>:<id>:<updated_at>``. Workspaces are
read with ``include_archived=true``: Kantata hides archived ones otherwise,
and archiving is how a project is seen to complete.

``participations`` reads staffing as assignments, workspace by workspace
(see :mod:`.staffing`); ``subscribed_events`` reads time entries from
Kantata's change feed instead (see :mod:`.events`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, overload

from . import mapping
from .events import KantataEventStream
from .staffing import KantataStaffingStream
from .stream import KantataStream

if TYPE_CHECKING:
    from collections.abc import Sequence

    from baton.connectors.base import Stream

    from .client import KantataClient

__all__ = ["KantataSource", "KantataStream"]


class KantataSource:
    """Kantata OX as a Baton source (one account, one client).

    Args:
        client: the account's client.
        context: cross-references and defaults for the mapping.
        name: the source's name in configuration.
    """

    system = "kantata"

    def __init__(
        self,
        client: KantataClient,
        context: mapping.KantataContext | None = None,
        *,
        name: str = "kantata",
    ) -> None:
        self.client = client
        self.context = context or mapping.KantataContext()
        self.name = name

    async def health(self) -> None:
        """One authenticated read: the token's own user (``GET /users/me.json``)."""
        await self.client.get("users/me")

    async def close(self) -> None:
        """Close the client's connection pools."""
        await self.client.close()

    def streams(self) -> Sequence[Stream]:
        """Time entries, users, workspaces, stories, expenses, staffing; the feed."""
        ctx, c = self.context, self.client
        return [
            KantataStream(
                "time_entries",
                "TimeEntry",
                "time_entry",
                c,
                lambda r: mapping.time_entry(r, ctx),
            ),
            KantataStream(
                "users",
                "Worker",
                "user",
                c,
                lambda r: mapping.user_to_worker(r, ctx),
                incremental=False,
            ),
            KantataStream(
                "workspaces",
                "Project",
                "workspace",
                c,
                lambda r: mapping.workspace_to_project(r, ctx),
                params={"include_archived": "true"},  # archiving completes it
            ),
            KantataStream("stories", "Task", "story", c, mapping.story_to_task),
            KantataStream(
                "expenses", "Expense", "expense", c, lambda r: mapping.expense(r, ctx)
            ),
            KantataStaffingStream(c, ctx),
            KantataEventStream(c, ctx),
        ]

    @overload
    def stream(  # type: ignore[overload-overlap]  # the Literal is the narrower name
        self, name: Literal["subscribed_events"]
    ) -> KantataEventStream: ...
    @overload
    def stream(  # type: ignore[overload-overlap]  # the Literal is the narrower name
        self, name: Literal["participations"]
    ) -> KantataStaffingStream: ...
    @overload
    def stream(self, name: str) -> KantataStream: ...
    def stream(
        self, name: str
    ) -> KantataStream | KantataEventStream | KantataStaffingStream:
        """The stream called ``name``."""
        for s in self.streams():
            if s.name == name:
                assert isinstance(
                    s, KantataStream | KantataEventStream | KantataStaffingStream
                )
                return s
        raise KeyError(name)
