"""Connectors by kind: settings checked, limits gathered, sources and targets built.

``connectors:`` in ``baton.yaml`` names each connector and its ``kind``::

    connectors:
      psa: {kind: harvest, account_id: "123456"}   # token: BATON_CONNECTORS__PSA__TOKEN
      erp: {kind: netsuite, account_id: "1234567"}

Each kind is a package with a ``config.py`` module (copy
``connectors/xero/config.py``) that exports:

* ``Settings``: a :class:`baton.config.ConnectorSettings` subclass;
* ``account(settings) -> str``: the key the rate limiter is shared by (two
  connectors on one vendor account share one limiter);
* ``limit(settings) -> RateLimit | None``: the configured limit, else the
  vendor's published one (a little under it);
* ``target(settings, *, name, limiter)`` and/or
  ``source(settings, *, name, limiter)``: the built connector;
* optionally ``writer(settings, *, name, limiter)``: the vendor's write API
  for the workflows that create records there (CRM project codes, PSA
  projects and staffing), with ``health()`` and ``close()``.

Modules are imported on use, so a hub pays only for the vendors it runs.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from pydantic import ValidationError

from baton.config import ConfigError
from baton.connectors.base import Probe
from baton.engine.errors import DeliveryError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import ModuleType

    from baton.config import ConnectorSettings
    from baton.connectors.base import Source, Target
    from baton.engine.limiter import LimiterRegistry, RateLimit

__all__ = [
    "KINDS",
    "Checked",
    "Configured",
    "Field",
    "build_source",
    "build_target",
    "build_writer",
    "check",
    "configure",
    "fields",
    "limits",
]

KINDS: dict[str, str] = {
    "generic_rest": "baton.connectors.generic_rest.config",
    "bamboohr": "baton.connectors.bamboohr.config",
    "harvest": "baton.connectors.harvest.config",
    "hubspot": "baton.connectors.hubspot.config",
    "kantata": "baton.connectors.kantata.config",
    "netsuite": "baton.connectors.netsuite.config",
    "salesforce": "baton.connectors.salesforce.config",
    "tryton": "baton.connectors.tryton.config",
    "workday": "baton.connectors.workday.config",
    "xero": "baton.connectors.xero.config",
}


@dataclass(frozen=True, slots=True)
class Configured:
    """One configured connector, its settings checked against its vendor's model."""

    name: str
    settings: ConnectorSettings
    module: ModuleType

    @property
    def kind(self) -> str:
        """The vendor package's name."""
        return self.settings.kind

    @property
    def account(self) -> str:
        """The key of the rate limiter this connector shares."""
        return cast("str", self.module.account(self.settings))

    @property
    def roles(self) -> tuple[str, ...]:
        """``source``, ``target``, ``writer``: what the vendor package can build."""
        roles = ("source", "target", "writer")
        return tuple(r for r in roles if hasattr(self.module, r))


def _where(name: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(("connectors", name, *(str(p) for p in err["loc"])))
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def configure(connectors: Mapping[str, Mapping[str, Any]]) -> dict[str, Configured]:
    """Check every connector's settings against its vendor's model.

    Raises:
        ConfigError: unknown kinds or invalid settings, every problem named.
    """
    out: dict[str, Configured] = {}
    problems: list[str] = []
    for name, raw in connectors.items():
        kind = raw.get("kind")
        if kind not in KINDS:
            known = ", ".join(sorted(KINDS))
            problems.append(
                f"connectors.{name}.kind: {kind!r} is not a connector (known: {known})"
            )
            continue
        module = importlib.import_module(KINDS[kind])
        try:
            settings = module.Settings.model_validate(dict(raw))
        except ValidationError as exc:
            problems.append(_where(name, exc))
            continue
        out[name] = Configured(name, settings, module)
    if problems:
        raise ConfigError("; ".join(problems))
    return out


def limits(configured: Mapping[str, Configured]) -> dict[str, RateLimit]:
    """The rate limit of every vendor account the connectors use."""
    out: dict[str, RateLimit] = {}
    for c in configured.values():
        limit = c.module.limit(c.settings)
        if limit is not None:
            out.setdefault(c.account, limit)
    return out


def _build(c: Configured, role: str, limiters: LimiterRegistry) -> Any:
    factory = getattr(c.module, role, None)
    if factory is None:
        raise ConfigError(f"connectors.{c.name}: a {c.kind} connector is not a {role}")
    return factory(c.settings, name=c.name, limiter=limiters.get(c.account))


def build_target(c: Configured, limiters: LimiterRegistry) -> Target:
    """The connector as a target, sharing its account's limiter.

    Raises:
        ConfigError: the vendor package builds no target.
    """
    return cast("Target", _build(c, "target", limiters))


def build_source(c: Configured, limiters: LimiterRegistry) -> Source:
    """The connector as a source, sharing its account's limiter.

    Raises:
        ConfigError: the vendor package builds no source.
    """
    return cast("Source", _build(c, "source", limiters))


def build_writer(c: Configured, limiters: LimiterRegistry) -> Any:
    """The connector's write API (see the module docstring), sharing the limiter.

    Raises:
        ConfigError: the vendor package builds no writer.
    """
    return _build(c, "writer", limiters)


@dataclass(frozen=True, slots=True)
class Field:
    """One setting of a connector kind, for ``baton connectors kinds`` and the docs."""

    name: str
    required: bool
    secret: bool
    default: str


def fields(kind: str) -> list[Field]:
    """The kind's own settings (plus ``url``), in declaration order.

    Raises:
        KeyError: no such kind.
    """
    from baton.config import ConnectorSettings

    common = set(ConnectorSettings.model_fields) - {"url"}
    model = importlib.import_module(KINDS[kind]).Settings
    out = []
    for name, info in model.model_fields.items():
        if name in common:
            continue
        default = (
            ""
            if info.is_required()
            else repr(info.get_default(call_default_factory=True))
        )
        secret = "SecretStr" in str(info.annotation)
        out.append(Field(name, info.is_required(), secret, default))
    return out


@dataclass(frozen=True, slots=True)
class Checked:
    """What a health check found: ``ok``, or the classified error and message."""

    name: str
    kind: str
    ok: bool
    detail: str
    seconds: float


async def check(name: str, kind: str, connector: object) -> Checked:
    """Run ``connector.health()`` once and report, never raising a vendor error."""
    if not isinstance(connector, Probe):
        return Checked(name, kind, ok=False, detail="no health check", seconds=0.0)
    started = time.perf_counter()
    try:
        await connector.health()
    except DeliveryError as exc:
        detail = f"{type(exc).__name__}: {exc}"
        return Checked(name, kind, False, detail, time.perf_counter() - started)
    return Checked(name, kind, True, "ok", time.perf_counter() - started)
