"""The local Kantata OX's project writes: workspaces, participations, references.

* ``POST /api/v1/workspaces.json {"workspace": {…}}``: ``title`` and
  ``creator_role`` (``maven``/``buyer``) required (the catalogue's
  validations); ``price`` is a decimal string in the workspace's currency,
  stored also as ``price_in_cents``; dates ``YYYY-MM-DD``, due not before
  start. Each new workspace records a ``workspace:created`` event.
* ``POST /api/v1/participations.json {"participation": {…}}``: an existing
  workspace and user, ``role`` ``maven``/``buyer``, one participation per
  user and workspace; ``PUT /api/v1/participations/<id>.json`` sets
  ``rate_in_cents`` (the catalogue's update attribute; create takes none)
  and bumps ``updated_at``.
* A nested ``external_reference`` (``service_name``, ``service_model``,
  ``service_model_ref`` required) is stored in ``external_references`` and
  named by the record's ``external_reference_ids``.
* ``GET /api/v1/users/me.json``: the token's user.

Attributes outside what the sandbox knows are refused (422, see
:mod:`.sandbox_rules`), so a body that drifts from the catalogue fails here
as well as in the contract test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .sandbox_feed import KantataFeed
from .sandbox_rules import (
    ME,
    PARTICIPATION_FIELDS,
    ROLES,
    RejectedError,
    check_fields,
    check_reference,
    check_updates,
    workspace_record,
)

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["KantataWriteRoutes"]


class KantataWriteRoutes(KantataFeed):
    """Workspace and participation writes (see the module docstring)."""

    def attach_reference(
        self, subject_type: str, record: dict[str, Any], ref: dict[str, Any]
    ) -> None:
        """Store ``ref`` (checked by :func:`check_reference`) as ``record``'s."""
        stored = self.store(
            "external_references",
            **{k: v for k, v in ref.items() if k not in ("subject_type", "subject_id")},
            subject_type=subject_type,
            subject_id=int(record["id"]),
        )
        stored.setdefault("status", "successful")
        record.setdefault("external_reference_ids", []).append(stored["id"])

    async def _body(self, request: web.Request, key: str) -> Any:
        try:
            doc = await request.json()
        except ValueError:
            return None
        return doc.get(key) if isinstance(doc, dict) else None

    async def create_workspace(self, request: web.Request) -> web.StreamResponse:
        """``POST /api/v1/workspaces.json``."""
        body = await self._body(request, "workspace")
        try:
            fields = workspace_record(body)
            ref = body.get("external_reference")
            if ref is not None:  # checked before anything is stored
                check_reference(ref)
        except RejectedError as exc:
            return self.error(422, str(exc))
        record = self.store("workspaces", **fields)
        if ref is not None:
            self.attach_reference("Workspace", record, ref)
        self.emit_event(record["id"], "workspace:created")
        await self.after_commit(request)
        return self.one("workspaces", record)

    def _participation(self, body: Any) -> dict[str, Any]:
        body = check_fields(body, PARTICIPATION_FIELDS, "participation")
        workspace, user = str(body.get("workspace_id")), str(body.get("user_id"))
        if workspace not in self.data["workspaces"]:
            raise RejectedError("Workspace must exist")
        if user not in self.data["users"] and user != ME["id"]:
            raise RejectedError("User must exist")
        if body.get("role") not in ROLES:
            raise RejectedError("Role is not included in the list")
        if any(
            p["workspace_id"] == workspace and p["user_id"] == user
            for p in self.data["participations"].values()
        ):
            raise RejectedError("User is already a participant in this project")
        if body.get("external_reference") is not None:
            check_reference(body["external_reference"])
        return {**body, "workspace_id": workspace, "user_id": user}

    async def create_participation(self, request: web.Request) -> web.StreamResponse:
        """``POST /api/v1/participations.json``."""
        try:
            body = self._participation(await self._body(request, "participation"))
        except RejectedError as exc:
            return self.error(422, str(exc))
        record = self.store(
            "participations",
            workspace_id=body["workspace_id"],
            user_id=body["user_id"],
            role=body["role"],
            rate_in_cents=0,
            default_rate_in_cents=0,
            external_reference_ids=[],
        )
        if body.get("external_reference") is not None:
            self.attach_reference("Participation", record, body["external_reference"])
        await self.after_commit(request)
        return self.one("participations", record)

    async def update_participation(self, request: web.Request) -> web.StreamResponse:
        """``PUT /api/v1/participations/<id>.json``."""
        pid = request.match_info["id"]
        record = self.data["participations"].get(pid)
        if record is None:
            return self.error(404, f"participation {pid} not found")
        try:
            body = check_updates(await self._body(request, "participation"))
        except RejectedError as exc:
            return self.error(422, str(exc))
        record.update(body, updated_at=self.stamp())
        await self.after_commit(request)
        return self.one("participations", record)

    async def me(self, request: web.Request) -> web.Response:
        """``GET /api/v1/users/me.json``: the token's user."""
        del request
        return self.one("users", dict(ME))
