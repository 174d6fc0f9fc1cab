"""Integration fixtures: a real Tryton 8.2 server for the session.

Without a usable trytond the Tryton tests skip, unless
BATON_REQUIRE_SERVICES=1 (CI), where they fail.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from baton.connectors.tryton import TrytonClient
from tests.integration import tryton_server

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator


@pytest.fixture(scope="session")
def tryton(request: pytest.FixtureRequest) -> Iterator[tryton_server.TrytonServer]:
    """A trytond on a fresh copy of the cached template, stopped at the end."""
    try:
        server = tryton_server.start()
    except Exception as exc:
        if os.environ.get("BATON_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Tryton is required (BATON_REQUIRE_SERVICES=1): {exc}")
        pytest.skip(f"Tryton unavailable and BATON_REQUIRE_SERVICES unset: {exc}")
    plugins = request.config.pluginmanager
    reporter = plugins.get_plugin("terminalreporter")
    capture = plugins.get_plugin("capturemanager")
    line = (
        f"tryton {server.version}: template build "
        f"{server.timings['template_build_s']:.2f} s "
        f"(0 = cached), server start {server.timings['start_s']:.2f} s"
    )
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\n{line}")
    else:
        print(line)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def client(tryton: tryton_server.TrytonServer) -> AsyncIterator[TrytonClient]:
    """A JSON-RPC client logged in to the session's server."""
    rpc = TrytonClient(tryton.base_url, tryton.database, tryton.login, tryton.password)
    try:
        await rpc.login()
        yield rpc
    finally:
        await rpc.close()
