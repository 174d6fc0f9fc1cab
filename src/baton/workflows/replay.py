"""Replay of quarantined and dead-lettered items, with a dry-run preview.

A preview shows exactly what would be sent: the target, the idempotency key
and the body (re-mapped with today's reference data for an entry that never
left the hub), plus the fields that changed. Replaying a delivery that may
already have reached its target always looks it up there before resending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import orjson
from pydantic import ValidationError

from baton.store.ports import ItemNotOpenError
from baton.workflows.time_entry import TimeEntryIn

if TYPE_CHECKING:
    from collections.abc import Callable

    from baton.store.ports import QuarantineRow
    from baton.store.sql import SqlStore
    from baton.workflows.time_entry import TimeEntryFlow

__all__ = ["ReplayError", "ReplayPlan", "Replayer", "Selection"]


class ReplayError(ValueError):
    """The replay request cannot be carried out (the message says why)."""


@dataclass(frozen=True, slots=True)
class Selection:
    """Which items: explicit ids, a rule and/or owner filter, or all open ones."""

    ids: list[str] | None = None
    rule: str | None = None
    owner_team: str | None = None
    all: bool = False

    def check(self) -> None:
        """Refuse an empty selection (replaying everything must be explicit)."""
        if not (self.ids or self.rule or self.owner_team or self.all):
            raise ReplayError("say which items: ids, --rule, --owner or --all")


@dataclass(frozen=True, slots=True)
class ReplayPlan:
    """What a replay does (or would do) with one item.

    ``action``: ``send`` (a new delivery), ``resend`` (reopen the delivery;
    looked up first), ``still_rejected`` (a rule still fails: nothing sent).
    """

    item_id: str
    action: Literal["send", "resend", "still_rejected"]
    target: str | None = None
    idempotency_key: str | None = None
    body: Any = None
    changes: dict[str, Any] = field(default_factory=dict)
    rule: str | None = None
    reason: str | None = None


def _changes(old: Any, new: Any) -> dict[str, Any]:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return {} if old == new else {"(body)": {"from": old, "to": new}}
    return {
        k: {"from": old.get(k), "to": new.get(k)}
        for k in sorted(set(old) | set(new))
        if old.get(k) != new.get(k)
    }


class Replayer:
    """Plans and carries out replays against one store and the time-entry flow."""

    def __init__(self, store: SqlStore, flow: TimeEntryFlow) -> None:
        self.store = store
        self.flow = flow

    # -- quarantine ------------------------------------------------------------
    def quarantine(
        self,
        sel: Selection,
        *,
        dry_run: bool,
        actor: str,
        payload: dict[str, Any] | None = None,
    ) -> list[ReplayPlan]:
        """Preview or replay the selected open quarantine items.

        Raises:
            ReplayError: empty selection, unknown id, or a payload with several ids.
        """
        sel.check()
        items = self._select_quarantine(sel)
        if payload is not None and len(items) != 1:
            raise ReplayError("an edited payload replays exactly one item")
        plans = []
        for item in items:
            body = orjson.dumps(payload).decode() if payload is not None else None
            plan = self._plan_quarantine(item, body, dry_run=dry_run, actor=actor)
            plans.append(plan)
        return plans

    @staticmethod
    def _closing(replay: Callable[..., None], *args: Any) -> None:
        """Run a store replay; an item resolved meanwhile is a ReplayError."""
        try:
            replay(*args)
        except ItemNotOpenError as exc:
            raise ReplayError(f"{exc} (replayed meanwhile?); nothing changed") from exc

    def _select_quarantine(self, sel: Selection) -> list[QuarantineRow]:
        if sel.ids:
            rows = []
            for item_id in sel.ids:
                row = self.store.get_quarantine(item_id)
                if row is None:
                    raise ReplayError(f"no quarantine item {item_id}")
                if row.status != "open":
                    raise ReplayError(
                        f"quarantine item {item_id} is already {row.status}"
                    )
                rows.append(row)
            return rows
        return self.store.list_quarantine(
            "open", sel.owner_team, sel.rule, limit=100_000
        )

    def _plan_quarantine(
        self, item: QuarantineRow, edited: str | None, *, dry_run: bool, actor: str
    ) -> ReplayPlan:
        old = orjson.loads(item.payload)
        if item.delivery_id is not None:  # the target rejected it: resend
            d = self.store.get_delivery(item.delivery_id)
            if d is None:
                raise ReplayError(f"delivery {item.delivery_id} of {item.id} is gone")
            new = orjson.loads(edited) if edited else old
            if not dry_run:
                self._closing(
                    self.store.replay_delivery,
                    d.id,
                    edited,
                    ("quarantine", item.id),
                    actor,
                )
            return ReplayPlan(
                item.id, "resend", d.target, d.idempotency_key, new, _changes(old, new)
            )
        raw = edited or item.payload
        try:
            entry = TimeEntryIn.model_validate_json(raw)
        except ValidationError as exc:
            raise ReplayError(
                f"{item.id}: the payload is not a valid time entry: {exc}"
            ) from exc
        ingest = self.flow.plan(entry, raw)
        if ingest.delivery is None:
            q = ingest.quarantine
            assert q is not None
            return ReplayPlan(item.id, "still_rejected", rule=q.rule, reason=q.reason)
        nd = ingest.delivery
        body = orjson.loads(nd.payload)
        if not dry_run:
            self._closing(self.store.replay_ingress, item, nd, ingest.record, actor)
        return ReplayPlan(
            item.id,
            "send",
            nd.target,
            nd.idempotency_key,
            body,
            _changes(old, orjson.loads(raw)) if edited else {},
        )

    # -- dead letters ------------------------------------------------------------
    def dead_letters(
        self, sel: Selection, *, dry_run: bool, actor: str
    ) -> list[ReplayPlan]:
        """Preview or replay the selected open dead letters.

        Raises:
            ReplayError: empty selection or unknown id.
        """
        sel.check()
        if sel.rule or sel.owner_team:
            raise ReplayError("dead letters have no rule or owner: give ids or --all")
        if sel.ids:
            rows = []
            for item_id in sel.ids:
                row = self.store.get_dead_letter(item_id)
                if row is None or row.status != "open":
                    raise ReplayError(f"no open dead letter {item_id}")
                rows.append(row)
        else:
            rows = self.store.list_dead_letters("open", limit=100_000)
        plans = []
        for row in rows:
            d = self.store.get_delivery(row.delivery_id)
            if d is None:
                raise ReplayError(f"delivery {row.delivery_id} of {row.id} is gone")
            if not dry_run:
                self._closing(
                    self.store.replay_delivery,
                    d.id,
                    None,
                    ("dead_letter", row.id),
                    actor,
                )
            plans.append(
                ReplayPlan(
                    row.id,
                    "resend",
                    d.target,
                    d.idempotency_key,
                    orjson.loads(d.payload),
                    reason=row.reason,
                )
            )
        return plans
