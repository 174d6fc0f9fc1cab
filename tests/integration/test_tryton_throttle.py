"""Tryton's own 429: a login throttled by ``session.max_attempt`` (real trytond 8.2).

trytond counts failed logins per login name (``res.user.login.attempt``); past
``session.max_attempt`` ``res.user.get_login`` raises ``RateLimitException``
and ``common.db.login`` answers 429 without ``Retry-After``, even to the right
password. A second server is started here with ``max_attempt = 0`` (set
through trytond's environment), so one wrong password throttles the next login.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from baton.connectors.tryton import TrytonClient
from baton.engine.errors import Fatal, RateLimited
from baton.engine.limiter import AccountLimiter
from tests.integration import tryton_server

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.integration.tryton_server import TrytonServer


@pytest.fixture(scope="module")
def throttled(tryton: TrytonServer) -> Iterator[TrytonServer]:
    """A second trytond refusing a login after one failed attempt.

    Depends on ``tryton`` so that the template is built and an unusable
    trytond skips or fails as there; the setting comes from the environment.
    """
    del tryton
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TRYTOND_SESSION__MAX_ATTEMPT", "0")
        server = tryton_server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_trytons_own_429_on_a_throttled_login(throttled: TrytonServer) -> None:
    url, db, user = throttled.base_url, throttled.database, throttled.login
    wrong = TrytonClient(url, db, user, "wrong-pw")
    limiter = AccountLimiter(None)
    right = TrytonClient(url, db, user, throttled.password, limiter=limiter)
    try:
        with pytest.raises(Fatal):  # the one attempt allowed: refused, counted
            await wrong.login()
        before = time.monotonic()
        with pytest.raises(RateLimited) as caught:  # now even the right password
            await right.call("res.user.get_preferences", True)
    finally:
        await wrong.close()
        await right.close()
    assert (caught.value.status, caught.value.retry_after) == (429, None)
    assert limiter.paused_until >= before + 1.0  # no Retry-After: 1 s
