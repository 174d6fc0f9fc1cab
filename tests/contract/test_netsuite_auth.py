"""NetSuite OAuth 2.0 machine-to-machine auth against the sandbox; config and health."""

from __future__ import annotations

import functools
import time
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from baton.config import ConfigError
from baton.connectors import catalog
from baton.connectors.netsuite.auth import (
    ASSERTION_TYPE,
    M2MKey,
    NetSuiteAssertionTokens,
    client_assertion,
)
from baton.connectors.netsuite.client import DEFAULT_LIMIT, TOKEN_PATH, NetSuiteClient
from baton.connectors.netsuite.config import base_url
from baton.connectors.netsuite.sandbox import NetSuiteSandbox
from baton.engine.errors import Fatal
from baton.engine.limiter import LimiterRegistry

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

CERT, CLIENT = "cert-1", "client-1"


def keypair(kind: str = "rsa", n: int = 0) -> tuple[str, str]:
    """A private key PEM and its public key PEM (n: another key of the kind)."""
    return _keypair(kind, n)


@functools.cache
def _keypair(kind: str, n: int) -> tuple[str, str]:
    del n  # part of the cache key only
    key: Any = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if kind == "rsa"
        else ec.generate_private_key(ec.SECP256R1())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        .decode()
    )
    return private, public


def mapped_sandbox(kind: str = "rsa") -> NetSuiteSandbox:
    sandbox = NetSuiteSandbox()
    sandbox.map_certificate(CERT, CLIENT, keypair(kind)[1])
    return sandbox


@asynccontextmanager
async def m2m_client(
    sandbox: NetSuiteSandbox, key: M2MKey
) -> AsyncIterator[tuple[str, NetSuiteClient]]:
    async with sandbox.serving() as base:
        client = NetSuiteClient(base, client_id=CLIENT, m2m=key)
        try:
            yield base, client
        finally:
            await client.close()


async def test_a_signed_assertion_gets_a_token_with_netsuites_claims() -> None:
    sandbox = mapped_sandbox()
    key = M2MKey(CERT, keypair()[0])
    async with m2m_client(sandbox, key) as (base, client):
        await client.probe()
        await client.probe()  # the token is reused
    assert sandbox.state.tokens_issued == 1
    assert sandbox.refusals == []
    assertion = client_assertion(key, client_id=CLIENT, token_url="https://t", now=1e9)
    header = jwt.get_unverified_header(assertion)
    claims = jwt.decode(
        assertion, keypair()[1], algorithms=["PS256"], audience="https://t",
        options={"verify_exp": False},
    )  # fmt: skip
    assert header == {"alg": "PS256", "typ": "JWT", "kid": CERT}
    assert claims == {
        "iss": CLIENT, "scope": "rest_webservices", "aud": "https://t",
        "iat": 1_000_000_000, "exp": 1_000_000_300,
    }  # fmt: skip
    assert client.tokens.token_url == base + TOKEN_PATH


async def test_an_expired_token_gets_a_401_then_a_new_assertion_and_succeeds() -> None:
    sandbox = mapped_sandbox("ec")
    key = M2MKey(CERT, keypair("ec")[0], algorithm="ES256")
    async with m2m_client(sandbox, key) as (_, client):
        await client.probe()
        sandbox.expire_tokens()
        await client.probe()
    assert sandbox.state.tokens_issued == client.tokens.fetched == 2
    assert (
        sandbox.state.requests["POST /services/rest/query/v1/suiteql"] == 3
    )  # 1 x 401
    assert sandbox.state.requests[f"POST {TOKEN_PATH}"] == 2


async def test_a_wrong_key_is_fatal_with_the_servers_error() -> None:
    sandbox = mapped_sandbox()
    other = M2MKey(CERT, keypair("rsa", 1)[0])
    async with m2m_client(sandbox, other) as (_, client):
        with pytest.raises(Fatal) as refused:
            await client.probe()
    assert refused.value.status == 400
    assert refused.value.message == "netsuite: token refused: HTTP 400: invalid_grant"
    assert sandbox.refusals == ["InvalidSignatureError: Signature verification failed"]
    assert sandbox.state.requests["POST /services/rest/query/v1/suiteql"] == 0


async def test_an_expired_assertion_is_refused() -> None:
    sandbox = mapped_sandbox()
    key = M2MKey(CERT, keypair()[0])
    async with sandbox.serving() as base, httpx.AsyncClient() as http:
        late = NetSuiteAssertionTokens(
            base + TOKEN_PATH, CLIENT, key, http=http, clock=lambda: time.time() - 3000
        )
        with pytest.raises(Fatal, match="invalid_grant"):
            await late.token()
        fresh = NetSuiteAssertionTokens(base + TOKEN_PATH, CLIENT, key, http=http)
        assert await fresh.token()
    assert sandbox.refusals == ["ExpiredSignatureError: Signature has expired"]


def _signed(claims: dict[str, Any], alg: str = "PS256", kid: str = CERT) -> str:
    key: Any = None if alg == "none" else keypair()[0]
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


