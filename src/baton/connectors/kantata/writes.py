"""Kantata OX writes for won deals: a project's workspace, its consultants.

Kantata takes no idempotency key. Each create carries an external reference
naming Baton's record (:mod:`.write_mapping`); a create whose answer was
lost raises :class:`~baton.engine.errors.Ambiguous` (from
:class:`~baton.connectors.http.VendorHttp`) and is settled by a lookup by
that reference, never by sending twice:

* :meth:`KantataWrites.create_project` → :meth:`~KantataWrites.find_project`
  (``GET /workspaces.json`` filtered by ``external_reference_service_name``,
  ``_service_model``, ``_service_model_ref``, ``include_archived=true``);
* :meth:`KantataWrites.staff` → :meth:`~KantataWrites.find_staffing`
  (``GET /participations.json?workspace_id=…`` with the same filters).

The filters are documented for participations and used on stories by public
integrations; on workspaces they are [kb]. A lookup never trusts them alone:
it asks for ``include=external_references`` and returns only a record whose
side-loaded reference matches, so a server that ignored the filters would
produce a resend, not a wrong id.

Staffing is two calls, because ``rate_in_cents`` is an update attribute of a
participation: create, then ``PUT`` the rate. A failure after the create
(other than Kantata refusing the rate) raises ``Ambiguous`` too, and
:meth:`~KantataWrites.find_staffing` finishes the job: it sets the rate of
the participation it finds when the rate differs (a ``PUT`` of the same
value, safe to repeat).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from baton.engine.errors import Ambiguous, DeliveryError, Invalid

from .client import MAX_PER_PAGE, reassemble
from .write_mapping import (
    SERVICE_NAME,
    participation_body,
    rate_in_cents,
    workspace_body,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from baton.model.assignment import Assignment
    from baton.model.project import Project

    from .client import KantataClient

__all__ = ["KantataWrites"]

T = TypeVar("T")


def _mapped(build: Callable[[], T], what: str) -> T:
    try:
        return build()
    except ValueError as exc:
        raise Invalid(
            f"kantata: {what} cannot be written: {exc}",
            rule="kantata.mapping",
            owner_team="delivery_ops",
            fix=f"correct {what} in Baton; it is sent again once corrected",
        ) from exc


class KantataWrites:
    """Project and staffing writes on one Kantata account (see the module docstring).

    Args:
        client: the account's client (shares its limiter and token).
    """

    def __init__(self, client: KantataClient) -> None:
        self.client = client

    async def health(self) -> None:
        """One authenticated read: the current user (``GET /users/me.json``)."""
        await self.client.get("users/me")

    async def close(self) -> None:
        """Close the client (and its token client)."""
        await self.client.close()

    async def create_project(
        self,
        project: Project,
        *,
        maven_id: str | None = None,
        group_id: str | None = None,
    ) -> str:
        """Create ``project``'s workspace; its Kantata id.

        Raises:
            Ambiguous: sent, no answer: settle with :meth:`find_project`.
            Invalid: Kantata refused the body (its message) or it cannot be built.
        """
        body = _mapped(
            lambda: workspace_body(project, maven_id=maven_id, group_id=group_id),
            f"project {project.id}",
        )
        record = await self.client.create("workspaces", "workspace", body)
        return str(record["id"])

    async def find_project(self, baton_id: str) -> str | None:
        """The id of the workspace created for Baton project ``baton_id``, or None."""
        found = await self._find(
            "workspaces", "project", baton_id, {"include_archived": "true"}
        )
        return None if found is None else str(found["id"])

    async def staff(
        self, assignment: Assignment, *, workspace_id: str, user_id: str
    ) -> str:
        """Add the consultant to the workspace at the assignment's bill rate.

        Args:
            assignment: the canonical assignment (its rate in the workspace's currency).
            workspace_id: the project's Kantata workspace.
            user_id: the consultant's Kantata user.

        Returns:
            The participation's id.

        Raises:
            Ambiguous: the participation may exist: settle with :meth:`find_staffing`.
            Invalid: Kantata refused the participation or its rate.
        """
        what = f"assignment {assignment.id}"
        cents = _mapped(lambda: rate_in_cents(assignment), what)
        body = participation_body(
            assignment, workspace_id=workspace_id, user_id=user_id
        )
        record = await self.client.create("participations", "participation", body)
        pid = str(record["id"])
        try:
            await self._set_rate(pid, cents)
        except Invalid:
            raise
        except DeliveryError as exc:
            raise Ambiguous(
                f"kantata: participation {pid} created for {what}, its rate not set "
                f"({exc.message}); look it up to finish"
            ) from exc
        return pid

    async def find_staffing(
        self, assignment: Assignment, *, workspace_id: str
    ) -> str | None:
        """The participation staffing ``assignment``, its rate made right; or None."""
        found = await self._find(
            "participations",
            "assignment",
            assignment.id,
            {"workspace_id": workspace_id},
        )
        if found is None:
            return None
        cents = _mapped(
            lambda: rate_in_cents(assignment), f"assignment {assignment.id}"
        )
        pid = str(found["id"])
        if found.get("rate_in_cents") != cents:
            await self._set_rate(pid, cents)
        return pid

    async def _set_rate(self, pid: str, cents: int) -> None:
        await self.client.update(
            "participations", pid, "participation", {"rate_in_cents": cents}
        )

    async def _find(
        self,
        collection: str,
        model: str,
        baton_id: str,
        extra: Mapping[str, str],
    ) -> dict[str, Any] | None:
        params: dict[str, Any] = {
            **extra,
            "external_reference_service_name": SERVICE_NAME,
            "external_reference_service_model": model,
            "external_reference_service_model_ref": baton_id,
            "include": "external_references",
            "per_page": MAX_PER_PAGE,
        }
        number = 1
        while True:
            doc = await self.client.get(collection, {**params, "page": number})
            refs = doc.get("external_references") or {}
            for record in reassemble(doc):
                for rid in record.get("external_reference_ids") or []:
                    ref = refs.get(str(rid)) or {}
                    if (
                        ref.get("service_name") == SERVICE_NAME
                        and ref.get("service_model") == model
                        and str(ref.get("service_model_ref")) == baton_id
                    ):
                        return record
            if number >= int(doc.get("meta", {}).get("page_count", number)):
                return None
            number += 1
