"""JSON-RPC for Tryton (8.2), with answers classified into engine errors.

Protocol (no trytond import on this side)::

    POST <base>/<db>/rpc/  {"id": n, "method": "...", "params": [...]}
    login   common.db.login [login, {"password": ...}, language]
            -> [user_id, token, bus_url]
    auth    Authorization: Session base64("<login>:<user_id>:<token>")
    calls   model.<model>.<method> [*args, context]   (context always last)

Dates, timedeltas, Decimals and bytes travel as objects tagged with
``__class__``. An expired or invalidated session answers 401: the client
logs in again once and resends (Tryton checks the session before it runs
anything, so the resend is safe).

Throttling and outages: trytond 8.2 answers 429 only to a throttled login
(``res.user.get_login`` past ``session.max_attempt``), without
``Retry-After``; a reverse proxy in front of it may answer 429 with one.
Either is ``RateLimited`` carrying the header's seconds (delta or HTTP date),
and a client holding the account's limiter (a source's) pauses it for them
(1 s without the header). 5xx is ``Retriable`` (trytond answers 503 on
``DatabaseOperationalError`` past its own retries and 504 on a transaction
timeout, both rolled back), except a 502 or 504 to a write: a gateway that
lost or gave up waiting for trytond's answer may have let the write commit,
so it is ``Ambiguous`` (looked up before any resend).
"""

from __future__ import annotations

import base64
import contextlib
import itertools
from typing import TYPE_CHECKING, Any

import httpx

