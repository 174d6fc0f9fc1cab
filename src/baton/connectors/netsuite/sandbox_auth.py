"""The sandbox's token endpoint: M2M client assertions checked as NetSuite does.

A token request carrying ``client_assertion`` is the client credentials
(M2M) flow of :mod:`~.auth`; any other falls back to the client-secret check
of :class:`~baton.connectors.sandbox.VendorSandbox` (sandbox and legacy).

The assertion must be a JWT whose header ``kid`` names a mapped certificate
(:meth:`NetSuiteTokenSandbox.map_certificate`) and ``alg`` is one of
:data:`~.auth.ALGORITHMS`, signed by that certificate's key, with ``iss`` the
mapping's client id, ``aud`` this token URL, ``iat`` not in the future,
``exp`` not passed and less than 60 minutes after ``iat``, and a ``scope``
(comma-separated string or array) including ``rest_webservices``.

Refusals: 400 ``{"error": "invalid_request"}`` for a malformed request
(grant type, assertion type), 400 ``{"error": "invalid_grant"}`` for an
assertion that fails any check above. NetSuite does not say why in the answer
(its Login Audit Trail does [kb]); the sandbox keeps the reasons in
:attr:`NetSuiteTokenSandbox.refusals`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from baton.connectors.netsuite.auth import ALGORITHMS, ASSERTION_TYPE, MAX_LIFETIME
from baton.connectors.sandbox import VendorSandbox

__all__ = ["Certificate", "NetSuiteTokenSandbox"]

_SCOPE = "rest_webservices"


@dataclass(frozen=True, slots=True)
class Certificate:
    """One M2M mapping: the integration's client id and the uploaded public key."""

    client_id: str
    public_key: Any


def _public_key(pem: str) -> Any:
    """The public key of a PEM certificate or PEM public key."""
    data = pem.encode()
    if b"BEGIN CERTIFICATE" in data:
        return x509.load_pem_x509_certificate(data).public_key()
    return load_pem_public_key(data)


def _scopes(value: Any) -> set[str]:
    if isinstance(value, str):
        return {s.strip() for s in value.split(",") if s.strip()}
    if isinstance(value, list):
        return {str(s).strip() for s in value}
    return set()


class NetSuiteTokenSandbox(VendorSandbox):
    """A :class:`VendorSandbox` whose token endpoint also takes M2M assertions."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.certificates: dict[str, Certificate] = {}
        self.refusals: list[str] = []

    def map_certificate(self, certificate_id: str, client_id: str, pem: str) -> None:
        """Map an uploaded certificate (or public key) to an integration."""
        self.certificates[certificate_id] = Certificate(client_id, _public_key(pem))

    def _refuse(self, error: str, reason: str) -> web.Response:
        self.refusals.append(reason)
        return web.json_response({"error": error}, status=400)

    def _verify(self, assertion: str, audience: str) -> str | None:
        """Why the assertion fails, or None if it is good."""
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError as exc:
            return f"malformed assertion: {exc}"
        cert = self.certificates.get(str(header.get("kid")))
        if cert is None:
            return f"no certificate mapped with id {header.get('kid')!r}"
        alg = str(header.get("alg"))
        if alg not in ALGORITHMS:
            return f"algorithm {alg!r} not supported"
        try:
            claims = jwt.decode(
                assertion,
                cert.public_key,
                algorithms=[alg],
                audience=audience,
                issuer=cert.client_id,
                options={"require": ["iss", "aud", "iat", "exp", "scope"]},
            )
        except jwt.PyJWTError as exc:
            return f"{type(exc).__name__}: {exc}"
        if int(claims["exp"]) - int(claims["iat"]) >= MAX_LIFETIME:
            return "exp is not less than 60 minutes after iat"
        if _SCOPE not in _scopes(claims["scope"]):
            return f"scope {claims['scope']!r} lacks {_SCOPE}"
        return None

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if "client_assertion" not in form:
            return await super()._token(request)
        if form.get("grant_type") != "client_credentials":
            return self._refuse(
                "invalid_request", "grant_type is not client_credentials"
            )
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return self._refuse("invalid_request", "wrong client_assertion_type")
        audience = str(request.url.with_query(None))
        reason = self._verify(str(form["client_assertion"]), audience)
        if reason is not None:
            return self._refuse("invalid_grant", reason)
        return self.issue_token(expires_in=str)
