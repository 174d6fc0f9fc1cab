"""Wire faults on the Tryton target, settled by the hub, against a real Tryton 8.2.

The target's client goes through :class:`~tests.integration.test_tryton_faults.Proxy`:
the first ``timesheet.line.create`` is answered 429 with ``Retry-After``, or
503, or forwarded and then its answer dropped or replaced by a gateway's 504. In each case the hub must end with
the entry posted and exactly one line in Tryton for it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

import pytest

from baton.connectors.tryton import TrytonClient, TrytonTarget
from tests.e2e.helpers import hub_with_targets
from tests.integration.test_tryton_faults import CREATE, Proxy
from tests.integration.test_tryton_target import (
    DAY,
    entry,
    lines,
    post,
    settings,
)
from tests.integration.test_tryton_target import books as books  # noqa: PLC0414
from tests.integration.test_tryton_target import rpc as rpc  # noqa: PLC0414

if TYPE_CHECKING:
    from pathlib import Path

    from baton.workflows.time_entry import Answer
    from tests.integration.test_tryton_target import Books
    from tests.integration.tryton_server import TrytonServer

ACCOUNT = "tryton:faults"


def target_through(tryton: TrytonServer, proxy: Proxy) -> TrytonTarget:
    """The Tryton target as config builds it (no client limiter), via ``proxy``."""
    client = TrytonClient(
        tryton.base_url,
        tryton.database,
        tryton.login,
        tryton.password,
        timeout=10,
        transport=proxy,
    )
    return TrytonTarget(name="erp", account=ACCOUNT, client=client)


async def deliver(
    tryton: TrytonServer, proxy: Proxy, books: Books, tmp_path: Path
) -> tuple[Answer, str, float]:
    """Post one entry through the hub; its answer, reference and the pause end."""
    raw = entry("W1", books.code, DAY, "3.5")
    target = target_through(tryton, proxy)
    async with hub_with_targets(
        settings(tmp_path), books.refdata, {"erp": target}
    ) as hub:
        limiter = hub.limiters.get(target.account)
        assert limiter.paused_until == -math.inf
        answer = await post(hub, raw)
    return answer, f"baton:{raw['entry_id']}", limiter.paused_until


async def test_429_retry_after_pauses_the_hubs_limiter(
    tryton: TrytonServer, rpc: TrytonClient, books: Books, tmp_path: Path
) -> None:
    proxy = Proxy("429", retry_after="0.3")
    answer, ref, paused_until = await deliver(tryton, proxy, books, tmp_path)
    assert answer.outcome == "posted", answer
    assert proxy.faulted_at is not None
    # the dispatcher paused the account for the header's 0.3 s (not its 1 s default)
    assert 0.3 <= paused_until - proxy.faulted_at < 0.9
    after = [(t, m) for t, m in proxy.calls if t > proxy.faulted_at]
    assert after, "the delivery was never retried"
    assert all(t >= paused_until for t, _m in after)  # nothing before the pause ended
    assert [m for _t, m in after].count(CREATE) == 1  # the one retry
    (line,) = await lines(rpc, books.work)
    assert line["description"] == ref


async def test_503_is_retried_and_posted_once(
    tryton: TrytonServer, rpc: TrytonClient, books: Books, tmp_path: Path
) -> None:
    proxy = Proxy("503")
    answer, ref, paused_until = await deliver(tryton, proxy, books, tmp_path)
    assert answer.outcome == "posted", answer
    assert paused_until == -math.inf  # a 5xx backs off; it pauses no one
    assert proxy.creates() == 2  # the 503 (not forwarded), then the retry
    (line,) = await lines(rpc, books.work)
    assert line["description"] == ref


@pytest.mark.parametrize("fault", ["lost", "504"])
async def test_write_lost_after_create_is_found_by_lookup(
    tryton: TrytonServer,
    rpc: TrytonClient,
    books: Books,
    tmp_path: Path,
    fault: Literal["lost", "504"],
) -> None:
    proxy = Proxy(fault, forward=True)  # stored by Tryton, then the answer lost
    answer, ref, _paused = await deliver(tryton, proxy, books, tmp_path)
    assert answer.outcome == "posted", answer
    assert proxy.creates() == 1  # never sent twice
    (created,) = proxy.lost
    after = [m for t, m in proxy.calls if proxy.faulted_at and t > proxy.faulted_at]
    assert after[0] == "model.timesheet.line.search"  # the lookup came first
    (line,) = await lines(rpc, books.work)
    assert (line["id"], line["description"]) == (created, ref)
