"""Replay of quarantine and dead letters, with dry-run preview: SQLite and PostgreSQL.

A preview must show exactly the body that a real replay then sends, and
change nothing; a replay sends each record once, and looks a record up in
the ERP before resending anything that may already be there.
"""

from __future__ import annotations

import asyncio
import json
import shutil

import orjson
import pytest
from sqlalchemy import select

from baton.mdm.refdata import load_dir
from baton.store import schema as t
from baton.workflows.replay import Replayer, ReplayError, Selection
from tests.conftest import hub_settings, running_hub
from tests.integration.flow_helpers import entry, eventually, send


def rows(store, table, **where) -> list[dict]:
    q = (
        select(table)
        .where(*(table.c[k] == v for k, v in where.items()))
        .order_by(*table.primary_key.columns)
    )
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def open_item(store, canonical_id: str):
    (q,) = [r for r in store.list_quarantine("open") if r.canonical_id == canonical_id]
    return q


def delivery_of(store, canonical_id: str):
    (d,) = [
        d for d in store.list_deliveries(limit=1000) if d.canonical_id == canonical_id
    ]
    return d


def confirmed(store, canonical_id: str):
    def check():
        ds = [
            d
            for d in store.list_deliveries("confirmed")
            if d.canonical_id == canonical_id
        ]
        return ds[0] if ds else None

    return eventually(check)


def stored(sandbox, ext: str) -> dict:
    return {k: v for k, v in sandbox.records[ext].items() if k != "erp_id"}


def snapshot(hub, sandbox) -> tuple:
    """Everything a dry run must leave alone."""
    store = hub.store
    return (
        store.counts(),
        [(q.id, q.status) for q in store.list_quarantine(None)],
        [(d.id, d.state, d.payload, d.attempts) for d in store.list_deliveries()],
        [(x.id, x.status) for x in store.list_dead_letters(None)],
        rows(store, t.audit_log),
        len(sandbox.post_times),
        dict(sandbox.records),
    )


async def test_ingress_replay_sends_exactly_the_previewed_body(
    store_url, refdata_dir, erp, tmp_path
):
    sandbox, url = erp
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:
        fixable = await send(
            hub, entry("te-a", project_code="PRJ-0007", worker_id="W00003")
        )
        broken = await send(hub, entry("te-b", project_code="PRJ-0019"))
        assert (fixable.rule, broken.rule) == ("project.inactive", "project.inactive")
        qa, qb = open_item(hub.store, "te-a").id, open_item(hub.store, "te-b").id

        # the steward reopens PRJ-0007 (only): new reference data, reloaded
        fixed = tmp_path / "fixed"
        shutil.copytree(refdata_dir, fixed)
        projects = json.loads((fixed / "projects.json").read_text())
        projects["PRJ-0007"]["active"] = True
        (fixed / "projects.json").write_text(json.dumps(projects))
        load_dir(hub.store, fixed)
        hub.reload_refdata()

        replayer = Replayer(hub.store, hub.time_entries)
        before = snapshot(hub, sandbox)
        preview = replayer.quarantine(Selection(ids=[qa, qb]), dry_run=True, actor="t")
        await hub.dispatcher.recover()
        await asyncio.sleep(0.3)  # the store poll runs every 0.1 s
        assert snapshot(hub, sandbox) == before

        send_plan, still = preview
        assert (send_plan.item_id, send_plan.action, send_plan.target) == (
            qa,
            "send",
            "erp",
        )
        assert send_plan.idempotency_key == "erp:TimeEntry:te-a:v1"
        assert send_plan.body["externalId"] == "te-a"
        assert send_plan.body["projectCode"] == "PRJ-0007"
        assert send_plan.body["employeeId"] == "EMP-100111"
        assert send_plan.changes == {}
        assert (still.item_id, still.action, still.rule) == (
            qb,
            "still_rejected",
            "project.inactive",
        )
        assert still.body is None

        done = replayer.quarantine(Selection(ids=[qa, qb]), dry_run=False, actor="t")
        assert done == preview
        await hub.dispatcher.recover()
        d = await confirmed(hub.store, "te-a")
        await asyncio.sleep(0.3)
        statuses = {q.id: q.status for q in hub.store.list_quarantine(None)}
        inbox = rows(hub.store, t.inbox, event_id="te-a")
        audit = rows(hub.store, t.audit_log)
        repeat = await send(
            hub, entry("te-a", project_code="PRJ-0007", worker_id="W00003")
        )
        with pytest.raises(ReplayError, match="already replayed"):
            replayer.quarantine(Selection(ids=[qa]), dry_run=True, actor="t")

    assert stored(sandbox, "te-a") == send_plan.body
    assert sandbox.posts == {"te-a": 1}
    assert d.external_ref == str(sandbox.records["te-a"]["erp_id"])
    assert statuses == {qa: "replayed", qb: "open"}
    assert [(r["outcome"], r["delivery_id"]) for r in inbox] == [("accepted", d.id)]
    assert [(r["actor"], r["action"], r["subject"]) for r in audit] == [
        ("t", "quarantine.replayed", qa)
    ]
    assert repeat.outcome == "duplicate"


