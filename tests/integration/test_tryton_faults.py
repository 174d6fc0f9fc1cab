"""Faults on the wire between the Tryton client and a real Tryton 8.2.

:class:`Proxy` is an httpx transport that forwards every request to the real
server, except that it faults the first ``timesheet.line.create``: a 429 with
``Retry-After`` (a reverse proxy throttling), a 5xx (503 is trytond's answer to
``DatabaseOperationalError``), a gateway's 502/504 after the server stored the
line, or the real answer dropped after the server stored the line. Tryton's
own 429 (a throttled login) is in ``test_tryton_throttle.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from email.utils import formatdate
from typing import TYPE_CHECKING, Any, Literal

import httpx
import pytest

from baton.connectors.tryton import TrytonClient
from baton.engine.errors import Ambiguous, RateLimited, Retriable
from baton.engine.limiter import AccountLimiter
from tests.integration.test_tryton_client import make_task_work

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.integration.tryton_server import TrytonServer

CREATE = "model.timesheet.line.create"
DAY = dt.date(2025, 3, 14)
Fault = Literal["429", "502", "503", "504", "lost"]


class Proxy(httpx.AsyncHTTPTransport):
    """Forwards to the real trytond; faults the first ``timesheet.line.create``.

    Args:
        fault: a status (``"429"``, ``"503"`` …) answered without forwarding; ``"lost"``
            forwards, reads the real answer, then drops the connection.
        retry_after: the ``Retry-After`` header sent with the fault, if any.

    Attributes:
        calls: ``(monotonic start, RPC method)`` of every request, in order.
        faulted_at: when the fault was answered (monotonic), if it was.
        lost: the real result the ``"lost"`` fault kept from the client.
    """

    def __init__(
        self,
        fault: Fault,
        *,
        retry_after: str | None = None,
        forward: bool = False,
        method: str = CREATE,
    ) -> None:
        super().__init__()
        self.fault, self.retry_after, self.method = fault, retry_after, method
        self.forward = forward or fault == "lost"
        self.calls: list[tuple[float, str]] = []
        self.faulted_at: float | None = None
        self.lost: Any = None

    def creates(self) -> int:
        """How many creates reached this transport (faulted or forwarded)."""
        return sum(1 for _t, method in self.calls if method == CREATE)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Forward ``request``, or fault it (see the class docstring)."""
        method: str = json.loads(await request.aread())["method"]
        self.calls.append((time.monotonic(), method))
        if method != self.method or self.faulted_at is not None:
            return await super().handle_async_request(request)
        if self.forward:
            real = await super().handle_async_request(request)
            try:
                self.lost = json.loads(await real.aread())["result"]
            finally:
                await real.aclose()
        self.faulted_at = time.monotonic()
        if self.fault == "lost":
            raise httpx.ReadError("connection reset after the answer", request=request)
        headers = {} if self.retry_after is None else {"Retry-After": self.retry_after}
        return httpx.Response(int(self.fault), headers=headers, text="fault")


def proxied(
    tryton: TrytonServer,
    proxy: Proxy,
    *,
    limiter: AccountLimiter | None = None,
) -> TrytonClient:
    """A client of the real server whose requests go through ``proxy``."""
    return TrytonClient(
        tryton.base_url,
        tryton.database,
        tryton.login,
        tryton.password,
        timeout=10,
        transport=proxy,
        limiter=limiter,
    )


@pytest.fixture
async def plain(tryton: TrytonServer) -> AsyncIterator[TrytonClient]:
    """A direct client, to set up and to look at what the server holds."""
    rpc = TrytonClient(tryton.base_url, tryton.database, tryton.login, tryton.password)
    try:
        await rpc.login()
        yield rpc
    finally:
        await rpc.close()


async def line_values(rpc: TrytonClient) -> dict[str, Any]:
    """A valid new line with a fresh reference as its description."""
    employee, _task, work = await make_task_work(rpc)
    return {
        "company": rpc.context["company"],
        "employee": employee,
        "work": work,
        "date": DAY,
        "duration": dt.timedelta(hours=2),
        "description": f"baton:{uuid.uuid4()}",
    }


async def stored(rpc: TrytonClient, ref: str) -> list[int]:
    ids: list[int] = await rpc.call(
        "timesheet.line.search", [("description", "=", ref)]
    )
    return ids


