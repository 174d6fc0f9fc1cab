"""HubSpot writes on the sandbox: upserts, project codes, lookups, errors, specs, config."""

from __future__ import annotations

import contextlib
import time

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.config import ConfigError
from baton.connectors import catalog
from baton.connectors.http import StaticToken
from baton.connectors.hubspot import config
from baton.connectors.hubspot.client import HubSpotClient
from baton.connectors.hubspot.mapping import company_to_customer
from baton.connectors.hubspot.sandbox import HubSpotSandbox
from baton.connectors.hubspot.write_mapping import company_properties, upsert_input
from baton.connectors.hubspot.writes import HubSpotConflict, HubSpotWriter
from baton.connectors.sandbox import Fault
from baton.engine.errors import Ambiguous, Fatal, Invalid, RateLimited
from baton.engine.limiter import AccountLimiter, LimiterRegistry
from baton.model.customer import Customer
from tests.contract import specs

UPSERT = "/crm/v3/objects/companies/batch/upsert"
COMPANY = specs.load("hubspot/hubspot.crm.company.openapi.yaml")
DEAL = specs.load("hubspot/hubspot.crm.deal.openapi.yaml")
SCHEMAS = COMPANY["components"]["schemas"]


def acme(name: str = "Acme", country: str | None = "DE") -> Customer:
    return Customer(id="cust-1", name=name, country=country)


@contextlib.asynccontextmanager
async def writing(box: HubSpotSandbox, limiter=None, **kwargs):
    async with box.serving() as base:
        client = HubSpotClient(base, StaticToken("pat"), limiter=limiter)
        writer = HubSpotWriter(client, **kwargs)
        try:
            yield writer
        finally:
            await writer.close()


async def test_upsert_creates_then_updates_one_company():
    box = HubSpotSandbox(limit=None)
    async with writing(box) as writer:
        first = await writer.upsert_customer(acme())
        second = await writer.upsert_customer(acme("Acme GmbH"))
        found = await writer.lookup("companies", "cust-1")
        missing = await writer.lookup("companies", "cust-2")
    assert (first.created, second.created, second.id) == (True, False, first.id)
    [company] = box.holding("companies", "baton_id", "cust-1")
    props = company["properties"]
    assert (props["name"], props["country"]) == ("Acme GmbH", "DE")
    assert (box.created["companies"], box.updated["companies"]) == (1, 1)
    assert ((found or {}).get("id"), missing) == (first.id, None)


async def test_project_code_is_written_onto_a_won_deal():
    box = HubSpotSandbox(limit=None)
    deal = box.add("deals", {"dealname": "Big one", "dealstage": "closedwon"})
    async with writing(box) as writer:
        before = await writer.lookup_project_code(deal["id"])
        written = await writer.write_project_code(deal["id"], "PRJ-0042")
        after = await writer.lookup_project_code(deal["id"])
        gone = await writer.lookup_project_code("999999")
    assert (before, written, after, gone) == (None, deal["id"], "PRJ-0042", None)
    assert deal["properties"]["baton_project_code"] == "PRJ-0042"
    assert box.updated["deals"] == 1


async def test_a_write_lost_after_commit_is_ambiguous_and_a_lookup_settles_it():
    box = HubSpotSandbox(limit=None)
    deal = box.add("deals", {"dealname": "Won", "dealstage": "closedwon"})
    for prefix in (UPSERT, f"/crm/v3/objects/deals/{deal['id']}"):
        box.inject(Fault(prefix=prefix, reset_after_commit=True))
    async with writing(box) as writer:
        with pytest.raises(Ambiguous):
            await writer.upsert_customer(acme())
        found = await writer.lookup("companies", "cust-1")
        with pytest.raises(Ambiguous):
            await writer.write_project_code(deal["id"], "PRJ-7")
        code = await writer.lookup_project_code(deal["id"])
    held = box.holding("companies", "baton_id", "cust-1")
    assert [c["id"] for c in held] == [(found or {}).get("id")]
    assert box.created["companies"] == 1
    assert box.state.requests[f"POST {UPSERT}"] == 1  # settled without resending
    assert code == "PRJ-7"


