"""Salesforce sessions and answers: OAuth client credentials, errors, usage.

:class:`SalesforceTokens` fetches a session with the client-credentials grant
(or, given one, the refresh-token grant) at ``<login>/services/oauth2/token`` and keeps the answer's ``instance_url``
(the API host). :func:`salesforce_message` and :func:`error_code` read
Salesforce's error array ``[{"message", "errorCode", "fields"}]``;
:func:`api_usage` reads ``Sforce-Limit-Info: api-usage=used/max``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baton.connectors.http import OAuth2ClientCredentials, default_message

if TYPE_CHECKING:
    import httpx

__all__ = ["SalesforceTokens", "api_usage", "error_code", "salesforce_message"]

_MAX_MESSAGE = 300


def salesforce_message(resp: httpx.Response) -> str:
    """``HTTP <status>: <errorCode>: <message>`` from Salesforce's error array."""
    try:
        doc: Any = resp.json()
    except ValueError:
        doc = None
    if isinstance(doc, list) and doc and isinstance(doc[0], dict):
        first = doc[0]
        text = f"{first.get('errorCode', 'ERROR')}: {first.get('message', '')}"
        if first.get("fields"):
            text += f" (fields: {', '.join(map(str, first['fields']))})"
        return f"HTTP {resp.status_code}: {text[:_MAX_MESSAGE]}"
    return default_message(resp)


def error_code(resp: httpx.Response) -> str | None:
    """The first ``errorCode`` of an error answer, if any."""
    try:
        doc: Any = resp.json()
    except ValueError:
        return None
    if isinstance(doc, list) and doc and isinstance(doc[0], dict):
        return str(doc[0].get("errorCode"))
    return None


def api_usage(resp: httpx.Response) -> tuple[int, int] | None:
    """``(used, max)`` from ``Sforce-Limit-Info: api-usage=used/max``."""
    for part in resp.headers.get("Sforce-Limit-Info", "").split(","):
        key, _, value = part.strip().partition("=")
        used, _, top = value.partition("/")
        if key == "api-usage" and used.isdigit() and top.isdigit():
            return int(used), int(top)
    return None


class SalesforceTokens(OAuth2ClientCredentials):
    """Sessions that remember the org's ``instance_url``.

    Client credentials by default; with ``refresh_token`` the refresh-token
    grant (a connected app's user session).
    """

    def __init__(
        self,
        login_url: str,
        client_id: str,
        client_secret: str,
        *,
        http: httpx.AsyncClient,
        refresh_token: str | None = None,
    ) -> None:
        super().__init__(
            f"{login_url.rstrip('/')}/services/oauth2/token",
            client_id,
            client_secret,
            refresh_token=refresh_token,
            credentials_in_body=True,
            vendor="salesforce",
            http=http,
        )
        self.instance_url: str | None = None

    def on_token(self, doc: dict[str, Any]) -> None:
        """Keep the API host the token answer names."""
        self.instance_url = str(doc["instance_url"]).rstrip("/")
