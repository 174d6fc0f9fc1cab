"""Dependencies shared by the routes: the running hub."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from baton.bootstrap import Hub

__all__ = ["HubDep", "get_hub"]


async def get_hub(request: Request) -> Hub:
    """The hub this app serves (async: a sync dependency would run in a thread)."""
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]
