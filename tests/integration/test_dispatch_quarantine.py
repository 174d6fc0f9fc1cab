"""Quarantine: ERP rejections and ingress rule breaks, on SQLite and PostgreSQL.

Every quarantined record carries the rule, a plain reason, the owning team,
the amount at stake and a fix; a repeat of a rejected event adds no row.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import orjson
from sqlalchemy import select

from baton.config import BreakerSettings
from baton.store import schema as t
from tests.conftest import hub_settings, running_hub
from tests.integration.flow_helpers import entry, eventually, send


def cost(refdata_dir, worker_id: str, hours: str) -> Decimal:
    workers = json.loads((refdata_dir / "workers.json").read_text())
    rate = Decimal(str(workers[worker_id]["cost_rate"]))
    return (Decimal(hours) * rate).quantize(Decimal("0.01"), ROUND_HALF_UP)


def attempts(store, delivery_id: str) -> list[dict]:
    q = (
        select(t.attempts)
        .where(t.attempts.c.delivery_id == delivery_id)
        .order_by(t.attempts.c.number)
    )
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


async def test_erp_rejection_is_quarantined_with_owner_amount_and_fix(
    store_url, refdata_dir, erp
):
    sandbox, url = erp
    sandbox.inject(reject_ids={"te-x"})
    # threshold 1: a rejection of one record must not count against the ERP
    settings = hub_settings(
        store_url, url, breaker=BreakerSettings(failure_threshold=1)
    )
    async with running_hub(settings, refdata_dir) as hub:
        answer = await send(hub, entry("te-x", worker_id="W00002", hours="6"))
        assert (answer.outcome, answer.rule) == ("rejected", "erp.rejected")
        assert "entry te-x refused" in answer.reason
        (q,) = await eventually(lambda: hub.store.list_quarantine("open"))
        d = hub.store.get_delivery(answer.id)
        rows = attempts(hub.store, answer.id)
        breaker = hub.breakers.get("erp")
        assert (breaker.state, breaker.opened_count) == ("closed", 0)
        # a repeat is answered with the original's outcome; nothing is sent again
        again = await send(hub, entry("te-x", worker_id="W00002", hours="6"))
        assert (again.outcome, again.rule, again.id) == (
            "rejected",
            "erp.rejected",
            answer.id,
        )
        await asyncio.sleep(0.3)
        assert len(hub.store.list_quarantine(None)) == 1
        assert len(sandbox.post_times) == 1

    assert (q.rule, q.owner_team, q.entity, q.canonical_id) == (
        "erp.rejected",
        "delivery_ops",
        "TimeEntry",
        "te-x",
    )
    assert "entry te-x refused" in q.reason
    assert q.fix.strip()
    assert Decimal(q.amount) == cost(refdata_dir, "W00002", "6")
    assert q.currency == "USD"
    assert (q.delivery_id, q.inbox_id, q.status) == (answer.id, None, "open")
    # the quarantined payload is the body the ERP refused
    assert orjson.loads(q.payload) == orjson.loads(d.payload)
    assert orjson.loads(q.payload)["externalId"] == "te-x"
    assert (d.state, d.attempts) == ("quarantined", 1)
    assert [(r["outcome"], r["status"]) for r in rows] == [("invalid", 422)]
    assert len(sandbox.post_times) == 1
    assert sandbox.records == {}


# (overrides, rule, owner team, worker whose rate prices it or None)
RULES = [
    ({"project_code": "PRJ-9999"}, "project.unknown", "delivery_ops", "W00001"),
    ({"project_code": "PRJ-0007"}, "project.inactive", "delivery_ops", "W00001"),
    ({"worker_id": "W99999"}, "worker.unknown", "hr", None),
    ({"pay_code": "BONUS"}, "pay_code.unknown", "hr", "W00001"),
    ({"status": "submitted"}, "status.not_approved", "delivery_ops", "W00001"),
    ({"hours": "7.3"}, "hours.invalid", "delivery_ops", "W00001"),
]


async def test_each_ingress_rule_quarantines_once_with_its_owner(
    store_url, refdata_dir, erp
):
    sandbox, url = erp
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:
        first, second = {}, {}
        for n, (overrides, rule, _, _) in enumerate(RULES):
            e = entry(f"te-bad-{n}", **overrides)
            first[rule] = await send(hub, e)
            second[rule] = await send(hub, e)
        # copies arriving together (one group commit) also make one row
        burst = await asyncio.gather(
            *(send(hub, entry("te-burst", status="draft")) for _ in range(5))
        )
        quarantine = hub.store.list_quarantine(None)
        counts = hub.store.counts()
        await asyncio.sleep(0.3)

    by_id = {q.canonical_id: q for q in quarantine}
    for n, (overrides, rule, owner, priced_by) in enumerate(RULES):
        answer, repeat = first[rule], second[rule]
        assert (answer.outcome, answer.rule) == ("rejected", rule), rule
        assert answer.reason, rule
        assert (repeat.outcome, repeat.rule, repeat.id) == (
            "rejected",
            rule,
            answer.id,
        ), rule
        q = by_id[f"te-bad-{n}"]
        assert (q.rule, q.owner_team, q.status) == (rule, owner, "open"), rule
        assert q.reason == answer.reason, rule
        assert q.fix.strip(), rule
        assert (q.inbox_id, q.delivery_id) == (answer.id, None), rule
        payload = orjson.loads(q.payload)
        assert payload["entry_id"] == f"te-bad-{n}", rule
        if priced_by is None:
            assert (q.amount, q.currency) == (None, None), rule
        else:
            hours = str(overrides.get("hours", "7.5"))
            assert Decimal(q.amount) == cost(refdata_dir, priced_by, hours), rule
            assert q.currency == "USD", rule
    assert {a.outcome for a in burst} == {"rejected"}
    assert {a.rule for a in burst} == {"status.not_approved"}
    per_record = Counter(q.canonical_id for q in quarantine)
    assert per_record == Counter({f"te-bad-{n}": 1 for n in range(6)} | {"te-burst": 1})
    assert counts["inbox"] == {"rejected": 7}
    assert counts["deliveries"] == {}
    assert sandbox.post_times == []


async def test_concurrent_erp_rejections_make_one_row_each(store_url, refdata_dir, erp):
    # Regression: a delivery whose outcome was not yet committed was picked up
    # again by the store poll, re-posted, and quarantined a second time. A
    # fast poll makes the window (outcome known, not yet committed) likely.
    sandbox, url = erp
    ids = [f"te-{n}" for n in range(40)]
    sandbox.inject(reject_ids=set(ids))
    settings = hub_settings(store_url, url, poll_seconds=0.005)
    async with running_hub(settings, refdata_dir) as hub:
        answers = await asyncio.gather(
            *(send(hub, entry(i, worker_id=f"W{n + 1:05d}")) for n, i in enumerate(ids))
        )
        await eventually(lambda: len(hub.store.list_quarantine(None)) >= len(ids))
        await asyncio.sleep(0.3)
        quarantine = hub.store.list_quarantine(None)
        states = hub.store.counts()["deliveries"]

    assert {a.outcome for a in answers} == {"rejected"}
    assert Counter(q.canonical_id for q in quarantine) == Counter(ids)
    assert len(sandbox.post_times) == len(ids)
    assert states == {"quarantined": len(ids)}
