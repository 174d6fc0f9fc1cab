"""The ``baton`` command: parse, bootstrap, call. No business logic here.

Every error the user can cause ends as one plain line on stderr and a
non-zero exit status, never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from baton import __version__
from baton.cli_connectors import connectors_app, pull
from baton.config import (
    DEFAULT_STORE,
    ConfigError,
    Settings,
    TargetSettings,
    load_settings,
)

app = typer.Typer(
    help="Baton: the integration hub for professional-services firms.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
refdata_app = typer.Typer(
    help="Reference data (projects, workers, pay codes).", no_args_is_help=True
)
config_app = typer.Typer(help="Configuration.", no_args_is_help=True)
quarantine_app = typer.Typer(help="Records held back by a rule.", no_args_is_help=True)
dead_app = typer.Typer(help="Deliveries that gave up.", no_args_is_help=True)
schema_app = typer.Typer(
    help="The canonical model's JSON Schemas.", no_args_is_help=True
)
sandbox_app = typer.Typer(help="Local vendor sandboxes.", no_args_is_help=True)
payroll_app = typer.Typer(help="Payroll import files.", no_args_is_help=True)
analytics_app = typer.Typer(help="BI datasets (DuckDB, Parquet).", no_args_is_help=True)
app.add_typer(refdata_app, name="refdata")
app.add_typer(config_app, name="config")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(dead_app, name="deadletter")
app.add_typer(schema_app, name="schema")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(payroll_app, name="payroll")
app.add_typer(analytics_app, name="analytics")
app.add_typer(connectors_app, name="connectors")
app.command("pull")(pull)

out = Console()
err = Console(stderr=True)

StoreOpt = Annotated[
    str | None, typer.Option("--store", help=f"store URL (default {DEFAULT_STORE})")
]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="baton.yaml", exists=False)
]
ErpOpt = Annotated[
    str | None, typer.Option("--erp-url", help="the ERP's time-entry collection URL")
]


def _settings(
    config: Path | None, store: str | None, erp_url: str | None = None, **kw: Any
) -> Settings:
    erp = TargetSettings(url=erp_url) if erp_url else None
    return load_settings(config, store=store, erp=erp, **kw)


def _version(value: bool) -> None:
    if value:
        out.print(f"baton {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="print the version"
        ),
    ] = False,
) -> None:
    """Baton: the integration hub for professional-services firms."""


@app.command()
def serve(
    store: StoreOpt = None,
    port: Annotated[int | None, typer.Option(help="HTTP port (default 8000)")] = None,
    host: Annotated[
        str | None, typer.Option(help="bind address (default 127.0.0.1)")
    ] = None,
    erp_url: ErpOpt = None,
    config: ConfigOpt = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "warning",
) -> None:
    """Run the hub: the API, the dispatcher and housekeeping."""
    from baton.serve import run_server

    settings = _settings(
        config, store, erp_url, port=port, host=host, log_level=log_level
    )
    run_server(settings)


@app.command()
def migrate(store: StoreOpt = None, config: ConfigOpt = None) -> None:
    """Create or upgrade the store's schema."""
    from baton.store.factory import open_store

    settings = _settings(config, store)
    open_store(settings.store).close()
    out.print(f"store at {settings.store} is up to date")


