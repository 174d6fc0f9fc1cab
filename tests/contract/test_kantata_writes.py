"""Kantata OX writes against its sandbox: workspaces, staffing, lookups, catalogue."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import httpx
import jsonschema  # type: ignore[import-untyped]  # no types-jsonschema in dev deps
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from baton.connectors.kantata.mapping import KantataContext, workspace_to_project
from baton.connectors.kantata.sandbox import KantataSandbox
from baton.connectors.kantata.sandbox_rules import workspace_record
from baton.connectors.kantata.staffing_mapping import participation_to_assignment
from baton.connectors.kantata.write_mapping import workspace_body
from baton.connectors.kantata.writes import KantataWrites
from baton.connectors.sandbox import Fault
from baton.engine.errors import Ambiguous, Invalid
from baton.model.assignment import Assignment
from baton.model.common import CURRENCY_MINOR_UNITS, BillingMethod, Money
from baton.model.project import Project
from tests.contract.test_kantata import SPECS, TAP, _GemLoader, kantata

WS, PARTS = "/api/v1/workspaces.json", "/api/v1/participations"
WANT = (12500050, "2027-03-31", "3")
GEM: dict[Any, Any] = yaml.load(
    (SPECS / "mavenlink_gem-specification.yml").read_text(), Loader=_GemLoader
)


def project(pid: str = "PRJ-0042", **changes: Any) -> Project:
    usd = Money(amount=Decimal("125000.50"), currency="USD")
    fields: dict[str, Any] = {"id": pid, "code": pid, "name": "Rollout for Acme"}
    fields |= {"customer_id": "C-1", "legal_entity_id": "LE-1", "status": "planned"}
    fields |= {"billing_method": "time_and_materials", "currency": "USD", "budget": usd}
    fields |= {"start_date": dt.date(2026, 12, 1), "end_date": dt.date(2027, 3, 31)}
    return Project(**{**fields, **changes})


def assignment(aid: str = "ASG-7") -> Assignment:
    rate = Money(amount=Decimal("187.50"), currency="USD")
    fields: dict[str, Any] = {"id": aid, "worker_id": "W1", "project_id": "PRJ-0042"}
    fields |= {"cost_center_id": "CC", "legal_entity_id": "LE", "bill_rate": rate}
    return Assignment(**fields, start_date=dt.date(2026, 12, 1))


async def test_a_created_project_is_found_by_its_baton_id() -> None:
    sandbox = KantataSandbox()
    async with kantata(sandbox) as (client, _):
        writes = KantataWrites(client)
        first = await writes.create_project(project(), maven_id="3")
        other = await writes.create_project(project("PRJ-0043", name="Second"))
        found = [await writes.find_project(p) for p in ("PRJ-0042", "PRJ-0043")]
        missing = await writes.find_project("PRJ-9999")
        sandbox.reference_filters = False  # a server ignoring them: still exact
        unfiltered = [await writes.find_project(p) for p in ("PRJ-0043", "PRJ-9999")]
    assert found == [first, other]
    assert first != other
    assert missing is None
    assert unfiltered == [other, None]
    ws = sandbox.data["workspaces"][first]
    assert ws["title"] == "Rollout for Acme"
    assert (ws["price_in_cents"], ws["due_date"], ws["primary_maven_id"]) == WANT


async def test_an_ambiguous_create_is_settled_by_lookup_not_resent() -> None:
    sandbox = KantataSandbox()
    async with kantata(sandbox) as (client, _):
        writes = KantataWrites(client)
        sandbox.inject(Fault(prefix=WS, reset_after_commit=True))
        with pytest.raises(Ambiguous):
            await writes.create_project(project())
        found = await writes.find_project("PRJ-0042")
    assert sandbox.counts()["workspaces"] == 1
    assert sandbox.state.requests[f"POST {WS}"] == 1
    assert found == next(iter(sandbox.data["workspaces"]))


async def test_a_consultant_is_staffed_at_the_assignments_rate() -> None:
    sandbox = KantataSandbox()
    grace = sandbox.add("users", full_name="Grace Hopper")["id"]
    async with kantata(sandbox) as (client, _):
        writes = KantataWrites(client)
        wid = await writes.create_project(project())
        pid = await writes.staff(assignment(), workspace_id=wid, user_id=grace)
        found = await writes.find_staffing(assignment(), workspace_id=wid)
        elsewhere = await writes.find_staffing(assignment(), workspace_id="1")
    record = sandbox.data["participations"][pid]
    assert (found, elsewhere) == (pid, None)
    assert (record["user_id"], record["role"]) == (grace, "maven")
    ws = sandbox.data["workspaces"][wid]
    back = participation_to_assignment(record, ws, KantataContext())
    assert back.start_date == dt.date(2026, 12, 1)
    assert back.bill_rate == assignment().bill_rate  # 18750 cents


@pytest.mark.parametrize("lost", [f"{PARTS}.json", f"{PARTS}/"])
async def test_staffing_lost_midway_is_finished_by_the_lookup(lost: str) -> None:
    sandbox = KantataSandbox()
    grace = sandbox.add("users", full_name="Grace Hopper")["id"]
    async with kantata(sandbox) as (client, _):
        writes = KantataWrites(client)
        wid = await writes.create_project(project())
        sandbox.inject(Fault(prefix=lost, reset_after_commit=True))
        with pytest.raises(Ambiguous):
            await writes.staff(assignment(), workspace_id=wid, user_id=grace)
        found = await writes.find_staffing(assignment(), workspace_id=wid)
    assert sandbox.counts()["participations"] == 1
    assert found is not None
    assert sandbox.data["participations"][found]["rate_in_cents"] == 18750


async def test_kantatas_422_is_invalid_with_its_message() -> None:
    sandbox = KantataSandbox()
    async with kantata(sandbox) as (client, _):
        writes = KantataWrites(client)
        wid = await writes.create_project(project())
        with pytest.raises(Invalid) as unknown:
            await writes.staff(assignment(), workspace_id=wid, user_id="404")
        await writes.staff(assignment(), workspace_id=wid, user_id="3")
        with pytest.raises(Invalid) as twice:
            await writes.staff(assignment("ASG-8"), workspace_id=wid, user_id="3")
        with pytest.raises(Invalid) as blank:
            await client.create("workspaces", "workspace", {"title": " "})
        sent = sandbox.state.requests[f"POST {WS}"]
        cents = Money(amount=Decimal("10.005"), currency="USD")
        with pytest.raises(Invalid) as unwritable:
            await writes.create_project(project("PRJ-0050", budget=cents))
    assert (unknown.value.status, unknown.value.rule) == (422, "kantata.rejected")
    assert "validation: User must exist" in unknown.value.message
    assert "User is already a participant in this project" in twice.value.message
    assert "Title can't be blank" in blank.value.message
    assert unwritable.value.rule == "kantata.mapping"
    assert sandbox.state.requests[f"POST {WS}"] == sent  # nothing sent
    assert sandbox.counts()["workspaces"] == sandbox.counts()["participations"] == 1


async def test_an_expired_token_is_refreshed_during_a_write() -> None:
    sandbox = KantataSandbox()
    async with kantata(sandbox) as (client, tokens):
        writes = KantataWrites(client)
        await writes.create_project(project())
        sandbox.expire_tokens()
        second = await writes.create_project(project("PRJ-0043"))
    assert tokens.fetched == sandbox.state.tokens_issued == 2
    assert sandbox.state.requests[f"POST {WS}"] == 3  # one 401, nothing stored
    assert sandbox.counts()["workspaces"] == 2
    assert second in sandbox.data["workspaces"]


async def test_bodies_and_records_match_the_catalogue_and_schemas() -> None:
    sandbox = KantataSandbox()
    grace = sandbox.add("users", full_name="Grace Hopper")["id"]
    sent: list[tuple[str, dict[str, Any]]] = []

    async def keep(request: httpx.Request) -> None:
        if request.method != "GET":
            sent.append((request.method, json.loads(request.content)))

    async with kantata(sandbox) as (client, _):
        client.http.client.event_hooks["request"].append(keep)
        writes = KantataWrites(client)
        wid = await writes.create_project(project(), maven_id="3", group_id="77")
        await writes.staff(assignment(), workspace_id=wid, user_id=grace)
        listed = await client.get("workspaces", {"include": "external_references"})
    (_, ws), (_, part), (verb, rate) = sent
    assert verb == "PUT"
    assert set(ws["workspace"]) <= set(GEM["workspaces"]["create_attributes"])
    roles = GEM["workspaces"]["validations"]["creator_role"]["inclusion"]["in"]
    assert ws["workspace"]["creator_role"] in roles
    assert set(part["participation"]) <= set(GEM["participations"]["create_attributes"])
    assert set(rate["participation"]) <= set(GEM["participations"]["update_attributes"])
    refs = GEM["external_references"]
    (required,) = [k for k in refs["validations"] if isinstance(k, tuple)]
    for body in (ws["workspace"], part["participation"]):
        ref = body["external_reference"]
        assert set(ref) <= set(refs["create_or_update_attributes"])
        assert set(required) - {"subject_id", "subject_type"} <= set(ref)
    schema = json.loads((TAP / "workspaces.json").read_text())
    for record in listed["workspaces"].values():
        jsonschema.validate(record, schema)
        assert set(record) <= set(GEM["workspaces"]["attributes"])
    stamps = {"created_at", "updated_at"}  # participations: documented filters
    for name in ("participations", "external_references"):
        for record in sandbox.data[name].values():
            assert set(record) <= set(GEM[name]["attributes"]) | stamps, name
    assert set(listed) - set(GEM) == {"count", "meta", "results"}


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


starts = st.one_of(
    st.dates(dt.date(1990, 1, 1), dt.date(2090, 12, 31)),
    st.builds(_month_end, st.integers(1990, 2090), st.integers(1, 12)),
)
titles = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1).filter(
    str.strip
)


@given(
    titles,
    st.sampled_from(sorted(CURRENCY_MINOR_UNITS)),
    st.none() | st.integers(0, 10**17),
    starts,
    st.none() | st.integers(0, 800),
    st.sampled_from([BillingMethod.FIXED_FEE, BillingMethod.TIME_AND_MATERIALS]),
)
def test_project_to_workspace_round_trips(
    title: str,
    currency: str,
    cents: int | None,
    start: dt.date,
    days: int | None,
    billing: BillingMethod,
) -> None:
    budget = None
    if cents is not None:
        amount = Decimal(cents).scaleb(-CURRENCY_MINOR_UNITS[currency])
        budget = Money(amount=amount, currency=currency)
    end = None if days is None else start + dt.timedelta(days=days)
    dates = {"start_date": start, "end_date": end, "billing_method": billing}
    p = project(name=title, currency=currency, budget=budget, **dates)
    body = workspace_body(p)
    assert set(body) <= set(GEM["workspaces"]["create_attributes"])
    stored = {**workspace_record(body), "id": "1"}
    assert stored["price_in_cents"] == cents
    back = workspace_to_project(stored, KantataContext())
    assert (back.name, back.currency, back.budget) == (p.name, currency, budget)
    assert (back.start_date, back.end_date) == (start, end)
    assert back.billing_method == billing


@pytest.mark.parametrize(
    ("amount", "why"), [("10.005", "decimals"), ("-1", "negative")]
)
def test_unwritable_budgets_are_refused_before_sending(amount: str, why: str) -> None:
    budget = Money(amount=Decimal(amount), currency="USD")
    with pytest.raises(ValueError, match=why):
        workspace_body(project(budget=budget))
