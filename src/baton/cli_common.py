"""What every ``baton`` sub-command shares: consoles, options, settings, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from baton.config import DEFAULT_STORE, Settings, TargetSettings, load_settings

__all__ = [
    "ConfigOpt",
    "ErpOpt",
    "StoreOpt",
    "UserError",
    "err",
    "out",
    "settings_from",
]

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


class UserError(Exception):
    """A mistake the user can fix; shown as one line."""


def settings_from(
    config: Path | None, store: str | None, erp_url: str | None = None, **kw: Any
) -> Settings:
    """Settings from the file, with the command line's options on top."""
    erp = TargetSettings(url=erp_url) if erp_url else None
    return load_settings(config, store=store, erp=erp, **kw)
