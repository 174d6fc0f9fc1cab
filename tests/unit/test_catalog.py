"""Connectors configured by kind: settings checked, limits shared, roles enforced."""

from __future__ import annotations

import pytest

from baton.bootstrap import build
from baton.config import ConfigError, Settings
from baton.connectors import catalog
from baton.engine.errors import Fatal, Retriable
from baton.engine.limiter import LimiterRegistry, RateLimit

XERO = {"kind": "xero", "tenant_id": "t-1", "client_id": "c", "client_secret": "s"}


def test_settings_are_checked_against_the_vendors_model_naming_each_field():
    with pytest.raises(ConfigError) as info:
        catalog.configure({"erp": {"kind": "xero", "tenant_id": "t-1"}})
    assert str(info.value) == (
        "connectors.erp.client_id: Field required; "
        "connectors.erp.client_secret: Field required"
    )


def test_an_unknown_kind_lists_the_known_ones():
    with pytest.raises(ConfigError, match=r"'sap' is not a connector \(known: .*xero"):
        catalog.configure({"erp": {"kind": "sap"}})
    with pytest.raises(ConfigError, match=r"None is not a connector"):
        catalog.configure({"erp": {}})


def test_two_connectors_on_one_tenant_share_one_limit_and_a_configured_one_wins():
    configured = catalog.configure(
        {
            "a": XERO,
            "b": {
                **XERO,
                "rate_limit": {"requests": 5, "per_seconds": 1, "concurrency": 1},
            },
            "c": {**XERO, "tenant_id": "t-2"},
        }
    )
    assert configured["a"].account == configured["b"].account == "xero:t-1"
    limits = catalog.limits(configured)
    assert limits == {
        "xero:t-1": RateLimit(60, 63.0, 5),  # the first connector of the account
        "xero:t-2": RateLimit(60, 63.0, 5),
    }


def test_built_targets_share_their_accounts_limiter_and_roles_are_enforced():
    configured = catalog.configure({"a": XERO, "b": XERO})
    limiters = LimiterRegistry(catalog.limits(configured))
    a = catalog.build_target(configured["a"], limiters)
    b = catalog.build_target(configured["b"], limiters)
    assert (a.name, b.name) == ("a", "b")
    assert a.client.http.limiter is b.client.http.limiter  # type: ignore[attr-defined]
    assert configured["a"].roles == ("target",)
    with pytest.raises(ConfigError, match="a xero connector is not a source"):
        catalog.build_source(configured["a"], limiters)


async def test_check_reports_classified_errors_without_raising():
    class Down:
        async def health(self) -> None:
            raise Retriable("cannot connect to http://127.0.0.1:9")

    class Refused:
        async def health(self) -> None:
            raise Fatal("401 invalid_client", status=401)

    down = await catalog.check("erp", "x", Down())
    refused = await catalog.check("erp", "x", Refused())
    none = await catalog.check("erp", "x", object())
    assert (down.ok, down.detail) == (
        False,
        "Retriable: cannot connect to http://127.0.0.1:9",
    )
    assert refused.detail.startswith("Fatal: 401 invalid_client")
    assert (none.ok, none.detail) == (False, "no health check")


def test_the_flow_must_name_configured_connectors(tmp_path):
    store = f"sqlite:///{tmp_path / 'b.db'}"
    with pytest.raises(ConfigError, match="not configured: psa"):
        build(Settings(store=store, approved_time={"sources": ["psa"]}))
    with pytest.raises(ConfigError, match="keep one"):
        build(
            Settings(
                store=store,
                erp={"url": "http://127.0.0.1:9/erp"},
                connectors={"x": XERO},
                approved_time={"target": "x"},
            )
        )
    with pytest.raises(ConfigError, match="a xero connector is not a source"):
        build(
            Settings(
                store=store, connectors={"x": XERO}, approved_time={"sources": ["x"]}
            )
        )


async def test_the_configured_target_is_the_flows_only_target(tmp_path):
    settings = Settings(
        store=f"sqlite:///{tmp_path / 'b.db'}",
        connectors={"books": XERO, "unused": {"kind": "nope"}},
        approved_time={"target": "books"},
    )
    hub = build(settings)  # an unused connector is not checked by build
    try:
        assert list(hub.targets) == ["books"]
        assert hub.targets["books"].account == "xero:t-1"
        assert hub.limiters.get("xero:t-1").in_flight == 0
        assert hub.sources == {}
    finally:
        await hub.stop()


def test_secrets_given_in_the_environment_never_show_in_the_settings_repr(monkeypatch):
    monkeypatch.setenv("BATON_CONNECTORS__BOOKS__CLIENT_SECRET", "s3cr3t-value")
    settings = Settings(
        connectors={"books": {k: v for k, v in XERO.items() if k != "client_secret"}}
    )
    assert settings.connectors["books"]["client_secret"] == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(settings)
    assert "s3cr3t-value" not in str(settings)
    configured = catalog.configure(settings.connectors)
    assert "s3cr3t-value" not in repr(configured["books"].settings)


async def test_the_erp_url_is_a_generic_rest_connector_named_erp(tmp_path):
    store = f"sqlite:///{tmp_path / 'b.db'}"
    erp = {"url": "http://127.0.0.1:9/erp", "timeout_seconds": 3,
           "rate_limit": {"requests": 5, "per_seconds": 1, "concurrency": 2}}  # fmt: skip
    with pytest.raises(ConfigError, match="a connector is also named erp"):
        build(Settings(store=store, erp=erp, connectors={"erp": XERO}))
    hub = build(Settings(store=store, erp=erp))
    try:
        (target,) = hub.targets.values()
        assert (target.name, target.account) == ("erp", "127.0.0.1:9")
        assert hub.limiters.get("127.0.0.1:9").limit == RateLimit(5, 1.0, 2)
    finally:
        await hub.stop()
