"""``baton connectors list|check`` and ``baton pull``: the configured vendors.

Thin like :mod:`baton.cli`: settings → :mod:`baton.connectors.catalog` →
print. A vendor error never escapes as a traceback: ``check`` reports it per
connector and exits 1 when any failed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from baton.cli_common import out
from baton.config import ConfigError, load_settings

if TYPE_CHECKING:
    from baton.connectors.catalog import Checked, Configured

__all__ = ["connectors_app", "pull"]

connectors_app = typer.Typer(
    help="Vendor connectors configured in baton.yaml.", no_args_is_help=True
)

ConfigOpt = Annotated[
    Path, typer.Option("--config", "-c", help="baton.yaml with a connectors: section")
]


def _configured(config: Path) -> dict[str, Configured]:
    from baton.connectors import catalog

    settings = load_settings(config)
    if not settings.connectors:
        raise ConfigError(f"{config}: no connectors configured")
    return catalog.configure(settings.connectors)


@connectors_app.command("kinds")
def connectors_kinds(
    kind: Annotated[str | None, typer.Argument(help="one kind (default: all)")] = None,
) -> None:
    """The connector kinds and their settings; secrets come from the environment."""
    from baton.connectors import catalog

    kinds = sorted(catalog.KINDS) if kind is None else [kind]
    if kind is not None and kind not in catalog.KINDS:
        raise ConfigError(
            f"{kind!r} is not a connector (known: {sorted(catalog.KINDS)})"
        )
    table = Table("kind", "setting", "required", "default / source")
    for k in kinds:
        for f in catalog.fields(k):
            where = (
                f"env BATON_CONNECTORS__<NAME>__{f.name.upper()}"
                if f.secret
                else f.default
            )
            table.add_row(k, f.name, "yes" if f.required else "", where)
    out.print(table)


@connectors_app.command("list")
def connectors_list(config: ConfigOpt = Path("baton.yaml")) -> None:
    """Each connector: kind, roles, the limiter account and its limit."""
    from baton.connectors import catalog

    configured = _configured(config)
    limits = catalog.limits(configured)
    table = Table("name", "kind", "roles", "account", "limit")
    for c in configured.values():
        rl = limits.get(c.account)
        limit = (
            "none"
            if rl is None
            else f"{rl.requests} / {rl.per_seconds:g} s, {rl.concurrency} at once"
        )
        table.add_row(c.name, c.kind, ", ".join(c.roles), c.account, limit)
    out.print(table)


async def _check_all(configured: dict[str, Configured]) -> list[tuple[str, Checked]]:
    from baton.connectors import catalog
    from baton.engine.limiter import LimiterRegistry

    builders = {
        "source": catalog.build_source,
        "target": catalog.build_target,
        "writer": catalog.build_writer,
    }
    limiters = LimiterRegistry(catalog.limits(configured))
    results: list[tuple[str, Checked]] = []
    for c in configured.values():
        for role in c.roles:
            connector: Any = builders[role](c, limiters)
            try:
                results.append((role, await catalog.check(c.name, c.kind, connector)))
            finally:
                await connector.close()
    return results


@connectors_app.command("check")
def connectors_check(config: ConfigOpt = Path("baton.yaml")) -> None:
    """One authenticated read per connector and role; exit 1 if any fails."""
    results = asyncio.run(_check_all(_configured(config)))
    table = Table("name", "kind", "role", "result", "seconds")
    for role, r in results:
        shown = "[green]ok[/green]" if r.ok else f"[red]{r.detail}[/red]"
        table.add_row(r.name, r.kind, role, shown, f"{r.seconds:.2f}")
    out.print(table)
    if not all(r.ok for _, r in results):
        raise typer.Exit(1)


async def _settle(hub: Any, wait: float) -> None:
    """Wait up to ``wait`` seconds for the deliveries in flight to finish."""
    for _ in range(max(1, int(wait / 0.05))):
        if not hub.dispatcher.backlog:
            return
        await asyncio.sleep(0.05)


async def _pull(
    config: Path, only: str | None, wait: float
) -> dict[str, dict[str, int]]:
    from baton.bootstrap import build
    from baton.workflows.time_pull import pull_time_entries, time_entry_stream

    hub = build(load_settings(config))
    names = list(hub.sources)
    if only is not None:
        if only not in hub.sources:
            raise ConfigError(f"{only} is not in approved_time.sources ({names})")
        names = [only]
    if not names:
        raise ConfigError(f"{config}: approved_time.sources is empty")
    await hub.start(pull=False)
    reports: dict[str, dict[str, int]] = {}
    try:
        for name in names:
            stream = time_entry_stream(hub.sources[name])
            report = await pull_time_entries(
                stream, hub.time_entries, hub.store, source=name
            )
            reports[name] = {
                "pages": report.pages,
                "skipped": report.skipped,
                **report.outcomes,
            }
        await _settle(hub, wait)
    finally:
        await hub.stop()
    return reports


def pull(
    config: ConfigOpt = Path("baton.yaml"),
    source: Annotated[
        str | None, typer.Option(help="only this source (default: every source)")
    ] = None,
    wait: Annotated[
        float, typer.Option(help="seconds to wait for the deliveries to finish")
    ] = 60.0,
) -> None:
    """Pull approved time once from the sources into the flow, then wait for it.

    Deliveries still retrying after ``--wait`` stay in the store; ``baton
    serve`` (or the next pull) finishes them.
    """
    reports = asyncio.run(_pull(config, source, wait))
    table = Table("source", "pages", "skipped", "answers")
    for name, r in reports.items():
        answers = {k: v for k, v in r.items() if k not in ("pages", "skipped")}
        shown = ", ".join(f"{k} {v}" for k, v in sorted(answers.items())) or "none"
        table.add_row(name, str(r["pages"]), str(r["skipped"]), shown)
    out.print(table)
