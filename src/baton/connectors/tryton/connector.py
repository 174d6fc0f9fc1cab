"""The Tryton target: approved time → ``timesheet.line`` over JSON-RPC.

* ``render`` stores the body of :mod:`baton.connectors.tryton.mapping`.
* ``apply`` resolves the body's project code to a bookable ``timesheet.work``
  (cached per code), then creates one line and returns its id.
* ``lookup`` searches the lines of the company whose description is the
  body's Baton reference (``baton:<entry_id>``).

Errors come from :class:`~baton.connectors.tryton.client.TrytonClient`
(Tryton's validation errors → ``Invalid`` with rule ``tryton.rejected``); the
connector adds ``tryton.work_unknown`` (no single bookable work for the code)
and ``tryton.employee_unknown`` (the employee reference is not a Tryton id).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import orjson

from baton.connectors.tryton.client import TrytonClient
from baton.connectors.tryton.mapping import (
    MAPPING_VERSION,
    MappingError,
    line_values,
    reference,
    timesheet_body,
)
from baton.engine.errors import Fatal, Invalid

if TYPE_CHECKING:
    from baton.model.commands import Command
    from baton.store.ports import DeliveryRow

__all__ = ["TrytonTarget"]


class TrytonTarget:
    """Posts time entries as Tryton timesheet lines; finds them by reference.

    Args:
        base_url: the server root, e.g. ``http://127.0.0.1:8000``.
        database: the Tryton database name.
        login: the connector user's login; password: its password.
        name: the target's name in configuration.
        account: the account the rate limiter is shared by
            (default ``<host>/<database>``).
        timeout: seconds for one call; past it a write is ambiguous.
        client: a ready client (tests); replaces the four connection args.
    """

    system = "tryton"

    def __init__(
        self,
        base_url: str = "",
        database: str = "",
        login: str = "",
        password: str = "",
        *,
        name: str = "erp",
        account: str | None = None,
        timeout: float = 30.0,
        client: TrytonClient | None = None,
    ) -> None:
        self.name = name
        self._client = client or TrytonClient(
            base_url, database, login, password, timeout=timeout
        )
        host = base_url.split("/")[2] if "//" in base_url else base_url
        self.account = account or f"{host}/{self._client.database}"
        self._works: dict[str, int] = {}
        self._login_lock = asyncio.Lock()

    def render(self, command: Command) -> str:
        """The JSON body stored in the outbox: the line to create."""
        return orjson.dumps(timesheet_body(command)).decode()

    async def apply(self, delivery: DeliveryRow) -> str:
        """Create the timesheet line; return its Tryton id."""
        body = _body(delivery)
        company = await self._company()
        code = str(body["project_code"])
        work = await self._work(code, company)
        try:
            values = line_values(body, company=company, work=work)
        except MappingError as exc:
            raise Invalid(
                str(exc),
                rule="tryton.employee_unknown",
                owner_team="hr",
                fix="set the worker's erp_employee_id to the Tryton employee id, "
                "then replay",
            ) from exc
        try:
            (line_id,) = await self._client.call("timesheet.line.create", [values])
        except Invalid:
            self._works.pop(code, None)  # the work may have changed: resolve again
            raise
        return str(line_id)

    async def lookup(self, delivery: DeliveryRow) -> str | None:
        """The id of the line carrying this delivery's reference, or None."""
        body = _body(delivery)
        ref = str(body.get("line", {}).get("description") or "") or reference(
            delivery.canonical_id
        )
        company = await self._company()
        ids = await self._client.call(
            "timesheet.line.search",
            [("description", "=", ref), ("company", "=", company)],
            0,
            None,
            [("id", "ASC")],
        )
        return str(ids[0]) if ids else None

    async def health(self) -> None:
        """One authenticated call: the user's preferences (logs in if needed).

        Raises:
            Fatal: the login was refused; Retriable: Tryton is unreachable.
        """
        await self._client.call("res.user.get_preferences", True)

    async def close(self) -> None:
        """Log out and release connections."""
        await self._client.close()

    async def _company(self) -> int:
        """The connector user's current company (logs in on first use)."""
        async with self._login_lock:
            if self._client.user_id is None:
                await self._client.login()
        company = self._client.context.get("company")
        if not isinstance(company, int):
            raise Fatal("the Tryton user has no current company")
        return company

    async def _work(self, code: str, company: int) -> int:
        """The bookable ``timesheet.work`` of the project whose number/name is ``code``."""
        cached = self._works.get(code)
        if cached is not None:
            return cached
        rows: list[dict[str, Any]] = await self._client.call(
            "project.work.search_read",
            [
                ("company", "=", company),
                ["OR", ("number", "=", code), ("name", "=", code)],
            ],
            0,
            None,
            None,
            ["id", "timesheet_works"],
        )
        works = [w for row in rows for w in row["timesheet_works"]]
        if len(works) != 1:
            found = "no" if not rows else f"{len(rows)} matching"
            raise Invalid(
                f"project {code}: {found} project in Tryton, "
                f"{len(works)} bookable timesheet works (need exactly one)",
                rule="tryton.work_unknown",
                owner_team="delivery_ops",
                fix="create the project in Tryton (name or number = the code) and "
                "make it available for timesheets, then replay",
            )
        self._works[code] = int(works[0])
        return self._works[code]


def _body(delivery: DeliveryRow) -> dict[str, Any]:
    try:
        body = orjson.loads(delivery.payload)
    except orjson.JSONDecodeError as exc:
        raise Fatal(f"delivery {delivery.id}: stored body is not JSON") from exc
    if not isinstance(body, dict) or body.get("mapping") != MAPPING_VERSION:
        raise Fatal(f"delivery {delivery.id}: stored body is not {MAPPING_VERSION}")
    return body
