"""The HTTP API over an ASGI transport: status codes, bodies, and what is stored.

Each test runs a real hub (store, group committer, dispatcher) against the ERP
sandbox; requests go through ``httpx.ASGITransport`` into the FastAPI app.
"""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from baton.api.app import create_app
from tests.conftest import hub_settings, running_hub

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from pathlib import Path

    from baton.connectors.generic_rest.sandbox import ErpSandbox

TE = "/api/v1/time-entries"
REFDATA_COUNTS = {"project": 40, "worker": 60, "pay_code": 3}


def entry(entry_id: str = "te-1", **kw: Any) -> dict[str, Any]:
    """A valid, approved entry for a known worker on an active project."""
    return {
        "entry_id": entry_id,
        "worker_id": "W00001",
        "project_code": "PRJ-0001",
        "date": "2026-11-02",
        "hours": 7.5,
        "pay_code": "REG",
        "status": "approved",
        **kw,
    }


@dataclass
class Api:
    client: httpx.AsyncClient
    hub: Any
    sandbox: ErpSandbox


@asynccontextmanager
async def serving(
    store_url: str,
    sandbox_and_url: tuple[ErpSandbox, str],
    refdata: Path | None,
    **overrides: Any,
) -> AsyncIterator[Api]:
    sandbox, url = sandbox_and_url
    settings = hub_settings(store_url, url, **overrides)
    async with running_hub(settings, refdata) as hub:
        transport = httpx.ASGITransport(app=create_app(hub, manage_hub=False))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield Api(c, hub, sandbox)


@pytest.fixture
async def api(tmp_path, refdata_dir, erp) -> AsyncIterator[Api]:
    """A running hub on SQLite with the demo's reference data, behind the app."""
    async with serving(f"sqlite:///{tmp_path / 'api.db'}", erp, refdata_dir) as a:
        yield a


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def state_of(a: Api, delivery_id: str) -> str:
    return a.hub.store.get_delivery(delivery_id).state


