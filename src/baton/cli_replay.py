"""``baton quarantine …`` and ``baton deadletter …``: held-back records and give-ups."""

from __future__ import annotations

import json
from pathlib import Path  # noqa: TC003 - typer reads the annotations at runtime
from typing import Annotated, Any

import typer
from rich.table import Table

from baton.cli_common import ConfigOpt, ErpOpt, StoreOpt, UserError, out, settings_from

__all__ = ["dead_app", "quarantine_app"]

quarantine_app = typer.Typer(help="Records held back by a rule.", no_args_is_help=True)
dead_app = typer.Typer(help="Deliveries that gave up.", no_args_is_help=True)


def _open(config: Path | None, store: str | None, erp_url: str | None = None) -> Any:
    from baton.bootstrap import build

    return build(settings_from(config, store, erp_url))


@quarantine_app.command("list")
def quarantine_list(
    store: StoreOpt = None,
    config: ConfigOpt = None,
    owner: Annotated[str | None, typer.Option(help="owning team")] = None,
    rule: Annotated[str | None, typer.Option(help="rule code")] = None,
    status: Annotated[str, typer.Option(help="open | replayed | discarded")] = "open",
) -> None:
    """List quarantined records with reason, owner and amount at stake."""
    from baton.store.factory import open_store

    db = open_store(settings_from(config, store).store)
    rows = db.list_quarantine(status, owner, rule)
    db.close()
    table = Table("id", "entity", "record", "rule", "owner", "amount", "reason")
    for r in rows:
        amount = f"{r.amount} {r.currency}" if r.amount else ""
        table.add_row(
            r.id, r.entity, r.canonical_id, r.rule, r.owner_team, amount, r.reason
        )
    out.print(table)
    out.print(f"{len(rows)} item(s)")


@quarantine_app.command("show")
def quarantine_show(
    item_id: str, store: StoreOpt = None, config: ConfigOpt = None
) -> None:
    """Show one quarantined record in full (JSON)."""
    import dataclasses

    from baton.store.factory import open_store

    db = open_store(settings_from(config, store).store)
    row = db.get_quarantine(item_id)
    db.close()
    if row is None:
        raise UserError(f"no quarantine item {item_id}")
    doc = dataclasses.asdict(row)
    doc["payload"] = json.loads(row.payload)
    out.print_json(data=doc)


def _print_plans(plans: list[Any], dry_run: bool) -> None:
    verb = "would" if dry_run else "will"
    for p in plans:
        if p.action == "still_rejected":
            out.print(f"{p.item_id}: still rejected ({p.rule}): {p.reason}")
            continue
        out.print(
            f"{p.item_id}: {verb} {p.action} to {p.target} key={p.idempotency_key}"
        )
        out.print_json(data={"body": p.body, "changes": p.changes})
    out.print(f"{len(plans)} item(s){' (dry run: nothing sent)' if dry_run else ''}")


@quarantine_app.command("replay")
def quarantine_replay(
    ids: Annotated[list[str] | None, typer.Argument(help="item ids")] = None,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    erp_url: ErpOpt = None,
    rule: Annotated[
        str | None, typer.Option(help="all open items of this rule")
    ] = None,
    owner: Annotated[
        str | None, typer.Option(help="all open items of this team")
    ] = None,
    all_items: Annotated[bool, typer.Option("--all", help="every open item")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="preview only")] = False,
    payload: Annotated[
        Path | None, typer.Option(help="edited payload (JSON file), one id")
    ] = None,
) -> None:
    """Replay quarantined records (preview first with --dry-run)."""
    from baton.workflows.replay import Replayer, Selection

    hub = _open(config, store, erp_url)
    edited = json.loads(payload.read_text()) if payload else None
    try:
        plans = Replayer(hub.store, hub.time_entries).quarantine(
            Selection(ids, rule, owner, all_items),
            dry_run=dry_run,
            actor="cli",
            payload=edited,
        )
    finally:
        hub.committer.close()
        hub.store.close()
    _print_plans(plans, dry_run)


@dead_app.command("list")
def deadletter_list(store: StoreOpt = None, config: ConfigOpt = None) -> None:
    """List open dead letters."""
    from baton.store.factory import open_store

    db = open_store(settings_from(config, store).store)
    rows = db.list_dead_letters("open")
    db.close()
    table = Table("id", "delivery", "target", "attempts", "reason")
    for r in rows:
        table.add_row(r.id, r.delivery_id, r.target, str(r.attempts), r.reason)
    out.print(table)
    out.print(f"{len(rows)} item(s)")


@dead_app.command("replay")
def deadletter_replay(
    ids: Annotated[list[str] | None, typer.Argument(help="dead letter ids")] = None,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    all_items: Annotated[
        bool, typer.Option("--all", help="every open dead letter")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="preview only")] = False,
) -> None:
    """Replay dead letters (each is looked up in the target before resending)."""
    from baton.store.factory import open_store
    from baton.workflows.replay import Replayer, Selection

    db = open_store(settings_from(config, store).store)
    try:
        plans = Replayer(db, None).dead_letters(  # type: ignore[arg-type]
            Selection(ids, None, None, all_items), dry_run=dry_run, actor="cli"
        )
    finally:
        db.close()
    _print_plans(plans, dry_run)
