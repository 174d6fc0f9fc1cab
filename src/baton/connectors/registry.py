"""Which vendor sandboxes ``baton sandbox run <vendor>`` can start.

Imported lazily: a sandbox pulls in its connector package, and the CLI
should not pay for all of them to run one.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["SANDBOXES", "sandbox_app"]

SANDBOXES: dict[str, str] = {
    "erp": "baton.connectors.generic_rest.sandbox:ErpSandbox",
    "bamboohr": "baton.connectors.bamboohr.sandbox:BambooHRSandbox",
    "harvest": "baton.connectors.harvest.sandbox:HarvestSandbox",
    "hubspot": "baton.connectors.hubspot.sandbox:HubSpotSandbox",
    "kantata": "baton.connectors.kantata.sandbox:KantataSandbox",
    "netsuite": "baton.connectors.netsuite.sandbox:NetSuiteSandbox",
    "salesforce": "baton.connectors.salesforce.sandbox:SalesforceSandbox",
    "workday": "baton.connectors.workday.sandbox:WorkdaySandbox",
    "xero": "baton.connectors.xero.sandbox:XeroSandbox",
}


def sandbox_app(vendor: str) -> Any:
    """A fresh sandbox's aiohttp application for ``vendor``.

    Raises:
        KeyError: no sandbox has that name.
    """
    module, _, cls = SANDBOXES[vendor].partition(":")
    return getattr(importlib.import_module(module), cls)().app()
