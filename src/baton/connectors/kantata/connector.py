"""The Kantata OX source: time entries, users, workspaces, stories, expenses.

Incremental streams (time entries, workspaces, stories, expenses) keep the
last ``updated_at`` seen as their cursor and read with ``updated_after`` in
``updated_at`` order. Each request asks from one second *before* the newest
stamp seen so far (page 1 again once the stamp moves, the next page while it
does not), skipping versions already yielded: an entry edited mid-read, or
several sharing one second, is re-read rather than missed. A new read
re-yields the versions stamped in the cursor's own second (Kantata stamps
to the second; one written there after the last read would otherwise be
lost): duplicates, which the inbox absorbs, never gaps. Users carry no ``updated_at``: that
stream reads everything and versions each user by a hash of its record.

``event_id`` is ``kantata:<kind>:<id>:<updated_at>``.

The ``subscribed_events`` stream reads time entries from Kantata's change
feed instead (see :mod:`.events`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload

import orjson

from baton.connectors.base import Page, Record
from baton.engine.errors import Invalid

from . import mapping
from .client import reassemble
from .events import KantataEventStream

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping, Sequence

    from baton.connectors.base import Stream
    from baton.model.common import CanonicalModel

    from .client import KantataClient

__all__ = ["KantataSource", "KantataStream"]

_OVERLAP = dt.timedelta(seconds=1)


def _version(raw: Mapping[str, Any]) -> str:
    stamp = raw.get("updated_at")
    if stamp:
        return str(stamp)
    return hashlib.sha256(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)).hexdigest()[
        :16
    ]


def _later(a: str | None, b: str) -> str:
    if a is None or dt.datetime.fromisoformat(b) > dt.datetime.fromisoformat(a):
        return b
    return a


def _before(stamp: str, cursor: str) -> bool:
    return dt.datetime.fromisoformat(stamp) < dt.datetime.fromisoformat(cursor)


@dataclass
class KantataStream:
    """One Kantata collection read as canonical records (see the module docstring)."""

    name: str
    entity: str
    kind: str
    client: KantataClient
    convert: Callable[[Mapping[str, Any]], CanonicalModel]
    incremental: bool = True
    per_page: int = 200

    def _record(self, raw: Mapping[str, Any]) -> Record:
        rid = str(raw["id"])
        try:
            data = self.convert(raw)
        except (ValueError, KeyError, TypeError) as exc:
            raise Invalid(
                f"kantata {self.kind} {rid} cannot be mapped: {exc}",
                rule="kantata.mapping",
                owner_team="delivery_ops",
                fix=f"correct {self.kind} {rid} in Kantata; it is read again once updated",
            ) from exc
        event = f"{mapping.SYSTEM}:{self.kind}:{rid}:{_version(raw)}"
        return Record(self.entity, rid, event, data)

    async def read(self, cursor: str | None) -> AsyncIterator[Page]:
        """Pages from ``cursor`` (an ``updated_at``) on; ``None``: everything."""
        if not self.incremental:
            async for page in self.client.pages(self.name, per_page=self.per_page):
                yield Page([self._record(r) for r in page.records], None)
            return
        newest, number, seen = cursor, 1, set[tuple[str, str]]()
        while True:
            params: dict[str, Any] = {"order": "updated_at:asc", "page": number}
            if newest is not None:
                since = dt.datetime.fromisoformat(newest) - _OVERLAP
                params["updated_after"] = since.isoformat()
            doc = await self.client.get(
                self.name, {**params, "per_page": self.per_page}
            )
            fresh = [
                r for r in reassemble(doc) if (str(r["id"]), _version(r)) not in seen
            ]
            if cursor is not None:  # the overlap: keep the cursor's own second
                fresh = [r for r in fresh if not _before(r["updated_at"], cursor)]
            last_page = number >= int(doc.get("meta", {}).get("page_count", number))
            moved = newest
            for raw in fresh:
                seen.add((str(raw["id"]), _version(raw)))
                moved = _later(moved, str(raw["updated_at"]))
            if fresh:
                yield Page([self._record(r) for r in fresh], moved)
            if last_page:
                return
            number = 1 if moved != newest else number + 1
            newest = moved


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
        """Time entries, users, workspaces, stories, expenses; the change feed."""
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
            ),
            KantataStream("stories", "Task", "story", c, mapping.story_to_task),
            KantataStream(
                "expenses", "Expense", "expense", c, lambda r: mapping.expense(r, ctx)
            ),
            KantataEventStream(c, ctx),
        ]

    @overload
    def stream(  # type: ignore[overload-overlap]  # the Literal is the narrower name
        self, name: Literal["subscribed_events"]
    ) -> KantataEventStream: ...
    @overload
    def stream(self, name: str) -> KantataStream: ...
    def stream(self, name: str) -> KantataStream | KantataEventStream:
        """The stream called ``name``."""
        for s in self.streams():
            if s.name == name:
                assert isinstance(s, KantataStream | KantataEventStream)
                return s
        raise KeyError(name)
