"""Salesforce writes against the sandbox: upserts by external id, the project code, settling."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.connectors import catalog
from baton.connectors.salesforce.bodies import MAX_TEXT, customer_to_account
from baton.connectors.salesforce.client import SalesforceClient
from baton.connectors.salesforce.mapping import MappingError, account_to_customer
from baton.connectors.salesforce.sandbox import SalesforceSandbox
from baton.connectors.salesforce.writes import SalesforceWriter
from baton.connectors.sandbox import Fault
from baton.engine.errors import Ambiguous, Fatal, Invalid
from baton.engine.limiter import LimiterRegistry
from baton.model import Customer

DATA = "/services/data/v62.0"
UPSERT = f"{DATA}/sobjects/Account/Baton_Id__c/"
ORIGIN = "com/salesforce/api/rest/62.0;client=baton"


def customer(cid: str = "baton:customer:7", **kwargs: object) -> Customer:
    fields: dict[str, object] = {"name": "Zoë Ñandú 東京 KK", "country": "JP"}
    return Customer(id=cid, **{**fields, **kwargs})  # type: ignore[arg-type]


@asynccontextmanager
async def writer(sandbox: SalesforceSandbox, *, timeout: float = 30.0):
    async with sandbox.serving() as base:
        client = SalesforceClient("baton", "secret", login_url=base, timeout=timeout)
        w = SalesforceWriter(client)
        try:
            yield w
        finally:
            await w.close()


def won_deal(sandbox: SalesforceSandbox) -> str:
    account = sandbox.add("Account", Name="Zoë Holding")
    return sandbox.add(
        "Opportunity", AccountId=account, Name="Deal – Zoë", StageName="Closed Won",
        IsWon=True, IsClosed=True, CloseDate="2024-12-31", Amount=1250,
    )  # fmt: skip


async def test_an_upsert_creates_the_account_then_updates_the_same_one():
    sandbox = SalesforceSandbox()
    async with writer(sandbox) as w:
        first = await w.upsert_customer(customer())
        second = await w.upsert_customer(
            customer(name="Zoë Ñandú Holding", country="DE")
        )
        found = await w.lookup_customer("baton:customer:7")
        assert await w.lookup_customer("baton:customer:8") is None
    assert first.created
    assert not second.created
    assert first.id == second.id == found
    assert sandbox.find("Account", "Baton_Id__c", "baton:customer:7") == [first.id]
    assert (sandbox.created[first.id], sandbox.updated[first.id]) == (1, 1)
    record = sandbox.objects["Account"][first.id]
    assert (record["Name"], record["BillingCountry"]) == ("Zoë Ñandú Holding", "DE")
    assert record["Baton_Id__c"] == "baton:customer:7"


async def test_the_project_code_is_written_onto_a_won_opportunity_and_names_us():
    sandbox = SalesforceSandbox()
    opp = won_deal(sandbox)
    async with writer(sandbox) as w:
        assert await w.lookup_project_code(opp, "PRJ-0042") is None
        assert await w.write_project_code(opp, "PRJ-0042") == opp
        assert await w.lookup_project_code(opp, "PRJ-0042") == opp
    assert sandbox.objects["Opportunity"][opp]["Baton_Project_Code__c"] == "PRJ-0042"
    assert sandbox.updated[opp] == 1
    event = sandbox.events[-1]["event"]
    assert event["ChangeEventHeader"]["changeType"] == "UPDATE"
    assert event["ChangeEventHeader"]["changeOrigin"] == ORIGIN
    assert event["Baton_Project_Code__c"] == "PRJ-0042"
    assert sandbox.events[0]["event"]["ChangeEventHeader"]["changeOrigin"] == ""


async def test_a_lost_upsert_answer_is_ambiguous_and_the_lookup_finds_the_one_record():
    sandbox = SalesforceSandbox()
    sandbox.inject(Fault(prefix=UPSERT, reset_after_commit=True))
    async with writer(sandbox) as w:
        with pytest.raises(Ambiguous, match="no complete answer to PATCH"):
            await w.upsert_customer(customer())
        settled = await w.lookup_customer("baton:customer:7")
        assert settled is not None
        again = await w.upsert_customer(customer())  # a retry is safe too
    assert sandbox.find("Account", "Baton_Id__c", "baton:customer:7") == [settled]
    assert len(sandbox.objects["Account"]) == 1
    assert sandbox.created[settled] == 1
    assert (again.id, again.created) == (settled, False)


async def test_a_project_code_write_that_times_out_is_settled_by_reading_the_field():
    sandbox = SalesforceSandbox()
    opp = won_deal(sandbox)
    sandbox.inject(
        Fault(prefix=f"{DATA}/sobjects/Opportunity/", timeout_after_commit=1)
    )
    async with writer(sandbox, timeout=0.3) as w:
        with pytest.raises(Ambiguous):
            await w.write_project_code(opp, "PRJ-0042")
        assert await w.lookup_project_code(opp, "PRJ-0042") == opp
        assert await w.lookup_project_code(opp, "PRJ-0043") is None
    assert sandbox.updated[opp] == 1


async def test_refusals_are_invalid_with_salesforces_error_code_and_message():
    sandbox = SalesforceSandbox()
    opp = won_deal(sandbox)
    sandbox.add_rule(
        "Opportunity", "Project codes look like PRJ-nnnn",
        lambda r: not str(r.get("Baton_Project_Code__c", "PRJ-")).startswith("PRJ-"),
        field="Baton_Project_Code__c",
    )  # fmt: skip
    async with writer(sandbox) as w:
        with pytest.raises(Invalid) as rule:
            await w.write_project_code(opp, "42")
        with pytest.raises(Invalid) as missing:
            await w.upsert("Account", "Baton_Id__c", "c-9", {"BillingCountry": "DE"})
        with pytest.raises(Fatal, match="external ID field does not exist"):
            await w.upsert("Account", "AccountNumber", "c-9", {"Name": "x"})
    assert rule.value.message == (
        "salesforce: HTTP 400: FIELD_CUSTOM_VALIDATION_EXCEPTION: "
        "Project codes look like PRJ-nnnn (fields: Baton_Project_Code__c)"
    )
    assert (rule.value.rule, rule.value.owner_team, rule.value.status) == (
        "salesforce.rejected", "delivery_ops", 400,
    )  # fmt: skip
    assert missing.value.message == (
        "salesforce: HTTP 400: REQUIRED_FIELD_MISSING: "
        "Required fields are missing: [Name] (fields: Name)"
    )
    assert "Baton_Project_Code__c" not in sandbox.objects["Opportunity"][opp]
    assert len(sandbox.objects["Account"]) == 1


async def test_an_external_id_matching_several_accounts_is_invalid_naming_them():
    sandbox = SalesforceSandbox()
    a = sandbox.add("Account", Name="Acme", Baton_Id__c="baton:customer:7")
    b = sandbox.add("Account", Name="ACME", Baton_Id__c="BATON:CUSTOMER:7")
    async with writer(sandbox) as w:
        with pytest.raises(Invalid) as several:
            await w.upsert_customer(customer())
        with pytest.raises(Invalid, match="matches 2 records"):
            await w.lookup_customer("baton:customer:7")
    assert several.value.status == 300
    assert several.value.rule == "salesforce.duplicate_external_id"
    assert several.value.owner_team == "finance"
    assert several.value.message == (
        "salesforce: Account.Baton_Id__c = 'baton:customer:7' matches 2 records "
        f"({a}, {b}); merge them or clear the duplicates' Baton_Id__c"
    )
    assert sandbox.updated[a] == sandbox.updated[b] == 0


async def test_an_expired_session_is_refreshed_once_for_a_write():
    sandbox = SalesforceSandbox()
    async with writer(sandbox) as w:
        await w.upsert_customer(customer())
        sandbox.expire_tokens()
        second = await w.upsert_customer(customer(name="Zoë Holding"))
        assert w.client.tokens.fetched == 2
        sandbox.expire_tokens()
        sandbox.clients = {}  # the connected app was revoked
        with pytest.raises(Fatal, match="token refused"):
            await w.upsert_customer(customer())
    assert not second.created
    # 1, then 401 + the same PATCH once more, then 401 with the refresh refused
    assert sandbox.state.requests[f"PATCH {UPSERT}baton:customer:7"] == 4
    assert sandbox.updated[second.id] == 1
    assert len(sandbox.objects["Account"]) == 1


names = st.text(min_size=1, max_size=MAX_TEXT).filter(lambda s: s.strip() != "")
countries = st.one_of(st.none(), st.from_regex(r"^[A-Z]{2}$", fullmatch=True))


@given(name=names, country=countries, parent=st.booleans())
def test_a_customer_becomes_an_account_body_and_reads_back_the_same(
    name: str, country: str | None, parent: bool
) -> None:
    c = Customer(id="baton:customer:1", name=name, country=country)
    parent_id = "001000000000001AAA" if parent else None
    body = customer_to_account(c, parent_sf_id=parent_id)
    assert set(body) <= {"Name", "BillingCountry", "ParentId"}
    assert ("BillingCountry" in body) is (country is not None)  # absent, never null
    back = account_to_customer(
        {"Id": "001000000000009AAA", "SystemModstamp": "2024-01-01T00:00:00Z", **body}
    )
    assert (back.name, back.country) == (c.name, c.country)
    assert back.parent_id == (f"salesforce:account:{parent_id}" if parent else None)


@given(extra=st.text(alphabet="ßé東", min_size=1, max_size=5))
def test_an_account_name_over_255_characters_or_an_unresolved_parent_is_refused(
    extra: str,
) -> None:
    with pytest.raises(MappingError, match="at most 255"):
        customer_to_account(customer(name="Ñ" * MAX_TEXT + extra))
    with pytest.raises(MappingError, match="not a Salesforce Id"):
        customer_to_account(customer(), parent_sf_id=f"baton:customer:{extra}")


async def test_the_catalogue_builds_the_source_and_its_health_check_names_the_fault():
    sandbox = SalesforceSandbox()
    async with sandbox.serving() as base:
        common = {"kind": "salesforce", "url": base, "client_id": "baton",
                  "currency": "EUR", "legal_entity_id": "LE-DE"}  # fmt: skip
        configured = catalog.configure(
            {"crm": {**common, "client_secret": "secret"},
             "bad": {**common, "client_secret": "wrong"}}
        )  # fmt: skip
        limiters = LimiterRegistry(catalog.limits(configured))
        checked = []
        for c in configured.values():
            src = catalog.build_source(c, limiters)
            try:
                checked.append(await catalog.check(c.name, c.kind, src))
            finally:
                await src.close()
        crm = configured["crm"]
        w = catalog.build_writer(crm, limiters)
        try:
            await w.health()
        finally:
            await w.close()
    good, bad = checked
    assert good.ok, good.detail
    assert not bad.ok
    assert bad.detail.startswith("Fatal: salesforce: token refused")
    assert configured["crm"].roles == ("source", "writer")
    assert configured["crm"].account == f"salesforce:{base.split('/')[2]}"
    assert catalog.limits(configured)[configured["crm"].account].concurrency == 25
    assert sandbox.state.requests[f"GET {DATA}/limits"] == 2