async def test_erp_rejection_replayed_with_an_edited_payload(
    store_url, refdata_dir, erp
):
    sandbox, url = erp
    sandbox.inject(reject_ids={"te-e"})
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:
        answer = await send(hub, entry("te-e"))
        assert (answer.outcome, answer.rule) == ("rejected", "erp.rejected")
        q = await eventually(lambda: hub.store.list_quarantine("open"))
        (item,) = q
        original = orjson.loads(item.payload)
        assert original["payItem"] == "PI-1000"
        edited = {**original, "payItem": "PI-1500"}
        sandbox.inject(reject_ids=set())  # the ERP side is set up now

        replayer = Replayer(hub.store, hub.time_entries)
        before = snapshot(hub, sandbox)
        (preview,) = replayer.quarantine(
            Selection(ids=[item.id]), dry_run=True, actor="t", payload=edited
        )
        await hub.dispatcher.recover()
        await asyncio.sleep(0.3)
        assert snapshot(hub, sandbox) == before

        assert (preview.action, preview.target, preview.idempotency_key) == (
            "resend",
            "erp",
            "erp:TimeEntry:te-e:v1",
        )
        assert preview.body == edited
        assert preview.changes == {"payItem": {"from": "PI-1000", "to": "PI-1500"}}

        (done,) = replayer.quarantine(
            Selection(ids=[item.id]), dry_run=False, actor="t", payload=edited
        )
        assert done == preview
        await hub.dispatcher.recover()
        d = await confirmed(hub.store, "te-e")
        await asyncio.sleep(0.3)
        status = hub.store.get_quarantine(item.id).status
        final = hub.store.get_delivery(answer.id)

    assert stored(sandbox, "te-e") == edited
    assert sandbox.posts == {"te-e": 1}
    assert len(sandbox.post_times) == 2  # the refused post and the replay
    assert d.id == answer.id
    assert orjson.loads(final.payload) == edited
    assert status == "replayed"


async def test_dead_letter_replay_posts_once_or_finds_the_record(
    store_url, refdata_dir, erp
):
    sandbox, url = erp
    sandbox.inject(status=401, status_count=2)
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:
        answers = await asyncio.gather(
            send(hub, entry("te-d1", worker_id="W00004")),
            send(hub, entry("te-d2", worker_id="W00005")),
        )
        assert [a.outcome for a in answers] == ["failed", "failed"]
        await eventually(lambda: len(hub.store.list_dead_letters("open")) == 2)
        sandbox.inject(status=None, status_count=0)  # credentials fixed
        # te-d2 reached the ERP after all (keyed in by hand, say)
        sandbox.records["te-d2"] = {"externalId": "te-d2", "erp_id": 777}

        replayer = Replayer(hub.store, hub.time_entries)
        before = snapshot(hub, sandbox)
        preview = replayer.dead_letters(Selection(all=True), dry_run=True, actor="t")
        await hub.dispatcher.recover()
        await asyncio.sleep(0.3)
        assert snapshot(hub, sandbox) == before

        assert sorted(p.body["externalId"] for p in preview) == ["te-d1", "te-d2"]
        for p in preview:
            assert (p.action, p.target) == ("resend", "erp")
            assert "401" in p.reason
            d = delivery_of(hub.store, p.body["externalId"])
            assert p.body == orjson.loads(d.payload)
            assert p.idempotency_key == d.idempotency_key

        done = replayer.dead_letters(Selection(all=True), dry_run=False, actor="t")
        assert done == preview
        await hub.dispatcher.recover()
        d1 = await confirmed(hub.store, "te-d1")
        d2 = await confirmed(hub.store, "te-d2")
        await asyncio.sleep(0.3)
        dead = hub.store.list_dead_letters(None)
        tries2 = rows(hub.store, t.attempts, delivery_id=d2.id)
        xref = rows(hub.store, t.xref, canonical_id="te-d2")

    assert sandbox.posts == {"te-d1": 1}  # te-d2 was looked up, not re-posted
    assert len(sandbox.post_times) == 3  # two 401s, one replayed post
    by_ext = {p.body["externalId"]: p for p in preview}
    assert stored(sandbox, "te-d1") == by_ext["te-d1"].body
    assert d1.external_ref == str(sandbox.records["te-d1"]["erp_id"])
    assert d2.external_ref == "777"
    assert [r["outcome"] for r in tries2] == ["fatal", "found"]
    assert [r["external_id"] for r in xref] == ["777"]
    assert {x.status for x in dead} == {"replayed"}
    assert len(dead) == 2


