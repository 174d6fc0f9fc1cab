"""A local generic REST ERP: the demo's ERP and the tests' target, with faults.

``POST /erp/time-entries`` stores a record (201 ``{"erp_id": n}``);
``GET /erp/time-entries?externalId=X`` answers 200 with it or 404. State is
inspectable (``GET /_sandbox/state``) and faults are injected per request
(``POST /_sandbox/faults`` or :meth:`ErpSandbox.inject`):

* ``status`` — answer the next N posts with this status (500, 503, 429, 422 …)
  and ``retry_after`` seconds, committing nothing;
* ``reset_after_commit`` — store the next N posts, then drop the connection;
* ``timeout_after_commit`` — store the next N posts, then answer too late;
* ``gateway_after_commit`` — store the next N posts, then answer 504 (a
  proxy that gave up waiting);
* ``latency`` — seconds added to every request;
* ``limit`` — at most ``requests`` per ``per_seconds`` window (429 beyond).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = ["ErpSandbox", "Faults"]


@dataclass
class Faults:
    """Faults to inject; counters are consumed one post at a time."""

    status: int | None = None
    status_count: int = 0
    retry_after: float | None = None
    message: str = "injected fault"
    reset_after_commit: int = 0
    gateway_after_commit: int = 0
    timeout_after_commit: int = 0
    timeout_seconds: float = 30.0
    latency: float = 0.0
    reject_ids: set[str] = field(default_factory=set)
    limit_requests: int = 0
    limit_per_seconds: float = 1.0


class ErpSandbox:
    """The sandbox's state and handlers (see the module docstring)."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.posts: Counter[str] = Counter()
        self.faults = Faults()
        self.in_flight = 0
        self.max_in_flight = 0
        self.post_times: list[float] = []
        self._window: deque[float] = deque()
        self.rate_limited = 0
        self._next_id = 0

    def inject(self, **kwargs: Any) -> None:
        """Set faults, e.g. ``inject(status=503, status_count=2)``."""
        for key, value in kwargs.items():
            if not hasattr(self.faults, key):
                raise ValueError(f"unknown fault {key!r}")
            setattr(self.faults, key, value)

    def reset(self) -> None:
        """Forget records, counters and faults."""
        self.__init__()  # type: ignore[misc]

    @property
    def duplicates(self) -> int:
        """How many posts repeated an external id already stored."""
        return sum(n - 1 for n in self.posts.values() if n > 1)

    def _over_limit(self) -> bool:
        f = self.faults
        if not f.limit_requests:
            return False
        now = time.monotonic()
        while self._window and now - self._window[0] >= f.limit_per_seconds:
            self._window.popleft()
        if len(self._window) >= f.limit_requests:
            return True
        self._window.append(now)
        return False

    async def post(self, request: web.Request) -> web.StreamResponse:
        """Store one entry, unless a fault says otherwise."""
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._post(request)
        finally:
            self.in_flight -= 1

    async def _post(self, request: web.Request) -> web.StreamResponse:
        f = self.faults
        if f.latency:
            await asyncio.sleep(f.latency)
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"message": "body is not JSON"}, status=400)
        if not isinstance(body, dict) or not body.get("externalId"):
            return web.json_response({"message": "externalId is required"}, status=400)
        self.post_times.append(time.monotonic())
        if self._over_limit():
            self.rate_limited += 1
            return web.json_response(
                {"message": "rate limit exceeded"},
                status=429,
                headers={"Retry-After": str(f.limit_per_seconds)},
            )
        ext = str(body["externalId"])
        if ext in f.reject_ids:
            return web.json_response({"message": f"entry {ext} refused"}, status=422)
        if f.status is not None and f.status_count > 0:
            f.status_count -= 1
            headers = {"Retry-After": str(f.retry_after)} if f.retry_after else None
            return web.json_response(
                {"message": f.message}, status=f.status, headers=headers
            )
        erp_id = self._store(ext, body)
        if f.reset_after_commit > 0:
            f.reset_after_commit -= 1
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        if f.gateway_after_commit > 0:  # a proxy gave up after the ERP stored it
            f.gateway_after_commit -= 1
            return web.json_response({"message": "gateway timeout"}, status=504)
        if f.timeout_after_commit > 0:
            f.timeout_after_commit -= 1
            await asyncio.sleep(f.timeout_seconds)
        return web.json_response({"status": "created", "erp_id": erp_id}, status=201)

    def _store(self, ext: str, body: dict[str, Any]) -> int:
        self.posts[ext] += 1
        if ext not in self.records:
            self._next_id += 1
            self.records[ext] = {**body, "erp_id": self._next_id}
        return int(self.records[ext]["erp_id"])

    async def lookup(self, request: web.Request) -> web.Response:
        """Find a stored entry by external id."""
        ext = request.query.get("externalId")
        if ext is None:
            return web.json_response({"message": "externalId is required"}, status=400)
        rec = self.records.get(ext)
        if rec is None:
            return web.json_response({"message": "not found"}, status=404)
        return web.json_response({"externalId": ext, "erp_id": rec["erp_id"]})

    async def state(self, _request: web.Request) -> web.Response:
        """Counters for tests and the demo."""
        return web.json_response(
            {
                "records": len(self.records),
                "posts": sum(self.posts.values()),
                "duplicates": self.duplicates,
                "max_in_flight": self.max_in_flight,
                "rate_limited": self.rate_limited,
            }
        )

    async def set_faults(self, request: web.Request) -> web.Response:
        """Inject faults from a JSON body."""
        try:
            self.inject(**await request.json())
        except (ValueError, TypeError) as exc:
            return web.json_response({"message": str(exc)}, status=400)
        return web.json_response({"status": "ok"})

    def app(self) -> web.Application:
        """The aiohttp application."""
        app = web.Application(client_max_size=1 << 20)
        app.router.add_post("/erp/time-entries", self.post)
        app.router.add_get("/erp/time-entries", self.lookup)
        app.router.add_get("/_sandbox/state", self.state)
        app.router.add_post("/_sandbox/faults", self.set_faults)
        return app

    @contextlib.asynccontextmanager
    async def serving(self, host: str = "127.0.0.1", port: int = 0) -> Any:
        """Serve on ``host:port`` (0: a free port); yields the collection URL."""
        runner = web.AppRunner(self.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        server: Any = site._server
        sockets = server.sockets if server is not None else []
        bound = sockets[0].getsockname()[1] if sockets else port
        try:
            yield f"http://{host}:{bound}/erp/time-entries"
        finally:
            await runner.cleanup()
