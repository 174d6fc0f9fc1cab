"""``baton schema|payroll|analytics|sandbox …``: files out, sandboxes up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from baton.cli_common import ConfigOpt, StoreOpt, UserError, out, settings_from

__all__ = ["analytics_app", "payroll_app", "sandbox_app", "schema_app"]

schema_app = typer.Typer(
    help="The canonical model's JSON Schemas.", no_args_is_help=True
)
sandbox_app = typer.Typer(help="Local vendor sandboxes.", no_args_is_help=True)
payroll_app = typer.Typer(help="Payroll import files.", no_args_is_help=True)
analytics_app = typer.Typer(help="BI datasets (DuckDB, Parquet).", no_args_is_help=True)


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
    db = open_store(settings_from(config, store).store)
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

    db = open_store(settings_from(config, store).store)
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
