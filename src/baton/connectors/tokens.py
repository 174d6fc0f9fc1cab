"""Bearer tokens for vendor clients: static keys and OAuth 2.0 grants.

:class:`OAuth2ClientCredentials` caches a token until 30 s before it
expires and fetches a new one on demand (``refresh=True`` after a 401); a
refused grant is ``Fatal``, an unreachable token endpoint ``Retriable``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from baton.connectors.responses import default_message
from baton.engine.errors import Fatal, Retriable

__all__ = ["OAuth2ClientCredentials", "StaticToken", "TokenSource"]


class TokenSource(Protocol):
    """Where a client gets its bearer token."""

    async def token(self, *, refresh: bool = False) -> str:
        """The current token; a new one when ``refresh`` is set."""
        ...


@dataclass
class StaticToken:
    """A long-lived token (API key, personal access token)."""

    value: str

    async def token(self, *, refresh: bool = False) -> str:
        """The token (a refresh cannot renew it)."""
        if refresh:
            raise Fatal("the access token was refused and cannot be renewed")
        return self.value


class OAuth2ClientCredentials:
    """OAuth 2.0 access tokens with expiry-aware caching and one refresh on demand.

    The client-credentials grant by default; with ``refresh_token`` the
    refresh-token grant (a rotated refresh token in the answer is kept).
    Vendors differ in where the client's credentials go: HTTP Basic (the
    default) or the form body (``credentials_in_body``). A subclass can read
    more of the token answer in :meth:`on_token` (Salesforce's
    ``instance_url``).

    Args:
        token_url: the token endpoint.
        client_id: the client id.
        client_secret: the client secret (from the environment, never a file).
        scope: an optional scope string.
        refresh_token: use the refresh-token grant with this token.
        credentials_in_body: send id and secret in the form, not as Basic auth.
        vendor: prefix of error messages.
        http: the client used for the token endpoint (tests pass the sandbox's).
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        refresh_token: str | None = None,
        credentials_in_body: bool = False,
        vendor: str = "oauth2",
        http: httpx.AsyncClient,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self._refresh = refresh_token
        self._in_body = credentials_in_body
        self.vendor = vendor
        self._http = http
        self._token: str | None = None
        self._expires = 0.0
        self.fetched = 0

    async def token(self, *, refresh: bool = False) -> str:
        """A valid token, fetched when missing, expiring or refused."""
        if self._token is None or refresh or time.monotonic() >= self._expires:
            await self._fetch()
        assert self._token is not None
        return self._token

    def _form(self) -> dict[str, str]:
        form = (
            {"grant_type": "refresh_token", "refresh_token": self._refresh}
            if self._refresh
            else {"grant_type": "client_credentials"}
        )
        if self.scope:
            form["scope"] = self.scope
        if self._in_body:
            form.update(client_id=self.client_id, client_secret=self._secret)
        return form

    async def _fetch(self) -> None:
        try:
            if self._in_body:
                resp = await self._http.post(self.token_url, data=self._form())
            else:
                resp = await self._http.post(
                    self.token_url,
                    data=self._form(),
                    auth=(self.client_id, self._secret),
                )
        except httpx.TransportError as exc:
            raise Retriable(
                f"{self.vendor}: token endpoint unreachable: {exc}"
            ) from exc
        if resp.status_code in (400, 401, 403):
            raise Fatal(
                f"{self.vendor}: token refused: {default_message(resp)}",
                status=resp.status_code,
            )
        if resp.status_code != 200:
            raise Retriable(
                f"{self.vendor}: token endpoint: {default_message(resp)}",
                status=resp.status_code,
            )
        doc = resp.json()
        self._token = str(doc["access_token"])
        self._refresh = str(doc.get("refresh_token") or self._refresh or "") or None
        # renew 30 s early so a token never expires in flight
        self._expires = time.monotonic() + float(doc.get("expires_in", 3600)) - 30
        self.on_token(doc)
        self.fetched += 1

    def on_token(self, doc: dict[str, Any]) -> None:
        """Read vendor-specific fields of a token answer (default: nothing)."""