async def test_selection_filters_and_refusals(store_url, refdata_dir, erp):
    sandbox, url = erp
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:
        await send(hub, entry("te-p", project_code="PRJ-0007"))
        await send(hub, entry("te-w", worker_id="W99999"))
        await send(hub, entry("te-c", pay_code="BONUS"))
        ids = {q.canonical_id: q.id for q in hub.store.list_quarantine("open")}
        replayer = Replayer(hub.store, hub.time_entries)

        def picked(**sel) -> set[str]:
            plans = replayer.quarantine(Selection(**sel), dry_run=True, actor="t")
            return {p.item_id for p in plans}

        assert picked(rule="project.inactive") == {ids["te-p"]}
        assert picked(owner_team="hr") == {ids["te-w"], ids["te-c"]}
        assert picked(owner_team="hr", rule="worker.unknown") == {ids["te-w"]}
        assert picked(owner_team="finance") == set()
        assert picked(all=True) == set(ids.values())
        with pytest.raises(ReplayError, match="say which items"):
            replayer.quarantine(Selection(), dry_run=True, actor="t")
        with pytest.raises(ReplayError, match="say which items"):
            replayer.dead_letters(Selection(), dry_run=True, actor="t")
        with pytest.raises(ReplayError, match="exactly one item"):
            replayer.quarantine(
                Selection(owner_team="hr"), dry_run=True, actor="t", payload={}
            )
        with pytest.raises(ReplayError, match="no quarantine item"):
            replayer.quarantine(Selection(ids=["nope"]), dry_run=True, actor="t")
        with pytest.raises(ReplayError, match="no open dead letter"):
            replayer.dead_letters(Selection(ids=["nope"]), dry_run=True, actor="t")
        statuses = {q.status for q in hub.store.list_quarantine(None)}

    assert statuses == {"open"}
    assert sandbox.post_times == []


async def test_dead_letter_replay_does_not_treat_a_filter_as_all(
    store_url, refdata_dir, erp
):
    sandbox, url = erp
    sandbox.inject(status=401, status_count=1)
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:
        answer = await send(hub, entry("te-f"))
        assert answer.outcome == "failed"
        await eventually(lambda: hub.store.list_dead_letters("open"))
        replayer = Replayer(hub.store, hub.time_entries)
        try:
            plans = replayer.dead_letters(
                Selection(rule="project.inactive"), dry_run=True, actor="t"
            )
        except ReplayError:
            plans = []  # refusing the filter is fine too
    assert plans == []


async def test_a_replay_that_lost_a_race_changes_nothing(store_url, refdata_dir, erp):
    sandbox, url = erp
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:
        sandbox.inject(reject_ids={"te-race"})
        await send(hub, entry("te-race"))
        (stale,) = await eventually(
            lambda: [
                q
                for q in hub.store.list_quarantine("open")
                if q.canonical_id == "te-race"
            ]
        )
        sandbox.inject(reject_ids=set())
        replayer = Replayer(hub.store, hub.time_entries)
        replayer.quarantine(Selection(ids=[stale.id]), dry_run=False, actor="first")
        await hub.dispatcher.recover()
        await confirmed(hub.store, "te-race")
        await asyncio.sleep(0.3)  # let the poll settle before the snapshot
        before = snapshot(hub, sandbox)
        # a second operator whose selection was read before the first replay
        with pytest.raises(ReplayError, match=r"no longer open .*; nothing changed"):
            replayer._plan_quarantine(stale, None, dry_run=False, actor="second")
        after = snapshot(hub, sandbox)
    assert after == before
    assert [(r["actor"], r["subject"]) for r in before[4]] == [("first", stale.id)]
    assert sandbox.posts == {"te-race": 1}


async def test_replaying_an_entry_whose_key_is_held_points_at_the_holder(
    store_url, refdata_dir, erp, tmp_path
):
    sandbox, url = erp
    async with running_hub(hub_settings(store_url, url), refdata_dir) as hub:
        # the same entry arrives from two sources while its project is closed
        bad = entry("te-twin", project_code="PRJ-0007")
        for source in ("psa-a", "psa-b"):
            await hub.time_entries.handle(
                bad, bad.model_dump_json(), wait=True, timeout=5.0,
                source=source, event_id=f"{source}:1",
            )  # fmt: skip
        first, second = [
            q for q in hub.store.list_quarantine("open") if q.canonical_id == "te-twin"
        ]
        fixed = tmp_path / "fixed"
        shutil.copytree(refdata_dir, fixed)
        projects = json.loads((fixed / "projects.json").read_text())
        projects["PRJ-0007"]["active"] = True
        (fixed / "projects.json").write_text(json.dumps(projects))
        load_dir(hub.store, fixed)
        hub.reload_refdata()
        replayer = Replayer(hub.store, hub.time_entries)
        replayer.quarantine(
            Selection(ids=[first.id, second.id]), dry_run=False, actor="t"
        )
        await hub.dispatcher.recover()
        d = await confirmed(hub.store, "te-twin")
        inbox = [
            r
            for r in rows(hub.store, t.inbox)
            if r["event_id"] in ("psa-a:1", "psa-b:1")
        ]
    assert sandbox.posts == {"te-twin": 1}
    assert len(inbox) == 2
    assert {(r["outcome"], r["delivery_id"]) for r in inbox} == {("accepted", d.id)}