def snapshot(a: Api) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Everything a refused request must leave untouched."""
    return a.hub.store.counts(), dict(a.sandbox.posts)


# -- POST /api/v1/time-entries: outcomes -------------------------------------


async def test_posted_duplicate_rejected_and_repeat(store_url, refdata_dir, erp):
    async with serving(store_url, erp, refdata_dir) as a:
        first = await a.client.post(TE, params={"wait": "true"}, json=entry("te-1"))
        assert first.status_code == 200
        doc = first.json()
        assert doc == {"outcome": "posted", "id": doc["id"]}
        # the ERP acknowledged; the settlement is group-committed right after
        await eventually(lambda: state_of(a, doc["id"]) == "confirmed")

        again = await a.client.post(TE, params={"wait": "true"}, json=entry("te-1"))
        assert (again.status_code, again.json()) == (200, {"outcome": "duplicate"})

        bad = entry("te-2", project_code="PRJ-0007")
        rejected = await a.client.post(TE, params={"wait": "true"}, json=bad)
        expected = {
            "outcome": "rejected",
            "reason": "project PRJ-0007 is closed; time cannot be booked to it",
            "rule": "project.inactive",
        }
        assert (rejected.status_code, rejected.json()) == (422, expected)
        repeat = await a.client.post(TE, params={"wait": "true"}, json=bad)
        assert (repeat.status_code, repeat.json()) == (422, expected)

        assert a.sandbox.posts == {"te-1": 1}
        assert a.hub.store.counts() == {
            "deliveries": {"confirmed": 1},
            "quarantine": {"open": 1},
            "dead_letters": {},
            "inbox": {"accepted": 1, "rejected": 1},
        }


async def test_without_wait_accepted_then_delivered(api):
    resp = await api.client.post(TE, json=entry("te-async"))
    assert resp.status_code == 202
    doc = resp.json()
    assert doc == {"outcome": "accepted", "id": doc["id"]}
    assert api.hub.store.get_delivery(doc["id"]) is not None  # durable at 202
    await eventually(lambda: "te-async" in api.sandbox.records)
    await eventually(lambda: state_of(api, doc["id"]) == "confirmed")
    assert api.sandbox.posts == {"te-async": 1}


async def test_wait_for_target_failure_is_502(api):
    api.sandbox.inject(status=403, status_count=1)
    resp = await api.client.post(TE, params={"wait": "true"}, json=entry("te-403"))
    assert resp.status_code == 502
    doc = resp.json()
    assert doc["outcome"] == "failed"
    assert "403" in doc["reason"]
    await eventually(lambda: state_of(api, doc["id"]) == "dead")


# -- POST /api/v1/time-entries: refused bodies store nothing ------------------


def padded(size: int) -> bytes:
    """A valid entry padded (with an ignored field) to exactly ``size`` bytes."""
    base = json.dumps({**entry("te-big"), "pad": ""}).encode()
    body = json.dumps({**entry("te-big"), "pad": "x" * (size - len(base))}).encode()
    assert len(body) == size
    return body


async def _chunks(body: bytes):
    for i in range(0, len(body), 4096):
        yield body[i : i + 4096]


@pytest.mark.parametrize(
    "how", ["honest_length", "lying_length", "no_length", "huge_declared_length"]
)
async def test_oversized_body_is_413(api, how):
    limit = api.hub.settings.max_body_bytes
    body = padded(limit + 1)
    before = snapshot(api)
    if how == "honest_length":
        resp = await api.client.post(TE, content=body)
    elif how == "lying_length":
        resp = await api.client.post(
            TE, content=body, headers={"content-length": "100"}
        )
    elif how == "no_length":
        resp = await api.client.post(TE, content=_chunks(body))
        assert "content-length" not in resp.request.headers
    else:
        resp = await api.client.post(
            TE, content=b"{}", headers={"content-length": str(limit * 10)}
        )
    assert resp.status_code == 413
    assert resp.json() == {
        "outcome": "invalid",
        "error": f"body larger than {limit} bytes",
    }
    assert snapshot(api) == before


async def test_body_of_exactly_the_limit_is_accepted(api):
    body = padded(api.hub.settings.max_body_bytes)
    resp = await api.client.post(TE, params={"wait": "true"}, content=body)
    assert (resp.status_code, resp.json()["outcome"]) == (200, "posted")


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b'{"entry_id": "te-1",', b'{"entry_id": "\xff"}'],
    ids=["garbage", "empty", "truncated", "not_utf8"],
)
async def test_malformed_json_is_400(api, body):
    before = snapshot(api)
    resp = await api.client.post(
        TE,
        params={"wait": "true"},
        content=body,
        headers={"content-type": "application/json"},
    )
    assert resp.status_code == 400
    doc = resp.json()
    assert doc["outcome"] == "invalid"
    assert doc["error"].startswith("body is not valid JSON")
    assert snapshot(api) == before


def _without(key: str) -> dict[str, Any]:
    doc = entry("te-x")
    del doc[key]
    return doc


@pytest.mark.parametrize(
    ("doc", "named"),
    [
        (entry("te-x", hours="abc"), "hours:"),
        (entry("te-x", hours="NaN"), "hours:"),
        (_without("worker_id"), "worker_id: Field required"),
        (entry("te-x", date="2025-13-01"), "date:"),
        ({**entry("te-x"), "entry_id": "   "}, "entry_id:"),
        (entry("te-x", pay_code=["REG"]), "pay_code:"),
        ([entry("te-x")], "body:"),
        ("te-x", "body:"),
        (None, "body:"),
    ],
    ids=[
        "hours_abc",
        "hours_nan",
        "missing_worker",
        "month_13",
        "blank_id",
        "list_code",
        "array",
        "string",
        "null",
    ],
)
async def test_wrong_types_are_422_naming_the_field(api, doc, named):
    before = snapshot(api)
    resp = await api.client.post(
        TE,
        params={"wait": "true"},
        content=json.dumps(doc).encode(),
        headers={"content-type": "application/json"},
    )
    assert resp.status_code == 422
    body = resp.json()
    assert body["outcome"] == "invalid"
    assert named in body["error"]
    assert snapshot(api) == before


async def test_nothing_reaches_the_sandbox_after_refusals(api):
    """A refused body followed by a good one: only the good one is posted."""
    for body in (b"[1]", b"{", padded(api.hub.settings.max_body_bytes + 1)):
        resp = await api.client.post(TE, content=body)
        assert resp.status_code in (400, 413, 422)
    ok = await api.client.post(TE, params={"wait": "true"}, json=entry("te-ok"))
    assert ok.status_code == 200
    assert api.sandbox.posts == {"te-ok": 1}
    assert api.hub.store.counts()["inbox"] == {"accepted": 1}


# -- health and the OpenAPI document ------------------------------------------


async def test_healthz_and_readyz(api):
    health = await api.client.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    ready = await api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "refdata": REFDATA_COUNTS, "pulls": {}}


async def test_readyz_503_without_a_target(tmp_path, refdata_dir, erp):
    url = f"sqlite:///{tmp_path / 'no-erp.db'}"
    async with serving(url, erp, refdata_dir, erp=None) as a:
        assert a.hub.targets == {}
        ready = await a.client.get("/readyz")
        health = await a.client.get("/healthz")
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "not ready",
        "problems": ["no ERP target configured (--erp-url or approved_time.target)"],
    }
    assert health.status_code == 200


async def test_approved_entry_without_a_target_is_refused_cleanly(
    tmp_path, refdata_dir, erp
):
    url = f"sqlite:///{tmp_path / 'no-erp.db'}"
    async with serving(url, erp, refdata_dir, erp=None) as a:
        transport = httpx.ASGITransport(
            app=create_app(a.hub, manage_hub=False), raise_app_exceptions=False
        )
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            resp = await c.post(TE, json=entry("te-1"))
    assert resp.status_code == 503


async def test_openapi_documents_the_time_entry_body(api):
    resp = await api.client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    post = resp.json()["paths"]["/api/v1/time-entries"]["post"]
    body = post["requestBody"]
    assert body["required"] is True
    schema = body["content"]["application/json"]["schema"]
    fields = {
        "entry_id",
        "worker_id",
        "project_code",
        "date",
        "hours",
        "pay_code",
        "status",
    }
    assert set(schema["properties"]) == fields
    assert set(schema["required"]) == fields
    assert {"200", "202", "400", "413", "422", "502"} <= set(post["responses"])
    assert any(p["name"] == "wait" for p in post["parameters"])


# -- read endpoints and replays -----------------------------------------------


@pytest.fixture
async def ops(api) -> dict[str, Any]:
    """One of each: confirmed, dead (403), target-quarantined, two rule rejections."""
    a = api
    out: dict[str, Any] = {}

    async def post(doc: dict[str, Any]) -> httpx.Response:
        return await a.client.post(TE, params={"wait": "true"}, json=doc)

    out["posted"] = (await post(entry("te-ok"))).json()["id"]
    a.sandbox.inject(status=403, status_count=1)
    out["dead"] = (await post(entry("te-dead"))).json()["id"]
    a.sandbox.inject(reject_ids={"te-erp"})
    erp_rejected = await post(entry("te-erp"))
    assert erp_rejected.json()["rule"] == "erp.rejected"
    a.sandbox.inject(reject_ids=set())
    assert (await post(entry("te-closed", project_code="PRJ-0007"))).status_code == 422
    assert (await post(entry("te-nobody", worker_id="W99999"))).status_code == 422
    settled = {"confirmed": 1, "dead": 1, "quarantined": 1}
    await eventually(lambda: a.hub.store.counts()["deliveries"] == settled)
    return out


async def test_deliveries_list_filter_and_get(api, ops):
    listed = (await api.client.get("/api/v1/deliveries")).json()
    assert {d["canonical_id"]: d["state"] for d in listed} == {
        "te-ok": "confirmed",
        "te-dead": "dead",
        "te-erp": "quarantined",
    }
    confirmed = (await api.client.get("/api/v1/deliveries?state=confirmed")).json()
    assert [d["id"] for d in confirmed] == [ops["posted"]]
    one = await api.client.get(f"/api/v1/deliveries/{ops['posted']}")
    assert one.status_code == 200
    doc = one.json()
    assert (doc["state"], doc["target"], doc["entity"]) == (
        "confirmed",
        "erp",
        "TimeEntry",
    )
    assert doc["idempotency_key"] == "erp:TimeEntry:te-ok:v1"
    assert doc["payload"]["externalId"] == "te-ok"  # parsed, not a string
    assert doc["external_ref"] == str(api.sandbox.records["te-ok"]["erp_id"])
    missing = await api.client.get("/api/v1/deliveries/nope")
    assert (missing.status_code, missing.json()) == (
        404,
        {"detail": "no delivery nope"},
    )


async def test_quarantine_list_filters_and_get(api, ops):
    items = (await api.client.get("/api/v1/quarantine")).json()
    by_entry = {q["canonical_id"]: q for q in items}
    assert {k: (q["rule"], q["owner_team"]) for k, q in by_entry.items()} == {
        "te-erp": ("erp.rejected", "delivery_ops"),
        "te-closed": ("project.inactive", "delivery_ops"),
        "te-nobody": ("worker.unknown", "hr"),
    }
    hr = (await api.client.get("/api/v1/quarantine?owner_team=hr")).json()
    assert [q["canonical_id"] for q in hr] == ["te-nobody"]
    closed = (await api.client.get("/api/v1/quarantine?rule=project.inactive")).json()
    assert [q["canonical_id"] for q in closed] == ["te-closed"]
    both = await api.client.get(
        "/api/v1/quarantine", params={"owner_team": "hr", "rule": "project.inactive"}
    )
    assert both.json() == []
    none_replayed = await api.client.get("/api/v1/quarantine?status=replayed")
    assert none_replayed.json() == []

    q = by_entry["te-closed"]
    one = await api.client.get(f"/api/v1/quarantine/{q['id']}")
    assert one.status_code == 200
    doc = one.json()
    assert doc == q
    assert doc["payload"]["project_code"] == "PRJ-0007"
    assert doc["status"] == "open"
    assert doc["delivery_id"] is None
    assert doc["fix"]
    assert by_entry["te-erp"]["delivery_id"] is not None
    missing = await api.client.get("/api/v1/quarantine/nope")
    assert missing.status_code == 404


async def test_dead_letters_list(api, ops):
    dead = (await api.client.get("/api/v1/dead-letters")).json()
    assert len(dead) == 1
    assert dead[0]["delivery_id"] == ops["dead"]
    assert dead[0]["status"] == "open"
    assert dead[0]["target"] == "erp"
    assert "403" in dead[0]["reason"]
    assert (await api.client.get("/api/v1/dead-letters?status=replayed")).json() == []


async def test_quarantine_replay_dry_run_changes_nothing(api, ops):
    before = snapshot(api)
    resp = await api.client.post(
        "/api/v1/quarantine/replay", json={"all": True, "dry_run": True}
    )
    assert resp.status_code == 200
    report = resp.json()
    assert report["dry_run"] is True
    actions = {i["action"] for i in report["items"]}
    assert len(report["items"]) == 3
    assert actions == {"resend", "still_rejected"}
    still = [i for i in report["items"] if i["action"] == "still_rejected"]
    assert {i["rule"] for i in still} == {"project.inactive", "worker.unknown"}

    closed = (await api.client.get("/api/v1/quarantine?rule=project.inactive")).json()
    preview = await api.client.post(
        "/api/v1/quarantine/replay",
        json={
            "ids": [closed[0]["id"]],
            "dry_run": True,
            "payload": entry("te-closed", project_code="PRJ-0001"),
        },
    )
    assert preview.status_code == 200
    [item] = preview.json()["items"]
    assert item["action"] == "send"
    assert item["idempotency_key"] == "erp:TimeEntry:te-closed:v1"
    assert item["body"]["externalId"] == "te-closed"
    assert item["changes"] == {"project_code": {"from": "PRJ-0007", "to": "PRJ-0001"}}

    await asyncio.sleep(0.3)  # a poll cycle: a leaked delivery would be sent
    assert snapshot(api) == before
    assert len((await api.client.get("/api/v1/quarantine")).json()) == 3


@pytest.mark.parametrize(
    "req",
    [
        {},
        {"dry_run": True},
        {"ids": []},
        {"ids": ["nope"]},
        {"all": True, "payload": {}},
    ],
    ids=["empty", "dry_run_only", "no_ids", "unknown_id", "payload_with_all"],
)
async def test_quarantine_replay_bad_selection_is_400(api, ops, req):
    before = snapshot(api)
    resp = await api.client.post("/api/v1/quarantine/replay", json=req)
    assert resp.status_code == 400
    assert resp.json()["detail"]
    assert snapshot(api) == before


async def test_quarantine_replay_with_edited_payload_posts_once(api, ops):
    closed = (await api.client.get("/api/v1/quarantine?rule=project.inactive")).json()
    resp = await api.client.post(
        "/api/v1/quarantine/replay",
        json={
            "ids": [closed[0]["id"]],
            "payload": entry("te-closed", project_code="PRJ-0001"),
        },
    )
    assert resp.status_code == 200
    assert resp.json()["dry_run"] is False
    await eventually(lambda: "te-closed" in api.sandbox.records)
    item = (await api.client.get(f"/api/v1/quarantine/{closed[0]['id']}")).json()
    assert item["status"] == "replayed"
    again = await api.client.post(
        "/api/v1/quarantine/replay", json={"ids": [closed[0]["id"]]}
    )
    assert again.status_code == 400  # already replayed
    assert api.sandbox.posts["te-closed"] == 1


async def test_dead_letter_replay_dry_run_then_real(api, ops):
    [dl] = (await api.client.get("/api/v1/dead-letters")).json()
    before = snapshot(api)
    preview = await api.client.post(
        "/api/v1/dead-letters/replay", json={"ids": [dl["id"]], "dry_run": True}
    )
    assert preview.status_code == 200
    [item] = preview.json()["items"]
    assert (item["item_id"], item["action"]) == (dl["id"], "resend")
    assert item["idempotency_key"] == "erp:TimeEntry:te-dead:v1"
    await asyncio.sleep(0.3)
    assert snapshot(api) == before

    empty = await api.client.post("/api/v1/dead-letters/replay", json={})
    assert empty.status_code == 400

    real = await api.client.post(
        "/api/v1/dead-letters/replay", json={"ids": [dl["id"]]}
    )
    assert real.status_code == 200
    assert real.json()["dry_run"] is False
    await eventually(lambda: state_of(api, ops["dead"]) == "confirmed")
    assert api.sandbox.posts["te-dead"] == 1
    assert (await api.client.get("/api/v1/dead-letters")).json() == []


async def test_status(api, ops):
    resp = await api.client.get("/api/v1/status")
    assert resp.status_code == 200
    doc = resp.json()
    assert doc["counts"] == {
        "deliveries": {"confirmed": 1, "dead": 1, "quarantined": 1},
        "quarantine": {"open": 3},
        "dead_letters": {"open": 1},
        "inbox": {"accepted": 3, "rejected": 2},
    }
    assert doc["refdata"] == REFDATA_COUNTS
    assert doc["backlog"] == 0
    assert doc["uptime_seconds"] >= 0
