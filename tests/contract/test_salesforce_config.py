"""Salesforce from settings: with an org id, change events come over Pub/Sub (gRPC)."""

from __future__ import annotations

import grpc
import pytest

from baton.connectors import catalog
from baton.connectors.salesforce.change_feed import ChangeStream
from baton.connectors.salesforce.pubsub import PubSubChangeStream
from baton.connectors.salesforce.pubsub.sandbox import GrpcFault, PubSubSandbox
from baton.connectors.salesforce.pubsub.testing import seeded
from baton.engine.errors import RateLimited
from baton.engine.limiter import LimiterRegistry


def _source(settings: dict[str, object]):
    configured = catalog.configure({"crm": settings})
    limiters = LimiterRegistry(catalog.limits(configured))
    return configured["crm"], catalog.build_source(configured["crm"], limiters)


async def test_an_org_id_switches_opportunity_changes_to_pub_sub():
    rest, ids = seeded(4)
    bus = PubSubSandbox(rest, store=rest)
    async with rest.serving() as base, bus.serving() as target:
        common = {
            "kind": "salesforce", "url": base, "client_id": "baton",
            "client_secret": "secret", "currency": "EUR", "legal_entity_id": "LE-DE",
        }  # fmt: skip
        c, source = _source(
            {**common, "org_id": bus.tenant_id, "pubsub_url": target,
             "pubsub_tls": False}
        )  # fmt: skip
        try:
            checked = await catalog.check(c.name, c.kind, source)
            stream = source.stream("opportunity_changes")  # type: ignore[attr-defined]
            assert isinstance(stream, PubSubChangeStream)
            stream.idle_wait = 0.3
            pages = [page async for page in stream.read(None)]
        finally:
            await source.close()
        _, plain = _source(common)
        try:
            json_feed = plain.stream("opportunity_changes")  # type: ignore[attr-defined]
            json_pages = [page async for page in json_feed.read(None)]
        finally:
            await plain.close()
        _, wrong_org = _source(
            {**common, "org_id": "00D000000000009ZZZ", "pubsub_url": target,
             "pubsub_tls": False}
        )  # fmt: skip
        try:
            refused = await catalog.check("crm", "salesforce", wrong_org)
        finally:
            await wrong_org.close()
    assert (checked.ok, checked.detail) == (True, "ok")
    assert sorted(r.source_id for p in pages for r in p.records) == sorted(ids)
    assert isinstance(json_feed, ChangeStream)
    # the same records, the same event ids, whichever feed carried them
    assert sorted(r.event_id for p in pages for r in p.records) == sorted(
        r.event_id for p in json_pages for r in p.records
    )
    assert not refused.ok
    assert refused.detail.startswith("Fatal"), refused.detail


async def test_resource_exhausted_on_the_bus_pauses_the_orgs_shared_limiter():
    rest, _ids = seeded(2)
    bus = PubSubSandbox(rest, store=rest)
    async with rest.serving() as base, bus.serving() as target:
        configured = catalog.configure(
            {"crm": {"kind": "salesforce", "url": base, "client_id": "baton",
                     "client_secret": "secret", "currency": "EUR",
                     "legal_entity_id": "LE-DE", "org_id": bus.tenant_id,
                     "pubsub_url": target, "pubsub_tls": False}}
        )  # fmt: skip
        limiters = LimiterRegistry(catalog.limits(configured))
        limiter = limiters.get(configured["crm"].account)
        source = catalog.build_source(configured["crm"], limiters)
        try:
            stream = source.stream("opportunity_changes")  # type: ignore[attr-defined]
            stream.idle_wait = 0.3
            before = limiter.paused_until
            bus.inject(GrpcFault(grpc.StatusCode.RESOURCE_EXHAUSTED))
            with pytest.raises(RateLimited) as info:
                await anext(stream.read(None))
        finally:
            await source.close()
    assert info.value.retry_after == 60.0
    assert limiter.paused_until > before + 30  # REST calls of the org wait too