@refdata_app.command("load")
def refdata_load(
    directory: Annotated[
        Path,
        typer.Argument(help="folder with projects.json, workers.json, pay_codes.json"),
    ],
    store: StoreOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Validate and load reference data into the store (creating it if needed)."""
    from baton.mdm.refdata import KINDS, load_dir
    from baton.store.factory import open_store

    settings = _settings(config, store)
    db = open_store(settings.store)
    try:
        with Progress(
            console=err, transient=True, disable=not err.is_terminal
        ) as progress:
            task = progress.add_task("loading reference data", total=len(KINDS))
            counts = load_dir(db, directory)
            progress.update(task, completed=len(KINDS))
    finally:
        db.close()
    out.print("loaded " + ", ".join(f"{n} {kind}s" for kind, n in counts.items()))


@config_app.command("check")
def config_check(
    file: Annotated[Path, typer.Argument(help="the configuration file")] = Path(
        "baton.yaml"
    ),
) -> None:
    """Validate a configuration file; list every problem."""
    from baton.connectors import catalog

    settings = load_settings(file)
    configured = catalog.configure(settings.connectors)
    erp = settings.erp.url if settings.erp else settings.approved_time.target
    names = ", ".join(f"{c.name} ({c.kind})" for c in configured.values()) or "none"
    out.print(
        f"{file}: ok (store {settings.store}, ERP {erp or 'not set'}, connectors {names})"
    )


def _open(config: Path | None, store: str | None, erp_url: str | None = None) -> Any:
    from baton.bootstrap import build

    return build(_settings(config, store, erp_url))


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

    db = open_store(_settings(config, store).store)
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

    db = open_store(_settings(config, store).store)
    row = db.get_quarantine(item_id)
    db.close()
    if row is None:
        raise UserError(f"no quarantine item {item_id}")
    doc = dataclasses.asdict(row)
    doc["payload"] = json.loads(row.payload)
    out.print_json(data=doc)


def _print_plans(plans: list[Any], dry_run: bool) -> None:
    import dataclasses

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
    if not plans:
        return
    _ = dataclasses


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

    db = open_store(_settings(config, store).store)
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

    db = open_store(_settings(config, store).store)
    try:
        plans = Replayer(db, None).dead_letters(  # type: ignore[arg-type]
            Selection(ids, None, None, all_items), dry_run=dry_run, actor="cli"
        )
    finally:
        db.close()
    _print_plans(plans, dry_run)


@app.command()
def status(store: StoreOpt = None, config: ConfigOpt = None) -> None:
    """Counts of inbox, deliveries, quarantine and dead letters by state."""
    from baton.store.factory import open_store

    db = open_store(_settings(config, store).store)
    counts = db.counts()
    db.close()
    table = Table("what", "state", "count")
    for what, states in counts.items():
        for state, n in sorted(states.items()):
            table.add_row(what, state, str(n))
    out.print(table)


@schema_app.command("export")
def schema_export(
    out_dir: Annotated[Path, typer.Option("--out", help="folder to write into")] = Path(
        "schema"
    ),
) -> None:
    """Write one JSON Schema per canonical entity."""
    from baton.model.schema import export_schemas

    paths = export_schemas(out_dir)
    out.print(f"wrote {len(paths)} schemas to {out_dir}")


@payroll_app.command("export")
def payroll_export(
    start: Annotated[
        str, typer.Option("--from", help="first day of the pay period (ISO)")
    ],
    end: Annotated[str, typer.Option("--to", help="last day of the pay period (ISO)")],
    store: StoreOpt = None,
    config: ConfigOpt = None,
    layout: Annotated[str, typer.Option(help="adp (pay data batch) or csv")] = "adp",
    out_dir: Annotated[Path, typer.Option("--out", help="folder for the file")] = Path(
        "payroll"
    ),
    company: Annotated[str, typer.Option(help="ADP company code")] = "BTN",
    again: Annotated[
        str | None, typer.Option(help="rebuild this exported batch")
    ] = None,
) -> None:
    """Export the period's approved hours not exported before (never twice)."""
    import datetime as dt

    from baton.connectors.payroll.export import export_period
    from baton.mdm.refdata import load_store
    from baton.store.factory import open_store

    try:
        period = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError as exc:
        raise UserError(f"--from/--to: {exc}") from exc
    db = open_store(_settings(config, store).store)
    try:
        ids = {w: r.erp_employee_id for w, r in load_store(db).workers.items()}
        res = export_period(
            db,
            out_dir,
            *period,
            layout=layout,
            company_code=company,
            payroll_ids=ids,
            again=again,
        )
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    finally:
        db.close()
    if res.path is None:
        out.print(f"nothing new to export for {start}..{end}")
        return
    out.print(
        f"batch {res.batch_id}: {res.workers} workers, {res.entries} entries, "
        f"{res.hours} hours -> {res.path} (sha256 {res.sha256})"
    )


@analytics_app.command("publish")
def analytics_publish(
    store: StoreOpt = None,
    config: ConfigOpt = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="folder for baton.duckdb and *.parquet")
    ] = Path("analytics"),
) -> None:
    """Refresh the BI datasets: a DuckDB file and one Parquet file per dataset."""
    from baton.analytics.publish import publish
    from baton.store.factory import open_store

    db = open_store(_settings(config, store).store)
    try:
        done = publish(db, out_dir)
    finally:
        db.close()
    rows = ", ".join(f"{name} {n}" for name, n in done.rows.items())
    out.print(
        f"published to {done.database} and {len(done.parquet)} Parquet files: {rows}"
    )


@sandbox_app.command("run")
def sandbox_run(
    vendor: Annotated[
        str,
        typer.Argument(
            help="erp, bamboohr, harvest, hubspot, kantata, netsuite, salesforce, workday, xero"
        ),
    ],
    port: Annotated[int, typer.Option(help="port")] = 18080,
) -> None:
    """Run a vendor sandbox on 127.0.0.1 until Ctrl-C."""
    from aiohttp import web

    from baton.connectors.registry import SANDBOXES, sandbox_app

    if vendor not in SANDBOXES:
        raise UserError(
            f"no sandbox named {vendor!r} (available: {', '.join(SANDBOXES)})"
        )
    out.print(f"{vendor} sandbox on http://127.0.0.1:{port}")
    web.run_app(sandbox_app(vendor), host="127.0.0.1", port=port, print=None)


@app.command()
def demo(
    once: Annotated[
        bool, typer.Option("--once", help="exit after the summary (JSON last line)")
    ] = False,
    port: Annotated[int, typer.Option(help="API port (0: any free port)")] = 8000,
    state_dir: Annotated[Path, typer.Option("--dir", help="state folder")] = Path(
        ".baton"
    ),
) -> None:
    """Run the demo: sandbox ERP, hub, a batch of approved time, a summary."""
    from baton.demo import run_demo

    summary = asyncio.run(run_demo(state_dir, port=port, once=once, console=out))
    if once:
        sys.stdout.write(json.dumps(summary, sort_keys=True) + "\n")


class UserError(Exception):
    """A mistake the user can fix; shown as one line."""


def main() -> None:
    """Entry point: run the app; known errors become one line and exit 1."""
    from baton.mdm.refdata import RefDataError
    from baton.store.factory import StoreError
    from baton.workflows.replay import ReplayError

    try:
        app()
    except (
        ConfigError,
        StoreError,
        RefDataError,
        ReplayError,
        UserError,
        OSError,
    ) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
