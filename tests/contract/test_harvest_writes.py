"""Harvest writes (projects, user assignments), OAuth2 refresh, config and health."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from contextlib import asynccontextmanager
from decimal import Decimal

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baton.connectors.harvest import mapping
from baton.connectors.harvest.client import HarvestClient, HarvestOAuth
from baton.connectors.harvest.sandbox import HarvestSandbox
from baton.connectors.harvest.write_mapping import number, project_body
from baton.connectors.harvest.writes import HarvestWriter
from baton.connectors.sandbox import Fault
from baton.engine.errors import Ambiguous, Fatal, Invalid
from baton.model import Assignment, BillingMethod, Money, Project, ProjectStatus
from baton.store.ports import DeliveryRow
from tests.contract import specs

SPEC = "harvest/harvest-openapi.yaml"
HEADERS = {"Authorization": "Bearer pat-1", "Harvest-Account-Id": "42"}
ACCOUNT = mapping.HarvestAccount("USD", "LE", "CC")


def project(code: str = "BATON-1", **over) -> Project:
    return Project.model_validate({
        "id": "prj-1", "code": code, "name": "Zoë's Ñandú rollout 東京",
        "customer_id": "harvest:client:5735774", "legal_entity_id": "LE",
        "status": "active", "billing_method": "time_and_materials", "currency": "USD",
        "start_date": dt.date(2024, 12, 31), "end_date": dt.date(2025, 1, 31),
        "budget": Money(amount=Decimal("125000.50"), currency="USD"), **over,
    })  # fmt: skip


def assignment(user_id: int, rate: str = "175.25") -> Assignment:
    return Assignment(
        id="asg-1", worker_id=mapping.canonical_id("user", user_id), project_id="prj-1",
        start_date=dt.date(2025, 1, 1), bill_rate=Money(amount=Decimal(rate), currency="USD"),
        cost_center_id="CC", legal_entity_id="LE",
    )  # fmt: skip


def delivery(entity: str, payload: str, first_attempt_at: float | None) -> DeliveryRow:
    row = dict.fromkeys(f.name for f in dataclasses.fields(DeliveryRow))
    return DeliveryRow(**{**row, "entity": entity, "payload": payload, "first_attempt_at": first_attempt_at})  # fmt: skip


@asynccontextmanager
async def writer(sandbox: HarvestSandbox, *, per_page: int = 2000):
    async with sandbox.serving() as base:
        w = HarvestWriter(HarvestClient("pat-1", "42", base_url=f"{base}/v2"), per_page=per_page)  # fmt: skip
        try:
            yield w
        finally:
            await w.close()


async def test_a_project_is_created_then_found_by_its_code():
    sandbox = HarvestSandbox()
    async with writer(sandbox) as w:
        pid = await w.put_project(project())
        found = await w.find_project("BATON-1", client_id=5735774)
        again = await w.put_project(project())  # idempotent: found, not created
    assert pid == again == found["id"]
    assert sandbox.state.requests["POST /v2/projects"] == 1
    (raw,) = sandbox.records["projects"]
    assert [raw[k] for k in ("bill_by", "budget_by", "cost_budget", "starts_on", "ends_on")] == [
        "People", "project_cost", 125000.5, "2024-12-31", "2025-01-31",
    ]  # fmt: skip
    assert mapping.project(raw, ACCOUNT).budget == project().budget  # exact money back


async def test_an_ambiguous_create_is_settled_by_lookup_and_makes_one_project():
    sandbox = HarvestSandbox()
    sandbox.add_project("OTHER")
    sandbox.inject(Fault(prefix="/v2/projects", reset_after_commit=True))
    async with writer(sandbox, per_page=1) as w:
        row = delivery("Project", w.render_project(project()), dt.datetime.now(dt.UTC).timestamp())  # fmt: skip
        with pytest.raises(Ambiguous):
            await w.apply(row)
        settled = await w.lookup(row)
        missing = await w.lookup(delivery("Project", w.render_project(project("N")), None))  # fmt: skip
    assert missing is None
    (made,) = [p for p in sandbox.records["projects"] if p["code"] == "BATON-1"]
    assert settled == str(made["id"])
    assert sandbox.state.requests["POST /v2/projects"] == 1
    # updated_since left OTHER out: one page of one project per lookup
    assert sandbox.state.requests["GET /v2/projects"] == 1 + 2


async def test_duplicate_codes_are_accepted_and_the_lookup_picks_the_oldest():
    sandbox = HarvestSandbox()
    first = sandbox.add_project("DUP")
    sandbox.add_project("DUP")
    sandbox.add_project("dup")
    sandbox.add_project("DUP", client={"id": 5735776, "name": "123", "currency": "EUR"})
    async with writer(sandbox, per_page=1) as w:
        found = await w.find_project("DUP")
        by_client = await w.find_project("DUP", client_id=5735776)
        none = await w.find_project("DU")
    assert found["id"] == first["id"]
    assert by_client["client"]["id"] == 5735776
    assert none is None
    assert sandbox.state.requests["GET /v2/projects"] == 4 + 1 + 4  # every next link


async def test_a_user_is_assigned_with_a_rate_once():
    sandbox = HarvestSandbox()
    user = sandbox.add_user("Zoë", "Ñúñez")
    async with writer(sandbox) as w:
        pid = await w.put_project(project())
        aid = await w.put_user_assignment(assignment(user["id"]), pid, is_project_manager=True)  # fmt: skip
        again = await w.put_user_assignment(assignment(user["id"]), pid)
        row = delivery("Assignment", w.render_assignment(assignment(user["id"]), pid), None)  # fmt: skip
        looked = await w.lookup(row)
        with pytest.raises(Invalid, match="already been assigned"):
            await w.apply(row)
    assert [again, looked] == [aid, str(aid)]
    (raw,) = sandbox.records["user_assignments"]
    assert (raw["hourly_rate"], raw["use_default_rates"], raw["is_project_manager"]) == (
        175.25, False, True,
    )  # fmt: skip
    assert str(mapping.assignment(raw, ACCOUNT).bill_rate) == "175.25 USD"


async def test_a_422_is_invalid_with_harvests_message():
    sandbox = HarvestSandbox()
    async with writer(sandbox) as w:
        with pytest.raises(Invalid) as blank:
            await w.create_project({"client_id": 5735774, "is_billable": True})
        with pytest.raises(Invalid) as client:
            await w.put_project(project(customer_id="harvest:client:1"))
        with pytest.raises(Invalid) as user:
            await w.create_user_assignment(await w.put_project(project()), {"user_id": 9})  # fmt: skip
    assert blank.value.message == "harvest: HTTP 422: Name can't be blank"
    assert blank.value.rule == "harvest.rejected"
    assert client.value.message == "harvest: HTTP 422: Client is not valid"
    assert user.value.message == "harvest: HTTP 422: User is not valid"
    # rates no JSON number carries exactly are refused before anything is sent
    for rate in ("-0.01", "1234567890.123456", "Infinity", "NaN"):
        with pytest.raises(ValueError, match="rate"):
            number(Decimal(rate), "hourly_rate")


async def test_oauth_refreshes_an_expired_token_once_and_a_refused_refresh_is_fatal():
    sandbox = HarvestSandbox()
    async with sandbox.serving() as base:
        url = f"{base}/api/v2/oauth2/token"
        client = HarvestClient(None, "42", base_url=f"{base}/v2", oauth=HarvestOAuth("baton", "secret", "rt-1", url))  # fmt: skip
        wrong = HarvestClient(None, "42", base_url=f"{base}/v2", oauth=HarvestOAuth("baton", "x", "rt-1", url))  # fmt: skip
        try:
            assert (await client.get("/users/me"))["id"] == 1782884
            sandbox.expire_tokens()
            assert (await client.get("/users/me"))["id"] == 1782884
            assert sandbox.state.tokens_issued == 2  # the first token, one refresh
            assert sandbox.state.requests["GET /v2/users/me"] == 3  # ok, 401, ok
            sandbox.revoke_refresh_tokens()
            sandbox.expire_tokens()
            with pytest.raises(Fatal, match="token refused: HTTP 400: The refresh"):
                await client.get("/users/me")
            with pytest.raises(Fatal, match="token refused: HTTP 401: invalid_client"):
                await wrong.get("/users/me")
        finally:
            await client.close()
            await wrong.close()
    assert sandbox.refused_refreshes == 1
    assert sandbox.state.tokens_issued == 2
    assert sandbox.state.requests["POST /api/v2/oauth2/token"] == 4


async def test_every_answer_of_the_new_routes_validates_against_harvests_spec():
    spec = specs.load(SPEC)
    sandbox = HarvestSandbox()
    user = sandbox.add_user()

    def ok(path, method, resp, status=200):
        assert resp.status_code == status
        schema = specs.response_schema(spec, path, method, status)
        specs.validate(spec, schema, resp.json())

    async with (
        sandbox.serving() as base,
        httpx.AsyncClient(base_url=f"{base}/v2", headers=HEADERS) as http,
    ):
        body = project_body(project())
        specs.validate(spec, specs.request_schema(spec, "/projects", "post"), body)
        ok("/projects", "post", created := await http.post("/projects", json=body), 201)
        ok("/projects", "post", await http.post("/projects", json={"name": "x"}), 422)
        params = {"client_id": 5735774, "per_page": 1}
        ok("/projects", "get", await http.get("/projects", params=params))
        path, pid = "/projects/{projectId}/user_assignments", created.json()["id"]
        body = {"user_id": user["id"], "hourly_rate": 99.5, "use_default_rates": False}
        specs.validate(spec, specs.request_schema(spec, path, "post"), body)
        for status in (201, 422):  # the second is "already assigned"
            resp = await http.post(f"/projects/{pid}/user_assignments", json=body)
            ok(path, "post", resp, status)
        resp = await http.get(f"/projects/{pid}/user_assignments", params={"user_id": user["id"]})  # fmt: skip
        ok(path, "get", resp)
        assert len(resp.json()["user_assignments"]) == 1
        ok("/users/me", "get", await http.get("/users/me"))


names = st.text(min_size=1, max_size=80).filter(lambda s: s.strip())
edge_days = st.sampled_from([dt.date(2023, 12, 31), dt.date(2024, 1, 1), dt.date(2024, 2, 29), dt.date(2024, 3, 31)])  # fmt: skip
days = st.one_of(edge_days, st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)))
amounts = st.one_of(
    st.sampled_from([Decimal(0), Decimal("0.01"), Decimal("9999999999999.99")]),
    st.decimals(min_value=0, max_value=Decimal("1e12"), places=2),
)


@st.composite
def projects(draw) -> Project:
    start = draw(days)
    end = draw(st.one_of(st.none(), days.filter(lambda d: d >= start)))
    budget = draw(st.one_of(st.none(), amounts))
    return project(
        code=draw(names), name=draw(names), start_date=start, end_date=end,
        status=draw(st.sampled_from(ProjectStatus)),
        billing_method=draw(st.sampled_from(BillingMethod)),
        budget=None if budget is None else Money(amount=budget, currency="USD"),
    )  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(p=projects(), rate=st.one_of(st.none(), amounts))
def test_a_project_maps_to_a_valid_body_and_reads_back(p, rate):
    spec = specs.load(SPEC)
    body = project_body(p, hourly_rate=rate)
    specs.validate(spec, specs.request_schema(spec, "/projects", "post"), body)
    wire = json.loads(json.dumps(body), parse_float=Decimal)  # exact on the wire
    assert (wire["name"], wire["code"], wire["client_id"]) == (p.name, p.code, 5735774)
    ends = p.end_date.isoformat() if p.end_date else None
    assert (wire["starts_on"], wire.get("ends_on")) == (p.start_date.isoformat(), ends)
    if rate is not None:
        assert (wire["bill_by"], wire["hourly_rate"]) == ("Project", rate)
    client = {"id": 5735774, "name": "ABC", "currency": "USD"}
    back = mapping.project({**wire, "id": 7, "client": client}, ACCOUNT)
    assert back.model_dump(include={"code", "name", "start_date", "end_date", "budget"}) == p.model_dump(include={"code", "name", "start_date", "end_date", "budget"})  # fmt: skip
    fixed = p.billing_method is not BillingMethod.TIME_AND_MATERIALS
    archived = p.status in (ProjectStatus.COMPLETED, ProjectStatus.CANCELLED)
    assert (back.billing_method is BillingMethod.FIXED_FEE, back.status is ProjectStatus.COMPLETED) == (fixed, archived)  # fmt: skip
