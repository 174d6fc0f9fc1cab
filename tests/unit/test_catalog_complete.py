"""Every connector kind keeps the package contract the catalogue relies on."""

from __future__ import annotations

import importlib
import typing

import pytest

from baton.config import ConnectorSettings
from baton.connectors import catalog
from baton.connectors.registry import SANDBOXES
from baton.engine.limiter import AccountLimiter

ROLES = ("source", "target", "writer")


@pytest.mark.parametrize("kind", sorted(catalog.KINDS))
def test_each_kind_has_settings_limits_and_a_role_with_health_and_close(kind):
    module = importlib.import_module(catalog.KINDS[kind])
    settings = module.Settings
    assert issubclass(settings, ConnectorSettings)
    assert settings.model_fields["kind"].default == kind
    assert callable(module.account)
    assert callable(module.limit)
    roles = [r for r in ROLES if hasattr(module, r)]
    assert roles, f"{kind} builds nothing"
    for role in roles:
        factory = getattr(module, role)
        params = typing.get_type_hints(
            factory, localns={"AccountLimiter": AccountLimiter}
        )
        assert {"settings", "name", "limiter"} <= params.keys(), (kind, role)
        built = params["return"]
        for method in ("health", "close"):
            assert callable(getattr(built, method, None)), f"{kind}.{role}: {method}"
    for field, info in settings.model_fields.items():  # secrets are never plain str
        if any(w in field for w in ("secret", "password", "token", "key")):
            if field not in ("token_url", "id_property") and not field.endswith("_url"):
                assert "SecretStr" in str(info.annotation), (kind, field)


def test_every_http_vendor_has_a_sandbox_to_run():
    http_kinds = set(catalog.KINDS) - {"tryton", "generic_rest"}  # real server; "erp"
    assert http_kinds <= set(SANDBOXES)
    assert "erp" in SANDBOXES