from baton.connectors.http import retry_after_of
from baton.connectors.tryton.codec import dumps, loads
from baton.engine.errors import (
    Ambiguous,
    DeliveryError,
    Fatal,
    Invalid,
    RateLimited,
    Retriable,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from baton.engine.limiter import AccountLimiter

__all__ = ["TrytonClient", "classify_error", "dumps", "loads"]

_MAX_MESSAGE = 300
# methods that change nothing: a lost answer is safe to retry
_READ_ONLY = frozenset(
    {"read", "search", "search_read", "search_count", "get_preferences", "login"}
)
# AccessError travels as a plain UserError; its English texts start like these
_ACCESS_MARKERS = ("You are not allowed to", "Calling button")


def classify_error(error: Any) -> DeliveryError:
    """The engine error for the ``error`` member of a JSON-RPC answer.

    ``UserError`` / ``UserWarning`` (validation, domain, required field) is
    Invalid with Tryton's message; access errors (which travel as UserError)
    are Fatal; ``ConcurrencyException`` is Retriable; anything else (a server
    exception, rolled back by Tryton) is Fatal.
    """
    kind, payload = (
        (error[0], error[1]) if isinstance(error, list) and error else ("", error)
    )
    if kind in ("UserError", "UserWarning") and isinstance(payload, list) and payload:
        # UserError: [message, description, domain]; UserWarning: [name, message, …]
        message = str(payload[1] if kind == "UserWarning" else payload[0])
        if message.startswith(_ACCESS_MARKERS):
            return Fatal(f"Tryton refused access: {message}")
        return Invalid(message, rule="tryton.rejected", owner_team="")
    if kind == "ConcurrencyException":
        return Retriable(f"Tryton concurrency conflict: {payload}")
    return Fatal(f"Tryton error: {str(kind or payload)[:_MAX_MESSAGE]}")


class TrytonClient:
    """An async session client for one Tryton database.

    Args:
        base_url: the server root, e.g. ``http://127.0.0.1:8000``.
        database: the database name (the URL's first path segment).
        login: the user's login; password: its password.
        timeout: seconds for one request; past it a write is ambiguous.
        transport: an httpx transport (tests inject one).
        limiter: the account's shared limiter, taken per request (a source's
            client); None when the caller holds the slot (the dispatcher
            does for a target).
    """

    def __init__(
        self,
        base_url: str,
        database: str,
        login: str,
        password: str,
        *,
        language: str = "en",
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        limiter: AccountLimiter | None = None,
    ) -> None:
        self.database = database
        self.limiter = limiter
        self._login = login
        self._password = password
        self._language = language
        self._url = f"{base_url.rstrip('/')}/{database}/rpc/"
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport)
        self._ids = itertools.count(1)
        self._auth: str | None = None
        self.user_id: int | None = None
        self.context: dict[str, Any] = {}
        self.logins = 0

    @property
    def session(self) -> str | None:
        """The ``Authorization`` header value of the current session, if any."""
        return self._auth

    async def login(self) -> int:
        """Open a session and load the user's preferences as the context.

        Raises:
            Fatal: the credentials were refused.
        """
        self._auth = None
        user_id, token, _bus = await self._post(
            "common.db.login",
            [self._login, {"password": self._password}, self._language],
        )
        raw = f"{self._login}:{user_id}:{token}".encode()
        self._auth = "Session " + base64.b64encode(raw).decode()
        self.user_id = int(user_id)
        self.logins += 1
        # what the Tryton client sends as context: company, companies, language …
        self.context = await self._post("model.res.user.get_preferences", [True, {}])
        return self.user_id

    async def call(
        self,
        model_method: str,
        *args: Any,
        context: Mapping[str, Any] | None = None,
    ) -> Any:
        """Call ``model.<model_method>`` (e.g. ``party.party.create``).

        The session context, updated with ``context``, goes last. Logs in
        first if needed, and once more when the session has expired.

        Raises:
            baton.engine.errors.DeliveryError: classified by its subclass.
        """
        if self._auth is None:
            await self.login()
        method = f"model.{model_method}"
        params = [*args, {**self.context, **(context or {})}]
        try:
            return await self._post(method, params)
        except _SessionExpiredError:
            await self.login()
        try:
            return await self._post(method, params)
        except _SessionExpiredError as exc:
            raise Fatal("Tryton refused a fresh session", status=401) from exc

    async def logout(self) -> None:
        """End the session on the server (best effort)."""
        if self._auth is not None:
            with contextlib.suppress(_SessionExpiredError, DeliveryError):
                await self._post("common.db.logout", [])
            self._auth = None

    async def close(self) -> None:
        """Log out and release connections."""
        try:
            await self.logout()
        finally:
            await self._http.aclose()

    async def _post(self, method: str, params: list[Any]) -> Any:
        headers = {"Content-Type": "application/json"}
        if self._auth is not None:
            headers["Authorization"] = self._auth
        body = dumps({"id": next(self._ids), "method": method, "params": params})
        safe = method.rsplit(".", 1)[-1] in _READ_ONLY
        try:
            if self.limiter is None:
                resp = await self._http.post(self._url, content=body, headers=headers)
            else:
                async with self.limiter.slot():
                    resp = await self._http.post(
                        self._url, content=body, headers=headers
                    )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise Retriable(f"cannot connect to Tryton at {self._url}: {exc}") from exc
        except (
            httpx.TimeoutException,
            httpx.NetworkError,
            httpx.RemoteProtocolError,
        ) as exc:
            text = f"no complete answer from Tryton for {method}: {exc!r}"
            raise (Retriable(text) if safe else Ambiguous(text)) from exc
        return self._result(method, resp, safe=safe)

    def _result(self, method: str, resp: httpx.Response, *, safe: bool) -> Any:
        status = resp.status_code
        if status == 401:
            if method == "common.db.login":
                raise Fatal("Tryton refused the login", status=status)
            raise _SessionExpiredError
        if status == 429:
            retry_after = retry_after_of(resp)
            if self.limiter is not None:
                self.limiter.pause(retry_after or 1.0)
            msg = f"Tryton: too many requests ({method})"
            raise RateLimited(msg, status=status, retry_after=retry_after)
        if status in (502, 504) and not safe:
            text = f"Tryton's gateway answered HTTP {status} to {method}"
            raise Ambiguous(text, status=status)
        if status >= 500:
            raise Retriable(
                f"Tryton answered HTTP {status} to {method}",
                status=status,
                retry_after=retry_after_of(resp),
            )
        if status != 200:  # 403 not exposed, 404 unknown database …
            raise Fatal(f"Tryton answered HTTP {status} to {method}", status=status)
        try:
            reply = loads(resp.content)
        except ValueError as exc:
            raise Fatal(f"Tryton sent no JSON for {method}") from exc
        if "error" in reply:
            raise classify_error(reply["error"])
        return reply["result"]


class _SessionExpiredError(Exception):
    """401 on a model call: the session is gone; log in again."""
