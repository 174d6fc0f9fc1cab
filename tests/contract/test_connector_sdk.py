"""The connector SDK against a small vendor sandbox: auth, limits, faults, signatures."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
import pytest

from baton.connectors.http import OAuth2ClientCredentials, VendorHttp
from baton.connectors.sandbox import Fault, RateLimitRule
from baton.connectors.webhooks import (
    WebhookRejectedError,
    check_fresh,
    hmac_b64,
    matches_any,
)
from baton.engine.errors import Ambiguous, Invalid, RateLimited, Retriable
from baton.engine.limiter import AccountLimiter, RateLimit
from tests.fakes.example_vendor import ExampleSandbox


def client(base: str, limiter: AccountLimiter | None = None, timeout: float = 5.0):
    token_http = httpx.AsyncClient()
    tokens = OAuth2ClientCredentials(
        f"{base}/oauth/token", "baton", "secret", http=token_http
    )
    http = VendorHttp(base, "example", tokens=tokens, limiter=limiter, timeout=timeout)
    return http, tokens, token_http


async def test_expired_token_is_refreshed_once():
    sandbox = ExampleSandbox()
    async with sandbox.serving() as base:
        http, tokens, token_http = client(base)
        try:
            await http.request("POST", "/v1/items", json={"name": "a"})
            sandbox.expire_tokens()
            await http.request("POST", "/v1/items", json={"name": "b"})
        finally:
            await http.close()
            await token_http.aclose()
    assert tokens.fetched == 2
    assert sandbox.state.tokens_issued == 2
    assert [i["name"] for i in sandbox.items] == ["a", "b"]


async def test_pages_are_followed_to_the_end():
    sandbox = ExampleSandbox()
    sandbox.items = [{"id": i, "name": f"n{i}"} for i in range(1, 8)]
    async with sandbox.serving() as base:
        http, _tokens, token_http = client(base)
        seen, page, pages = [], 1, 0
        try:
            while page is not None:
                doc = (
                    await http.request("GET", "/v1/items", params={"page": page})
                ).json()
                seen += [i["id"] for i in doc["items"]]
                page, pages = doc["next_page"], pages + 1
        finally:
            await http.close()
            await token_http.aclose()
    assert (seen, pages) == ([1, 2, 3, 4, 5, 6, 7], 4)


async def test_errors_are_classified_with_the_vendors_message():
    sandbox = ExampleSandbox()
    limiter = AccountLimiter(None)
    async with sandbox.serving() as base:
        http, _tokens, token_http = client(base, limiter)
        try:
            sandbox.inject(Fault(prefix="/v1/items", status=429, retry_after=0.3))
            with pytest.raises(RateLimited) as limited:
                await http.request("POST", "/v1/items", json={"name": "a"})
            paused = limiter.paused_until - time.monotonic()
            sandbox.inject(Fault(prefix="/v1/items", status=503))
            with pytest.raises(Retriable) as unavailable:
                await http.request("POST", "/v1/items", json={"name": "a"})
            with pytest.raises(Invalid) as invalid:
                await http.request("POST", "/v1/items", json={"name": ""})
        finally:
            await http.close()
            await token_http.aclose()
    assert limited.value.retry_after == pytest.approx(0.3)
    assert 0.1 < paused <= 0.3
    assert unavailable.value.status == 503
    assert invalid.value.rule == "example.rejected"
    assert "Item name is required" in invalid.value.message
    assert sandbox.items == []


@pytest.mark.parametrize("fault", ["reset", "timeout"])
async def test_a_write_lost_after_commit_is_ambiguous_and_found(fault):
    sandbox = ExampleSandbox()
    sandbox.inject(
        Fault(
            prefix="/v1/items",
            reset_after_commit=fault == "reset",
            timeout_after_commit=2.0 if fault == "timeout" else 0.0,
        )
    )
    async with sandbox.serving() as base:
        http, _tokens, token_http = client(base, timeout=0.5)
        try:
            with pytest.raises(Ambiguous):
                await http.request(
                    "POST", "/v1/items", json={"name": "a", "externalId": "x1"}
                )
            found = (
                await http.request("GET", "/v1/items", params={"externalId": "x1"})
            ).json()["items"]
        finally:
            await http.close()
            await token_http.aclose()
    assert [i["id"] for i in found] == [1]


async def test_refused_connection_is_retriable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    http = VendorHttp(f"http://127.0.0.1:{port}", "example", timeout=1.0)
    try:
        with pytest.raises(Retriable):
            await http.request("POST", "/v1/items", json={})
    finally:
        await http.close()


async def test_three_callers_share_the_limit_without_a_429_storm():
    """Xero-like: 60/min and 5 at once, the minute compressed to 0.5 s."""
    scale = 60.0  # 60 s -> 1 s (a longer window keeps jitter small against it)
    sandbox = ExampleSandbox(limit=RateLimitRule(60, 60.0, 5), time_scale=scale)
    sandbox.latency = 0.002
    # 5 % of headroom: the vendor counts arrivals, a few ms after our starts
    limiter = AccountLimiter(RateLimit(60, 1.05 * 60.0 / scale, 5))
    async with sandbox.serving() as base:
        http, _tokens, token_http = client(base, limiter)
        await http.request("GET", "/v1/items")  # token fetched once, outside the window
        sandbox.state.starts.clear()

        async def caller(n: int) -> None:
            for i in range(60):
                while True:  # as the engine would: a 429 pauses the account
                    try:
                        await http.request(
                            "POST", "/v1/items", json={"name": f"c{n}-{i}"}
                        )
                        break
                    except RateLimited:
                        continue

        t0 = time.monotonic()
        try:
            await asyncio.gather(*(caller(n) for n in range(3)))
        finally:
            await http.close()
            await token_http.aclose()
        elapsed = time.monotonic() - t0
    windows = elapsed / (60.0 / scale)
    use = len(sandbox.items) / (60 * windows)
    # no 429 storm: at most a stray one at a window edge on a loaded machine
    assert sandbox.state.rate_limited <= 2
    assert sandbox.state.max_in_flight <= 5
    assert len(sandbox.items) == 180
    assert use >= 0.9 * (windows - 1) / windows, f"used {use:.0%} of the limit"


def test_signatures_and_timestamps():
    body = b'{"events":[]}'
    good = hmac_b64("key", body)
    matches_any(good, [hmac_b64("old", body), good])  # rotation: either secret
    with pytest.raises(WebhookRejectedError, match="does not match"):
        matches_any(hmac_b64("wrong", body), [good])
    with pytest.raises(WebhookRejectedError, match="missing"):
        matches_any(None, [good])
    check_fresh(1000.0, 1200.0)
    with pytest.raises(WebhookRejectedError, match="tolerance"):
        check_fresh(1000.0, 1400.0)


@pytest.mark.parametrize("status", [502, 504])
async def test_a_gateway_error_to_a_write_is_ambiguous_and_to_a_read_retriable(status):
    async def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"message": "upstream timed out"})

    http = VendorHttp(
        "https://vendor.example", "acme", transport=httpx.MockTransport(answer)
    )
    try:
        with pytest.raises(Ambiguous, match=f"{status} from a gateway to POST"):
            await http.request("POST", "/things", json={"a": 1})
        with pytest.raises(Retriable) as read:
            await http.request("GET", "/things")
    finally:
        await http.close()
    assert read.value.status == status