async def test_429_retry_after_pauses_the_clients_limiter(
    tryton: TrytonServer, plain: TrytonClient
) -> None:
    values = await line_values(plain)
    proxy, limiter = Proxy("429", retry_after="0.3"), AccountLimiter(None)
    rpc = proxied(tryton, proxy, limiter=limiter)
    try:
        with pytest.raises(RateLimited) as caught:
            await rpc.call("timesheet.line.create", [values])
        assert (caught.value.status, caught.value.retry_after) == (429, 0.3)
        assert proxy.faulted_at is not None
        assert (
            0.3 <= limiter.paused_until - proxy.faulted_at < 0.9
        )  # not the 1 s default
        assert await stored(plain, values["description"]) == []  # never forwarded
        (line_id,) = await rpc.call("timesheet.line.create", [values])
    finally:
        await rpc.close()
    (retried_at, method), *_ = proxy.calls[-2:]  # the create, then the logout
    assert method == CREATE
    assert retried_at >= limiter.paused_until  # the source's client waited
    assert await stored(plain, values["description"]) == [line_id]


async def test_429_retry_after_as_http_date(
    tryton: TrytonServer, plain: TrytonClient
) -> None:
    values = await line_values(plain)
    proxy = Proxy("429", retry_after=formatdate(time.time() + 2, usegmt=True))
    rpc = proxied(tryton, proxy)  # a target's client: the dispatcher pauses
    try:
        with pytest.raises(RateLimited) as caught:
            await rpc.call("timesheet.line.create", [values])
    finally:
        await rpc.close()
    assert caught.value.retry_after is not None
    assert 0.5 < caught.value.retry_after <= 2.0  # the date has whole seconds


@pytest.mark.parametrize(("status", "retry_after"), [("500", None), ("503", "0.2")])
async def test_5xx_is_retriable_and_nothing_is_stored(
    tryton: TrytonServer,
    plain: TrytonClient,
    status: Literal["500", "503"],
    retry_after: str | None,
) -> None:
    values = await line_values(plain)
    proxy = Proxy(status, retry_after=retry_after)
    rpc = proxied(tryton, proxy, limiter=(limiter := AccountLimiter(None)))
    try:
        with pytest.raises(Retriable) as caught:
            await rpc.call("timesheet.line.create", [values])
    finally:
        await rpc.close()
    assert type(caught.value) is Retriable  # neither RateLimited nor Ambiguous
    wait = None if retry_after is None else float(retry_after)
    assert (caught.value.status, caught.value.retry_after) == (int(status), wait)
    assert limiter.paused_until == float("-inf")  # a 5xx backs off, pauses nobody
    assert await stored(plain, values["description"]) == []


@pytest.mark.parametrize("status", ["502", "504"])
async def test_gateway_error_after_a_write_is_ambiguous(
    tryton: TrytonServer, plain: TrytonClient, status: Literal["502", "504"]
) -> None:
    values = await line_values(plain)
    proxy = Proxy(status, forward=True)  # trytond committed; the gateway gave up
    search = Proxy(status, forward=True, method="model.timesheet.line.search")
    writer, reader = proxied(tryton, proxy), proxied(tryton, search)
    try:
        with pytest.raises(Ambiguous) as caught:
            await writer.call("timesheet.line.create", [values])
        with pytest.raises(Retriable) as read:  # a read is safe to resend
            await stored(reader, values["description"])
    finally:
        await writer.close()
        await reader.close()
    assert caught.value.status == read.value.status == int(status)
    assert type(read.value) is Retriable
    (line_id,) = proxy.lost
    assert await stored(plain, values["description"]) == [line_id]


async def test_answer_lost_after_create_is_ambiguous(
    tryton: TrytonServer, plain: TrytonClient
) -> None:
    values = await line_values(plain)
    proxy = Proxy("lost")
    rpc = proxied(tryton, proxy)
    try:
        with pytest.raises(Ambiguous) as caught:
            await rpc.call("timesheet.line.create", [values])
    finally:
        await rpc.close()
    assert "ReadError" in caught.value.message
    (line_id,) = proxy.lost  # the server did create it …
    assert await stored(plain, values["description"]) == [line_id]  # … once
