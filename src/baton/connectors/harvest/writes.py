"""Harvest writes: projects and user assignments, idempotent without a key.

Harvest has no idempotency key, so each write has a natural key Baton owns
and a lookup by it:

* a project's key is its ``code`` (the canonical project code).
  :meth:`HarvestWriter.find_project` lists ``GET /projects`` (filtered by
  ``client_id`` and ``updated_since`` to keep the list short, every
  ``links.next`` followed) and matches the code exactly (case and spaces
  included). Harvest does not require codes to be unique [kb: no uniqueness
  rule is documented and the UI accepts duplicates], so when several
  projects carry the code the lookup picks the **oldest** (smallest id),
  the same one every time;
* a user assignment's key is (project, user): Harvest assigns a user to a
  project once, so :meth:`HarvestWriter.find_user_assignment` lists
  ``GET /projects/{id}/user_assignments?user_id=…``.

A create whose answer is lost after it was sent raises
:class:`~baton.engine.errors.Ambiguous` (from ``VendorHttp``); the caller
then looks the record up (:meth:`HarvestWriter.lookup`, as the dispatcher
does) instead of sending it again. :meth:`put_project` and
:meth:`put_user_assignment` look up first and create only what is missing,
so running them twice creates once.

As outbox deliveries (entity ``Project`` or ``Assignment``), the payload is
the rendered body (:meth:`render_project`, :meth:`render_assignment`);
:meth:`apply` sends it and :meth:`lookup` finds it by its key, reading only
projects updated since ten minutes before the first attempt (clock skew).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from baton.connectors.harvest.values import SYSTEM, format_timestamp
from baton.connectors.harvest.write_mapping import project_body, user_assignment_body
from baton.engine.errors import Fatal

if TYPE_CHECKING:
    from decimal import Decimal

    from baton.connectors.harvest.client import HarvestClient
    from baton.model import Assignment, Project
    from baton.store.ports import DeliveryRow

__all__ = ["SKEW_SECONDS", "HarvestWriter"]

SKEW_SECONDS = 600.0


class HarvestWriter:
    """Projects and user assignments into one Harvest account (module docstring).

    Args:
        client: the account's client (its limiter takes a slot per call).
        name: the connector's name in configuration.
        per_page: records per page of the lookups (1-2000).
    """

    system = SYSTEM
    self_limited = True

    def __init__(
        self, client: HarvestClient, *, name: str = "harvest", per_page: int = 2000
    ) -> None:
        self.client = client
        self.name = name
        self.per_page = per_page
        self.account = f"harvest:{client.account_id}"

    # -- projects ----------------------------------------------------------------
    async def create_project(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /projects``; the created project.

        Raises:
            baton.engine.errors.Ambiguous: sent, no answer: look it up.
            baton.engine.errors.Invalid: Harvest refused it (its message).
        """
        created: dict[str, Any] = await self.client.post("/projects", body)
        return created

    async def find_project(
        self,
        code: str,
        *,
        client_id: int | None = None,
        updated_since: str | None = None,
    ) -> dict[str, Any] | None:
        """The oldest project whose code is exactly ``code``, or None."""
        params: dict[str, Any] = {}
        if client_id is not None:
            params["client_id"] = client_id
        if updated_since is not None:
            params["updated_since"] = updated_since
        found: dict[str, Any] | None = None
        pages = self.client.pages(
            "/projects", "projects", per_page=self.per_page, params=params
        )
        async for page in pages:
            for raw in page.records:
                if raw.get("code") == code and (
                    found is None or int(raw["id"]) < int(found["id"])
                ):
                    found = raw
        return found

    async def put_project(
        self,
        project: Project,
        *,
        client_id: int | None = None,
        hourly_rate: Decimal | None = None,
    ) -> int:
        """The Harvest id of the project with ``project.code``, created if missing."""
        body = project_body(project, client_id=client_id, hourly_rate=hourly_rate)
        found = await self.find_project(project.code, client_id=body["client_id"])
        if found is None:
            found = await self.create_project(body)
        return int(found["id"])

    # -- user assignments ------------------------------------------------------------
    async def create_user_assignment(
        self, project_id: int, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /projects/{project_id}/user_assignments``; the assignment."""
        path = f"/projects/{project_id}/user_assignments"
        created: dict[str, Any] = await self.client.post(path, body)
        return created

    async def find_user_assignment(
        self, project_id: int, user_id: int
    ) -> dict[str, Any] | None:
        """The user's assignment to the project, or None."""
        path = f"/projects/{project_id}/user_assignments"
        params = {"user_id": user_id}
        async for page in self.client.pages(
            path, "user_assignments", per_page=self.per_page, params=params
        ):
            for raw in page.records:
                if int((raw.get("user") or {}).get("id", -1)) == user_id:
                    return raw
        return None

    async def put_user_assignment(
        self,
        assignment: Assignment,
        project_id: int,
        *,
        user_id: int | None = None,
        is_project_manager: bool = False,
    ) -> int:
        """The Harvest id of the user's assignment to the project, created if missing."""
        body = user_assignment_body(
            assignment, user_id=user_id, is_project_manager=is_project_manager
        )
        found = await self.find_user_assignment(project_id, int(body["user_id"]))
        if found is None:
            found = await self.create_user_assignment(project_id, body)
        return int(found["id"])

    # -- as outbox deliveries ------------------------------------------------------
    def render_project(
        self,
        project: Project,
        *,
        client_id: int | None = None,
        hourly_rate: Decimal | None = None,
    ) -> str:
        """The payload of a ``Project`` delivery: the exact body sent."""
        body = project_body(project, client_id=client_id, hourly_rate=hourly_rate)
        return json.dumps(body, ensure_ascii=False, sort_keys=True)

    def render_assignment(
        self,
        assignment: Assignment,
        project_id: int,
        *,
        user_id: int | None = None,
        is_project_manager: bool = False,
    ) -> str:
        """The payload of an ``Assignment`` delivery: the body plus its project."""
        body = user_assignment_body(
            assignment, user_id=user_id, is_project_manager=is_project_manager
        )
        return json.dumps(
            {**body, "project_id": project_id}, ensure_ascii=False, sort_keys=True
        )

    async def apply(self, delivery: DeliveryRow) -> str:
        """Send the delivery's body; the created record's Harvest id.

        Raises:
            baton.engine.errors.Fatal: an entity this writer does not write.
        """
        body = json.loads(delivery.payload)
        if delivery.entity == "Project":
            return str((await self.create_project(body))["id"])
        if delivery.entity == "Assignment":
            project_id = int(body.pop("project_id"))
            return str((await self.create_user_assignment(project_id, body))["id"])
        raise Fatal(f"harvest: cannot write a {delivery.entity}")

    async def lookup(self, delivery: DeliveryRow) -> str | None:
        """The Harvest id of the delivery's record if Harvest holds it, else None."""
        body = json.loads(delivery.payload)
        found: dict[str, Any] | None
        if delivery.entity == "Project":
            since = None
            if delivery.first_attempt_at is not None:
                at = delivery.first_attempt_at - SKEW_SECONDS
                since = format_timestamp(
                    dt.datetime.fromtimestamp(at, dt.UTC).replace(microsecond=0)
                )
            found = await self.find_project(
                str(body["code"]), client_id=body.get("client_id"), updated_since=since
            )
        elif delivery.entity == "Assignment":
            found = await self.find_user_assignment(
                int(body["project_id"]), int(body["user_id"])
            )
        else:
            raise Fatal(f"harvest: cannot look up a {delivery.entity}")
        return None if found is None else str(found["id"])

    async def health(self) -> None:
        """One authenticated read: ``GET /users/me``."""
        await self.client.get("/users/me")

    async def close(self) -> None:
        """Close the client."""
        await self.client.close()