# fmt: off
REFUSED = [
    ({}, "none", CERT, "algorithm 'none' not supported"),
    ({}, "RS256", CERT, "algorithm 'RS256' not supported"),
    ({}, "PS256", "cert-9", "no certificate mapped with id 'cert-9'"),
    ({"iss": "someone"}, "PS256", CERT, "InvalidIssuerError: Invalid issuer"),
    ({"aud": "https://x"}, "PS256", CERT, "InvalidAudienceError: Audience doesn't match"),
    ({"exp": 3600}, "PS256", CERT, "exp is not less than 60 minutes after iat"),
    ({"scope": "restlets"}, "PS256", CERT, "scope 'restlets' lacks rest_webservices"),
]
# fmt: on


@pytest.mark.parametrize(("change", "alg", "kid", "reason"), REFUSED)
async def test_assertions_netsuite_would_refuse_are_invalid_grant(
    change: dict[str, Any], alg: str, kid: str, reason: str
) -> None:
    sandbox = mapped_sandbox()
    async with sandbox.serving() as base, httpx.AsyncClient() as http:
        now = int(time.time())
        claims = {"iss": CLIENT, "scope": ["restlets", "rest_webservices"],
                  "aud": base + TOKEN_PATH, "iat": now, "exp": now + 60}  # fmt: skip
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
        }
        good = await http.post(base + TOKEN_PATH, data={**form, "client_assertion": _signed(claims)})  # fmt: skip
        claims |= {k: now + v if k == "exp" else v for k, v in change.items()}
        assertion = _signed(claims, alg, kid)
        bad = await http.post(base + TOKEN_PATH, data={**form, "client_assertion": assertion})  # fmt: skip
    assert good.status_code == 200  # a scope array is accepted as well as a string
    assert (bad.status_code, bad.json()) == (400, {"error": "invalid_grant"})
    assert sandbox.refusals[-1] == reason


def test_the_key_must_fit_the_algorithm_and_the_scopes_netsuites() -> None:
    with pytest.raises(ValueError, match="PS256 needs an RSA private key"):
        M2MKey(CERT, keypair("ec")[0])
    with pytest.raises(ValueError, match="not an unencrypted PEM key"):
        M2MKey(CERT, "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----")
    with pytest.raises(ValueError, match="scopes"):
        M2MKey(CERT, keypair()[0], scopes=("everything",))
    with pytest.raises(ValueError, match="client secret or an M2M key"):
        NetSuiteClient("http://x", client_id=CLIENT)


def _settings(base: str, **auth: Any) -> dict[str, Any]:
    return {"kind": "netsuite", "url": base, "account_id": "TSTDRV1", **auth}


M2M = {"client_id": CLIENT, "certificate_id": CERT}


def test_settings_take_exactly_one_way_to_authenticate() -> None:
    pem = keypair()[0]
    for auth, message in [
        ({**M2M, "private_key": pem, "client_secret": "s"}, "not both"),
        ({"client_id": CLIENT, "certificate_id": CERT}, "M2M needs certificate_id"),
        ({**M2M, "private_key": keypair("ec")[0]}, "PS256 needs an RSA"),
    ]:
        with pytest.raises(ConfigError, match=message):
            catalog.configure({"erp": _settings("http://x", **auth)})
    [configured] = catalog.configure({"erp": {**_settings("http://x", **M2M),
                                              "private_key": pem, "url": None}}).values()  # fmt: skip
    assert configured.account == "netsuite:TSTDRV1"
    assert configured.roles == ("source", "target")
    assert catalog.limits({"erp": configured}) == {"netsuite:TSTDRV1": DEFAULT_LIMIT}
    assert base_url(configured.settings) == "https://tstdrv1.suitetalk.api.netsuite.com"  # type: ignore[arg-type]


async def test_configured_connectors_pass_health_and_fail_it_with_wrong_keys() -> None:
    sandbox = mapped_sandbox()
    async with sandbox.serving() as base:
        configured = catalog.configure({
            "m2m": _settings(base, **M2M, private_key=keypair()[0]),
            "secret": _settings(base, client_id="baton", client_secret="secret"),
            "bad_key": _settings(base, **M2M, private_key=keypair("rsa", 1)[0]),
            "bad_secret": _settings(base, client_id="baton", client_secret="wrong"),
        })  # fmt: skip
        limiters = LimiterRegistry(catalog.limits(configured))
        results = {}
        for name, c in configured.items():
            for role, build in (("source", catalog.build_source), ("target", catalog.build_target)):  # fmt: skip
                connector: Any = build(c, limiters)
                try:
                    results[name, role] = await catalog.check(name, c.kind, connector)
                finally:
                    await connector.close()
    for role in ("source", "target"):
        assert results["m2m", role].ok, results["m2m", role].detail
        assert results["secret", role].ok, results["secret", role].detail
        assert results["bad_key", role].detail.startswith("Fatal: netsuite: token refused")  # fmt: skip
        assert results["bad_secret", role].detail.startswith("Fatal")
    assert sandbox.state.requests["POST /services/rest/query/v1/suiteql"] == 4
