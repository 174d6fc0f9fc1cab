"""A wired Pub/Sub test bench: REST sandbox, gRPC sandbox, client and stream.

:func:`bench` serves a :class:`~baton.connectors.salesforce.sandbox.SalesforceSandbox`
(tokens, records) and a :class:`~baton.connectors.salesforce.pubsub.sandbox.PubSubSandbox`
mirroring its events, and builds the production wiring against them: the
REST client, the source (whose ``opportunities`` stream maps the fetched
records) and a :class:`~baton.connectors.salesforce.pubsub.stream.PubSubChangeStream`
whose subscriber uses the client's session. :func:`seeded` makes the REST
sandbox with an account and open opportunities.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from baton.connectors.salesforce.client import SalesforceClient
from baton.connectors.salesforce.connector import SalesforceSource, SalesforceStream
from baton.connectors.salesforce.pubsub.sandbox import PubSubSandbox
from baton.connectors.salesforce.pubsub.stream import PubSubChangeStream
from baton.connectors.salesforce.pubsub.subscriber import PubSubSubscriber
from baton.connectors.salesforce.sandbox import SalesforceSandbox
from baton.connectors.salesforce.values import SalesforceOrg

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


__all__ = ["Bench", "bench", "seeded"]


@dataclass
class Bench:
    """What :func:`bench` serves and builds."""

    rest: SalesforceSandbox
    bus: PubSubSandbox
    client: SalesforceClient
    source: SalesforceSource
    stream: PubSubChangeStream
    target: str


def seeded(n: int, **options: Any) -> tuple[SalesforceSandbox, list[str]]:
    """A REST sandbox with one account and ``n`` open opportunities; their ids."""
    rest = SalesforceSandbox(**options)
    account = rest.add(
        "Account", Name="Zoë Holding", ParentId=None, BillingCountry="DE"
    )
    ids = [
        rest.add("Opportunity", AccountId=account, Name=f"Deal {i} – 東京", IsClosed=False,
                 IsWon=False, StageName="Prospecting", Amount=1250 + i, CloseDate="2024-12-31",
                 Probability=10, OwnerId="005000000000001AAA")
        for i in range(n)
    ]  # fmt: skip
    return rest, ids


@contextlib.asynccontextmanager
async def bench(
    rest: SalesforceSandbox,
    *,
    tenant: str | None = None,
    batch_size: int = 3,
    max_events: int = 1000,
    idle_wait: float = 0.5,
    **bus_options: Any,
) -> AsyncIterator[Bench]:
    """Serve both sandboxes and build the stream (``tenant``: the org id sent)."""
    bus = PubSubSandbox(rest, store=rest, **bus_options)
    async with rest.serving() as base, bus.serving() as target:
        client = SalesforceClient("baton", "secret", login_url=base)
        source = SalesforceSource(client, SalesforceOrg("EUR", "LE-DE"))
        opps = source.stream("opportunities")
        assert isinstance(opps, SalesforceStream)
        sub = PubSubSubscriber(
            client.tokens,
            tenant_id=tenant or bus.tenant_id,
            target=target,
            secure=False,
        )

        async def fetch(sf_id: str) -> dict[str, Any]:
            return await client.record("Opportunity", sf_id)

        stream = PubSubChangeStream(
            sub,
            fetch=fetch,
            to_record=opps.record,
            batch_size=batch_size,
            max_events=max_events,
            idle_wait=idle_wait,
            deleted=opps.deleted,
        )
        try:
            yield Bench(rest, bus, client, source, stream, target)
        finally:
            await sub.close()
            await source.close()
