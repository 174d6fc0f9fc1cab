"""Check the portal holds the properties the writer relies on.

``GET /crm/v3/properties/{objectType}/{propertyName}``: the companies'
id property must exist with ``hasUniqueValue`` (a unique property cannot be
made unique later: HubSpot fixes the flag at creation), and the deals'
project-code property must exist. Missing or not unique is ``Fatal``:
configuration, not data; every write would fail the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from baton.engine.errors import Fatal

if TYPE_CHECKING:
    from baton.connectors.hubspot.client import HubSpotClient

__all__ = ["require_property"]


async def require_property(
    client: HubSpotClient, object_type: str, name: str, *, unique: bool = False
) -> None:
    """Return when ``object_type`` defines ``name`` (declared unique if asked).

    Raises:
        baton.engine.errors.Fatal: the property is missing or not unique.
        baton.engine.errors.DeliveryError: the read itself failed (classified).
    """
    resp = await client.http.request(
        "GET",
        f"/crm/v3/properties/{object_type}/{quote(name, safe='')}",
        allow=frozenset({404}),
    )
    if resp.status_code == 404:
        raise Fatal(
            f"hubspot: {object_type} have no property {name!r}: create it in "
            f"HubSpot{' with hasUniqueValue' if unique else ''}",
            status=404,
        )
    if unique and resp.json().get("hasUniqueValue") is not True:
        raise Fatal(
            f"hubspot: {object_type}.{name} is not declared unique "
            "(hasUniqueValue): writes by it cannot be idempotent; create a "
            "unique property and configure id_property"
        )
