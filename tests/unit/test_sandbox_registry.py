"""Every registered sandbox can be built (what 'baton sandbox run' starts)."""

from __future__ import annotations

import pytest
from aiohttp import web

from baton.connectors.registry import SANDBOXES, sandbox_app


@pytest.mark.parametrize("vendor", sorted(SANDBOXES))
def test_registered_sandbox_builds_an_app(vendor):
    app = sandbox_app(vendor)
    assert isinstance(app, web.Application)
    assert len(app.router.routes()) >= 2


def test_unknown_vendor_is_a_key_error():
    with pytest.raises(KeyError):
        sandbox_app("nope")