async def test_validation_error_is_invalid_with_hubspots_message():
    box = HubSpotSandbox(limit=None)
    deal = box.add("deals", {"dealname": "Won"})
    async with writing(box, project_code_property="no_such_property") as writer:
        with pytest.raises(Invalid) as missing:
            await writer.write_project_code(deal["id"], "PRJ-1")
    async with writing(box, id_property="name") as writer:
        with pytest.raises(Invalid) as not_unique:
            await writer.upsert_customer(acme())
    err = missing.value
    assert (err.status, err.rule) == (400, "hubspot.rejected")
    assert err.owner_team == "delivery_ops"
    assert "VALIDATION_ERROR: Property values were not valid" in err.message
    assert 'Property \\"no_such_property\\" does not exist' in err.message
    assert "correlationId" in err.message
    assert "create the property" in err.fix
    assert "non-unique 0-2 property name" in not_unique.value.message
    assert not_unique.value.owner_team == "finance"
    assert "hasUniqueValue" in not_unique.value.fix
    assert box.created["companies"] == 0


async def test_a_taken_unique_value_is_a_conflict_naming_the_existing_object():
    box = HubSpotSandbox(limit=None)
    held = box.add("companies", {"name": "Acme", "baton_id": "cust-1"})
    async with writing(box) as writer:
        with pytest.raises(HubSpotConflict) as conflict:
            await writer.create("companies", {"name": "Acme 2", "baton_id": "cust-1"})
        other = await writer.create("companies", {"name": "B", "baton_id": "c-2"})
    err = conflict.value  # an Invalid: quarantined, never resent
    assert isinstance(err, Invalid)
    assert (err.status, err.rule) == (409, "hubspot.conflict")
    assert err.existing_id == held["id"]
    assert (
        f"CONFLICT: Company already exists. Existing ID: {held['id']}: "
        f"A company with baton_id cust-1 already exists" in err.message
    )
    assert held["id"] in err.fix
    assert other != held["id"]
    assert len(box.holding("companies", "baton_id", "cust-1")) == 1


async def test_429_during_a_write_pauses_the_shared_limiter_and_the_retry_succeeds():
    box = HubSpotSandbox(limit=None)
    limiter = AccountLimiter(None)
    box.inject(Fault(prefix=UPSERT, status=429, retry_after=0.2))
    async with writing(box, limiter) as writer:
        with pytest.raises(RateLimited) as limited:
            await writer.upsert_customer(acme())
        assert limiter.paused_until > time.monotonic()
        t0 = time.monotonic()
        done = await writer.upsert_customer(acme())
        waited = time.monotonic() - t0
    assert limited.value.retry_after == pytest.approx(0.2)
    assert waited >= 0.1
    assert done.created
    assert box.created["companies"] == 1


async def test_write_bodies_match_hubspots_published_schemas():
    box = HubSpotSandbox(limit=None)
    deal = f"/crm/v3/objects/deals/{box.add('deals', {'dealname': 'Won'})['id']}"
    item = upsert_input("cust-1", company_properties(acme()))
    create = {"properties": {"name": "Other", "baton_id": "cust-9"}}
    patch = {"properties": {"baton_project_code": "PRJ-1"}}
    companies, by_id = "/crm/v3/objects/companies", {"idProperty": "baton_id"}
    async with box.serving() as base, httpx.AsyncClient(base_url=base) as http:
        http.headers["Authorization"] = "Bearer pat"
        upserted = (await http.post(UPSERT, json={"inputs": [item]})).json()
        created = await http.post(companies, json=create)
        conflict = await http.post(companies, json=create)
        read = await http.get(f"{companies}/cust-1", params=by_id)
        patched = await http.patch(deal, json=patch)
        bad = await http.patch(deal, json={"properties": {"nope": "1"}})
        missing = await http.get(f"{companies}/x", params=by_id)
    # batch/upsert is newer than the 2021 spec: its input and answer extend
    # SimplePublicObjectBatchInput and SimplePublicObjectBatch
    specs.validate(COMPANY, SCHEMAS["SimplePublicObjectBatchInput"], item)
    specs.validate(COMPANY, SCHEMAS["SimplePublicObjectBatch"], upserted)
    assert upserted["results"][0]["new"] is True
    specs.validate(COMPANY, specs.request_schema(COMPANY, companies, "POST"), create)
    assert created.status_code == 201
    answer = specs.response_schema(COMPANY, companies, "POST", 201)
    specs.validate(COMPANY, answer, created.json())
    one = specs.response_schema(COMPANY, f"{companies}/{{companyId}}", "GET")
    specs.validate(COMPANY, one, read.json())
    path = "/crm/v3/objects/deals/{dealId}"
    specs.validate(DEAL, specs.request_schema(DEAL, path, "PATCH"), patch)
    specs.validate(DEAL, specs.response_schema(DEAL, path, "PATCH"), patched.json())
    errors = {409: conflict, 400: bad, 404: missing}
    for status, resp in errors.items():
        specs.validate(COMPANY, SCHEMAS["Error"], resp.json())
        assert resp.status_code == status
    categories = [r.json()["category"] for r in errors.values()]
    assert categories == ["CONFLICT", "VALIDATION_ERROR", "OBJECT_NOT_FOUND"]


