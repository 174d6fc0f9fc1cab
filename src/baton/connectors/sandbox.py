"""What every vendor sandbox shares: OAuth tokens, rate limits, faults, state.

A vendor's ``sandbox.py`` subclasses :class:`VendorSandbox`, adds its routes
in :meth:`VendorSandbox.routes` and its error body in
:meth:`VendorSandbox.error`; the base serves the token endpoint, checks
bearer tokens (expired → 401), enforces the vendor's published limits
(window + concurrency → 429 with ``Retry-After`` and the vendor's headers),
and injects faults before a request or after it committed:

* ``status``: answer the next N matching requests with this status;
* ``reset_after_commit``: do the work, then drop the connection;
* ``timeout_after_commit``: do the work, then answer too late;
* ``latency``: seconds added to every request.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import secrets
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from aiohttp import web

from baton.connectors.sandbox_state import Fault, RateLimitRule, SandboxState

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

__all__ = ["Fault", "RateLimitRule", "VendorSandbox"]


class VendorSandbox:
    """Base of the vendor sandboxes (see the module docstring).

    Args:
        clients: accepted ``client_id → client_secret`` pairs.
        token_ttl: seconds a token lives.
        limit: the vendor's rate limit (None: unlimited).
        time_scale: divides every window (tests compress a minute to a second).
    """

    vendor = "vendor"
    token_path = "/oauth/token"  # noqa: S105 - a URL path, not a secret
    public_paths: tuple[str, ...] = ()

    def __init__(
        self,
        *,
        clients: dict[str, str] | None = None,
        token_ttl: float = 1800.0,
        limit: RateLimitRule | None = None,
        time_scale: float = 1.0,
    ) -> None:
        self.clients = clients if clients is not None else {"baton": "secret"}
        self.token_ttl = token_ttl
        self.limit = limit
        self.time_scale = time_scale
        self.tokens: dict[str, float] = {}
        self.faults: list[Fault] = []
        self.state = SandboxState()
        self._window: deque[float] = deque()
        self.latency = 0.0
        # the post-commit fault of each request being handled, by request id
        self._active: dict[int, Fault] = {}

    # -- for tests -----------------------------------------------------------
    def inject(self, fault: Fault) -> None:
        """Queue a fault."""
        self.faults.append(fault)

    def expire_tokens(self) -> None:
        """Make every issued token expired (the next call gets a 401)."""
        self.tokens = dict.fromkeys(self.tokens, 0.0)

    # -- for subclasses ----------------------------------------------------------
    def routes(self, app: web.Application) -> None:
        """Add the vendor's routes."""
        raise NotImplementedError

    def error(self, status: int, message: str) -> web.Response:
        """The vendor's error body (override with its real shape)."""
        return web.json_response({"message": message}, status=status)

    def limit_headers(self, remaining: int) -> dict[str, str]:
        """The vendor's rate-limit headers (override with its names)."""
        return {"X-RateLimit-Remaining": str(max(remaining, 0))}

    async def after_commit(self, request: web.Request) -> None:
        """Call once the work is stored: applies post-commit faults."""
        fault = self._active.get(id(request))
        if fault is None:
            return
        if fault.reset_after_commit:
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        if fault.timeout_after_commit:
            await asyncio.sleep(fault.timeout_after_commit)

    # -- machinery ---------------------------------------------------------------
    def _take_fault(self, path: str) -> Fault | None:
        for fault in self.faults:
            if path.startswith(fault.prefix) and fault.count > 0:
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
                return fault
        return None

    def _over_limit(self) -> tuple[bool, int]:
        if self.limit is None:
            return False, 1 << 30
        window = self.limit.per_seconds / self.time_scale
        now = time.monotonic()
        while self._window and now - self._window[0] >= window:
            self._window.popleft()
        if len(self._window) >= self.limit.requests:
            return True, 0
        conc = self.limit.concurrency
        if conc is not None and self.state.in_flight >= conc:
            return True, self.limit.requests - len(self._window)
        self._window.append(now)
        return False, self.limit.requests - len(self._window)

    def _authorized(self, request: web.Request) -> bool:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return False
        expires = self.tokens.get(auth.removeprefix("Bearer "))
        return expires is not None and expires > time.monotonic()

    @web.middleware
    async def _middleware(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        path = request.path
        self.state.requests[f"{request.method} {path}"] += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        if path == self.token_path or path.startswith(self.public_paths or ("\0",)):
            return await handler(request)
        if not self._authorized(request):
            return self.error(401, "access token missing, invalid or expired")
        over, remaining = self._over_limit()
        if over:
            self.state.rate_limited += 1
            assert self.limit is not None
            wait = self.limit.per_seconds / self.time_scale
            resp = self.error(429, "rate limit exceeded")
            resp.headers.update(self.limit_headers(0))
            resp.headers["Retry-After"] = f"{wait:g}"
            return resp
        fault = self._take_fault(path)
        if fault is not None and fault.status is not None:
            resp = self.error(fault.status, f"injected {fault.status}")
            if fault.retry_after is not None:
                resp.headers["Retry-After"] = f"{fault.retry_after:g}"
            return resp
        if fault is not None:
            self._active[id(request)] = fault
        self.state.in_flight += 1
        self.state.max_in_flight = max(self.state.max_in_flight, self.state.in_flight)
        self.state.starts.append(time.monotonic())
        try:
            answer = await handler(request)
        finally:
            self.state.in_flight -= 1
            self._active.pop(id(request), None)
        answer.headers.update(self.limit_headers(remaining))
        return answer

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        client_id, secret = (
            str(form.get("client_id", "")),
            str(form.get("client_secret", "")),
        )
        if request.headers.get("Authorization", "").startswith("Basic "):
            raw = base64.b64decode(request.headers["Authorization"][6:]).decode()
            client_id, _, secret = raw.partition(":")
        if self.clients.get(client_id) != secret or not secret:
            return web.json_response({"error": "invalid_client"}, status=401)
        return self.issue_token()

    def issue_token(
        self, *, expires_in: Callable[[int], object] = int, **extra: object
    ) -> web.Response:
        """A new bearer token valid ``token_ttl`` seconds, as the token answer.

        Subclasses with their own grant (refresh tokens, JWT assertions) call
        it once the grant is checked; ``expires_in`` shapes that field (NetSuite
        sends it as a string); ``extra`` fields join the answer (a rotated
        ``refresh_token``).
        """
        token = secrets.token_urlsafe(24)
        self.tokens[token] = time.monotonic() + self.token_ttl
        self.state.tokens_issued += 1
        return web.json_response(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": expires_in(int(self.token_ttl)),
                **extra,
            }
        )

    def app(self) -> web.Application:
        """The aiohttp application (token endpoint + the vendor's routes)."""
        app = web.Application(middlewares=[self._middleware], client_max_size=1 << 20)
        app.router.add_post(self.token_path, self._token)
        self.routes(app)
        return app

    @contextlib.asynccontextmanager
    async def serving(
        self, host: str = "127.0.0.1", port: int = 0
    ) -> AsyncIterator[str]:
        """Serve on ``host:port`` (0: a free port); yields the base URL."""
        runner = web.AppRunner(self.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        server: Any = site._server
        bound = server.sockets[0].getsockname()[1] if server is not None else port
        try:
            yield f"http://{host}:{bound}"
        finally:
            await runner.cleanup()
