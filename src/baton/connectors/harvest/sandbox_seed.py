"""Seed data for :class:`~baton.connectors.harvest.sandbox.HarvestSandbox`.

Records look like the spec's examples; ``updated_at`` comes from a clock
that ticks one second per record written, from 2024-01-01T00:00:00Z.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

__all__ = ["HarvestSeed"]

_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


class HarvestSeed:
    """The sandbox's records and the helpers that seed and change them."""

    records: dict[str, list[dict[str, Any]]]

    def seed_init(self) -> None:
        """Empty collections, ids from 1000, the clock at the epoch."""
        self.records = {
            "time_entries": [],
            "users": [],
            "projects": [],
            "user_assignments": [],
            "expenses": [],
            "task_assignments": [],
        }
        self._ids = itertools.count(1000)
        self._clock = itertools.count(1)

    # -- seed data -------------------------------------------------------------
    def now(self) -> str:
        """The next ``updated_at``: one second later at each call."""
        at = _EPOCH + dt.timedelta(seconds=next(self._clock))
        return at.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _add(self, key: str, record: dict[str, Any]) -> dict[str, Any]:
        record.setdefault("id", next(self._ids))
        record.setdefault("created_at", self.now())
        record.setdefault("updated_at", record["created_at"])
        self.records[key].append(record)
        return record

    def add_user(
        self, first: str = "Kim", last: str = "Allen", **over: Any
    ) -> dict[str, Any]:
        """Seed a user."""
        email = f"{first.lower()}.{last.lower()}@example.com"
        return self._add(
            "users",
            {
                "first_name": first,
                "last_name": last,
                "email": email,
                "timezone": "Europe/London",
                "is_contractor": False,
                "is_active": True,
                "weekly_capacity": 126000,
                "default_hourly_rate": 100.0,
                "cost_rate": 50.0,
                "roles": [],
                "access_roles": ["member"],
                **over,
            },
        )

    def add_project(self, code: str = "MW", **over: Any) -> dict[str, Any]:
        """Seed a project of client 5735774 (USD)."""
        return self._add(
            "projects",
            {
                "client": {"id": 5735774, "name": "ABC Corp", "currency": "USD"},
                "name": f"Project {code}",
                "code": code,
                "is_active": True,
                "is_billable": True,
                "is_fixed_fee": False,
                "bill_by": "Project",
                "hourly_rate": 100.0,
                "budget": None,
                "budget_by": "none",
                "starts_on": "2024-01-01",
                "ends_on": None,
                **over,
            },
        )

    def add_user_assignment(
        self, user: dict[str, Any], project: dict[str, Any], **over: Any
    ) -> dict[str, Any]:
        """Seed a user's assignment to a project."""
        return self._add(
            "user_assignments",
            {
                "project": {
                    "id": project["id"],
                    "name": project["name"],
                    "code": project["code"],
                },
                "user": {"id": user["id"], "name": user["first_name"]},
                "is_active": True,
                "is_project_manager": False,
                "use_default_rates": False,
                "hourly_rate": 120.0,
                "budget": None,
                **over,
            },
        )

    def add_time_entry(
        self, user: dict[str, Any], project: dict[str, Any], **over: Any
    ) -> dict[str, Any]:
        """Seed a stopped, unlocked time entry of 1.5 hours."""
        return self._add(
            "time_entries",
            {
                "spent_date": "2024-03-01",
                "user": {"id": user["id"], "name": user["first_name"]},
                "client": project["client"],
                "project": {"id": project["id"], "name": project["name"]},
                "task": {"id": 8083365, "name": "Graphic Design"},
                "hours": 1.5,
                "rounded_hours": 1.5,
                "notes": "",
                "is_locked": False,
                "locked_reason": None,
                "is_closed": False,
                "is_billed": False,
                "is_running": False,
                "billable": True,
                "invoice": None,
                "external_reference": None,
                **over,
            },
        )

    def add_expense(
        self, user: dict[str, Any], project: dict[str, Any], **over: Any
    ) -> dict[str, Any]:
        """Seed an open (not approved, not invoiced) meal of 33.35 on the project."""
        return self._add(
            "expenses",
            {
                "spent_date": "2024-03-01",
                "user": {"id": user["id"], "name": user["first_name"]},
                "client": project["client"],
                "project": {
                    "id": project["id"],
                    "name": project["name"],
                    "code": project["code"],
                },
                "expense_category": {
                    "id": 4195926,
                    "name": "Meals",
                    "unit_price": None,
                    "unit_name": None,
                },
                "units": 1,
                "total_cost": 33.35,
                "notes": "Lunch with client",
                "billable": True,
                "is_closed": False,
                "is_locked": False,
                "is_billed": False,
                "locked_reason": None,
                "receipt": None,
                "invoice": None,
                **over,
            },
        )

    def add_task_assignment(
        self,
        project: dict[str, Any],
        task_id: int = 8083365,
        task_name: str = "Graphic Design",
        **over: Any,
    ) -> dict[str, Any]:
        """Seed an active, billable assignment of a task to a project."""
        return self._add(
            "task_assignments",
            {
                "project": {
                    "id": project["id"],
                    "name": project["name"],
                    "code": project["code"],
                },
                "task": {"id": task_id, "name": task_name},
                "is_active": True,
                "billable": True,
                "hourly_rate": 100.0,
                "budget": None,
                **over,
            },
        )

    def touch(self, key: str, record_id: int, **changes: Any) -> dict[str, Any]:
        """Change a record and give it a new ``updated_at``."""
        record = next(r for r in self.records[key] if r["id"] == record_id)
        record.update(changes, updated_at=self.now())
        return record