NAMES = st.text(min_size=1, max_size=80).filter(lambda s: s.strip())
COUNTRIES = st.none() | st.from_regex(r"[A-Z]{2}", fullmatch=True)


@given(name=NAMES, country=COUNTRIES, baton_id=NAMES)
def test_customer_to_company_properties_round_trip(name, country, baton_id):
    customer = Customer(id=baton_id, name=name, country=country)
    props = company_properties(customer)
    item = upsert_input(customer.id, props)
    specs.validate(COMPANY, SCHEMAS["SimplePublicObjectBatchInput"], item)
    assert all(isinstance(v, str) and v for v in props.values())
    assert ("country" in props) == (country is not None)  # absent: not cleared
    assert (item["id"], item["idProperty"]) == (customer.id, "baton_id")
    back = company_to_customer({"id": "7", "properties": props})
    # the read mapping strips Python whitespace (\x1c-\x1f too; pydantic does not)
    assert (back.name, back.country) == (customer.name.strip(), customer.country)


OAUTH = {"client_id": "baton", "client_secret": "secret", "refresh_token": "refresh-1"}


def configured(base: str, **auth: str) -> dict[str, catalog.Configured]:
    crm = {"kind": "hubspot", "url": base, "portal_id": "62515", **auth}
    return catalog.configure({"crm": crm})


async def test_config_builds_a_source_whose_health_is_ok_or_fatal_and_a_writer():
    box = HubSpotSandbox(limit=None)
    auths = [{"token": "pat"}, OAUTH, {"token": "no"}, {**OAUTH, "refresh_token": "x"}]
    checked = []
    async with box.serving() as base:
        for auth in auths:
            conf = configured(base, **auth)
            limiters = LimiterRegistry(catalog.limits(conf))
            source = catalog.build_source(conf["crm"], limiters)
            try:
                checked.append(await catalog.check("crm", "hubspot", source))
            finally:
                await source.close()
        settings = configured(base, **OAUTH)["crm"].settings
        writer = config.writer(settings, name="crm", limiter=AccountLimiter(None))
        try:
            await writer.health()  # baton_id unique, baton_project_code defined
            upserted = await writer.upsert_customer(acme())
            writer.id_property = "name"
            with pytest.raises(Fatal, match="not declared unique"):
                await writer.health()
        finally:
            await writer.close()
    assert [c.ok for c in checked] == [True, True, False, False], checked
    assert all(c.detail.startswith("Fatal") for c in checked[2:])
    assert upserted.created
    pat, app = configured(base, token="t"), configured(base, **OAUTH)
    assert catalog.limits(pat) == {"hubspot:62515": config.PRIVATE_APP_LIMIT}
    assert catalog.limits(app) == {"hubspot:62515:app:baton": config.OAUTH_APP_LIMIT}
    with pytest.raises(ConfigError, match="token"):
        configured(base)
