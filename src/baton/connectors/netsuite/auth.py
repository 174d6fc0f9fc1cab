"""NetSuite OAuth 2.0 client credentials (M2M): a signed JWT instead of a secret.

* Token request: ``POST https://<account>.suitetalk.api.netsuite.com``
  ``/services/rest/auth/oauth2/v1/token``, form-encoded
  ``grant_type=client_credentials``,
  ``client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer``,
  ``client_assertion=<JWT>`` — no client secret and no Basic auth.
* JWT header: ``typ`` ``JWT``; ``alg`` one of :data:`ALGORITHMS` (NetSuite's
  documented list: PS256/384/512, ES256/384/512 — RS256 is not in it);
  ``kid`` the certificate id NetSuite shows for the M2M mapping
  (integration + entity + role + uploaded certificate).
* Claims: ``iss`` the integration's client id; ``scope`` ``restlets``,
  ``rest_webservices`` and/or ``suite_analytics``, comma-separated (NetSuite's
  parameter table; its own Python sample sends a JSON array — both are said
  to work [kb]); ``aud`` the token URL; ``iat``; ``exp`` less than 60 minutes
  after ``iat`` (5 minutes here: the assertion is used once).
* Answer: ``{"access_token", "expires_in": 3600, "token_type": "Bearer"}``
  and no refresh token. When the access token expires (or a call gets a 401)
  a new assertion is signed and exchanged.
* Refusals: 400 ``{"error": "invalid_grant" | "invalid_request" | …}``;
  NetSuite keeps the reason (``InvalidSignature`` …) in its Login Audit Trail,
  not in the answer [kb]. They become ``Fatal`` carrying the error.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from baton.connectors.http import OAuth2ClientCredentials

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx

__all__ = [
    "ALGORITHMS",
    "ASSERTION_TYPE",
    "MAX_LIFETIME",
    "SCOPES",
    "M2MKey",
    "NetSuiteAssertionTokens",
    "client_assertion",
    "token_source",
]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGORITHMS = ("PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
SCOPES = frozenset({"restlets", "rest_webservices", "suite_analytics"})
MAX_LIFETIME = 3600  # exp must be less than 60 minutes after iat


def _check(algorithm: str, pem: str) -> Any:
    """The private key of ``pem``, of the kind ``algorithm`` signs with.

    Raises:
        ValueError: an unknown algorithm, an unreadable PEM, or a key of the
            other kind (RSA for PS*, EC for ES*).
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(
            f"algorithm {algorithm!r} is not one of {', '.join(ALGORITHMS)}"
        )
    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"the private key is not an unencrypted PEM key ({exc})"
        ) from None
    wanted = (
        rsa.RSAPrivateKey if algorithm.startswith("PS") else ec.EllipticCurvePrivateKey
    )
    if not isinstance(key, wanted):
        kind = "an RSA" if wanted is rsa.RSAPrivateKey else "an EC"
        # ValueError, not TypeError: pydantic reports only ValueError as invalid
        raise ValueError(f"{algorithm} needs {kind} private key")  # noqa: TRY004
    return key


@dataclass(frozen=True, slots=True)
class M2MKey:
    """The signing side of one M2M mapping.

    Attributes:
        certificate_id: the mapping's certificate id (the JWT ``kid``).
        private_key: the certificate's private key, PEM (from the environment).
        algorithm: one of :data:`ALGORITHMS` matching the key (PS*: RSA, ES*: EC).
        scopes: subset of :data:`SCOPES`.
        lifetime: seconds from ``iat`` to ``exp`` (below :data:`MAX_LIFETIME`).

    Raises:
        ValueError: any of the above does not hold.
    """

    certificate_id: str
    private_key: str = field(repr=False)
    algorithm: str = "PS256"
    scopes: tuple[str, ...] = ("rest_webservices",)
    lifetime: int = 300
    key: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.certificate_id:
            raise ValueError("the certificate id is empty")
        if not self.scopes or not set(self.scopes) <= SCOPES:
            raise ValueError(f"scopes must be a non-empty subset of {sorted(SCOPES)}")
        if not 0 < self.lifetime < MAX_LIFETIME:
            raise ValueError(f"lifetime must be 1..{MAX_LIFETIME - 1} seconds")
        object.__setattr__(self, "key", _check(self.algorithm, self.private_key))


def client_assertion(key: M2MKey, *, client_id: str, token_url: str, now: float) -> str:
    """The signed JWT for one token request at time ``now`` (epoch seconds)."""
    iat = int(now)
    claims = {
        "iss": client_id,
        "scope": ",".join(key.scopes),
        "aud": token_url,
        "iat": iat,
        "exp": iat + key.lifetime,
    }
    headers = {"typ": "JWT", "kid": key.certificate_id}
    return jwt.encode(claims, key.key, algorithm=key.algorithm, headers=headers)


class NetSuiteAssertionTokens(OAuth2ClientCredentials):
    """Access tokens for one M2M mapping (see the module docstring).

    Caching, early renewal and the error classification are the base
    class's; only the form differs: each fetch signs a fresh assertion.

    Args:
        token_url: the account's token endpoint (also the JWT ``aud``).
        client_id: the integration's client id (the JWT ``iss``).
        key: the mapping's certificate id and private key.
        http: the client used for the token endpoint.
        clock: epoch seconds (tests pass one in the past).
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        key: M2MKey,
        *,
        http: httpx.AsyncClient,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            token_url,
            client_id,
            "",
            credentials_in_body=True,
            vendor="netsuite",
            http=http,
        )
        self.key = key
        self._clock = clock

    def _form(self) -> dict[str, str]:
        assertion = client_assertion(
            self.key,
            client_id=self.client_id,
            token_url=self.token_url,
            now=self._clock(),
        )
        return {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
        }


def token_source(
    token_url: str,
    client_id: str,
    *,
    client_secret: str | None,
    m2m: M2MKey | None,
    http: httpx.AsyncClient,
) -> OAuth2ClientCredentials:
    """M2M tokens when ``m2m`` is given, else client-secret tokens.

    Raises:
        ValueError: neither or both given.
    """
    if m2m is not None and client_secret is None:
        return NetSuiteAssertionTokens(token_url, client_id, m2m, http=http)
    if m2m is None and client_secret is not None:
        return OAuth2ClientCredentials(
            token_url, client_id, client_secret, vendor="netsuite", http=http
        )
    raise ValueError("give either a client secret or an M2M key, not both")
