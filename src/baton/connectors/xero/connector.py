"""The Xero target: approved time as Xero Projects time entries.

``apply`` posts the stored body to ``/Projects/{projectId}/Time`` and returns
Xero's ``timeEntryId``.

``lookup`` (settling an ambiguous write): Xero time entries have no
external-reference field, so the Baton entry id travels as a trailing
``[baton:<id>]`` marker in ``description``. ``lookup`` lists the project's
entries filtered server-side by the stored ``userId``, ``taskId`` and a
±1 day window around ``dateUtc`` (few pages, usually one), follows every
page, and matches the marker exactly. A manual edit of the description in
Xero loses the marker; the entry is then not found and would be posted again
(the Projects API's ``Idempotency-Key`` header would close that gap, but
:class:`~baton.connectors.http.VendorHttp` sends no per-request headers yet).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import orjson

from baton.connectors.xero.client import PROJECTS, XeroClient
from baton.connectors.xero.mapping import (
    SYSTEM,
    entry_id_of,
    parse_utc,
    time_entry_body,
)

if TYPE_CHECKING:
    from baton.engine.limiter import AccountLimiter
    from baton.model.commands import Command
    from baton.store.ports import DeliveryRow

__all__ = ["XeroTarget"]

_DAY = dt.timedelta(days=1)


def _iso(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


class XeroTarget:
    """Posts approved time to one Xero tenant (see the module docstring).

    Args:
        base_url: ``https://api.xero.com`` (or a sandbox's URL).
        tenant_id: the Xero organisation (also the limiter's account).
        client_id: the custom connection's client id.
        client_secret: its secret.
        tz: the organisation's time zone (IANA name) for ``dateUtc``.
        name: the target's name in configuration.
        limiter: the tenant's shared limiter, used per HTTP call.
        token_url: the token endpoint (default: Xero's).
        timeout: seconds per request.
        exhausted_pause: see :func:`baton.connectors.xero.client.xero_feedback`.
    """

    system = SYSTEM
    self_limited = True  # XeroClient takes the tenant limiter per HTTP call

    def __init__(
        self,
        base_url: str,
        tenant_id: str,
        *,
        client_id: str,
        client_secret: str,
        tz: str = "UTC",
        name: str = "erp",
        limiter: AccountLimiter | None = None,
        token_url: str | None = None,
        timeout: float = 30.0,
        exhausted_pause: float = 1.0,
    ) -> None:
        self.name = name
        self.account = f"xero:{tenant_id}"
        self.tz = tz
        extra: dict[str, Any] = {} if token_url is None else {"token_url": token_url}
        self.client = XeroClient(
            base_url,
            tenant_id,
            client_id=client_id,
            client_secret=client_secret,
            limiter=limiter,
            timeout=timeout,
            exhausted_pause=exhausted_pause,
            **extra,
        )

    def render(self, command: Command) -> str:
        """The JSON body to post for ``command`` (see :mod:`.mapping`)."""
        return orjson.dumps(time_entry_body(command, self.tz)).decode()

    async def apply(self, delivery: DeliveryRow) -> str:
        """Post the stored body; return Xero's ``timeEntryId``."""
        body = orjson.loads(delivery.payload)
        created = await self.client.create_time_entry(str(body["projectId"]), body)
        return str(created["timeEntryId"])

    async def lookup(self, delivery: DeliveryRow) -> str | None:
        """Xero's id of the entry marked with this delivery's entry id, or None."""
        body = orjson.loads(delivery.payload)
        wanted = entry_id_of(body.get("description")) or delivery.canonical_id
        when = parse_utc(str(body["dateUtc"]))
        pages = self.client.time_entry_pages(
            str(body["projectId"]),
            userId=str(body["userId"]),
            taskId=str(body["taskId"]),
            dateAfterUtc=_iso(when - _DAY),
            dateBeforeUtc=_iso(when + _DAY),
        )
        async for items in pages:
            for item in items:
                if entry_id_of(item.get("description")) == wanted:
                    await pages.aclose()
                    return str(item["timeEntryId"])
        return None

    async def health(self) -> None:
        """One authenticated read: the first project (``GET /Projects?pageSize=1``)."""
        await self.client.http.request(
            "GET", f"{PROJECTS}/Projects", params={"page": 1, "pageSize": 1}
        )

    async def close(self) -> None:
        """Close the client's connection pools."""
        await self.client.close()
