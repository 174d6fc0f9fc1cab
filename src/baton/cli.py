"""The ``baton`` command: parse, bootstrap, call. No business logic here.

Every error the user can cause ends as one plain line on stderr and a
non-zero exit status, never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from baton import __version__
from baton.cli_common import (
    ConfigOpt,
    ErpOpt,
    StoreOpt,
    UserError,
    err,
    out,
    settings_from,
)
from baton.cli_connectors import connectors_app, pull
from baton.cli_data import analytics_app, payroll_app, sandbox_app, schema_app
from baton.cli_replay import dead_app, quarantine_app
from baton.config import ConfigError, load_settings

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

    settings = settings_from(
        config, store, erp_url, port=port, host=host, log_level=log_level
    )
    run_server(settings)


@app.command()
def migrate(store: StoreOpt = None, config: ConfigOpt = None) -> None:
    """Create or upgrade the store's schema."""
    from baton.store.factory import open_store

    settings = settings_from(config, store)
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

    settings = settings_from(config, store)
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


@app.command()
def status(store: StoreOpt = None, config: ConfigOpt = None) -> None:
    """Counts of inbox, deliveries, quarantine and dead letters by state."""
    from baton.store.factory import open_store

    db = open_store(settings_from(config, store).store)
    counts = db.counts()
    db.close()
    table = Table("what", "state", "count")
    for what, states in counts.items():
        for state, n in sorted(states.items()):
            table.add_row(what, state, str(n))
    out.print(table)


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
