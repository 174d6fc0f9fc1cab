"""One typed configuration: defaults < ``BATON_*`` env < ``baton.yaml`` < CLI options.

Secrets never live in the file; they come from the environment (later: the
encrypted store). ``baton config check`` validates a file with clear errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, overload

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from baton.engine.limiter import RateLimit
from baton.model.common import HoursPrecision

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "ApprovedTimeSettings",
    "BreakerSettings",
    "ConfigError",
    "ConnectorSettings",
    "RateLimitSettings",
    "RetrySettings",
    "Settings",
    "TargetSettings",
    "load_settings",
]

DEFAULT_STORE = "sqlite:///.baton/baton.db"


class ConfigError(ValueError):
    """The configuration is invalid; the message lists every problem."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RateLimitSettings(_Section):
    """At most ``requests`` per ``per_seconds`` and ``concurrency`` in flight."""

    requests: int = Field(gt=0)
    per_seconds: float = Field(gt=0)
    concurrency: int = Field(gt=0)

    def to_limit(self) -> RateLimit:
        """The engine's limit for these settings."""
        return RateLimit(self.requests, self.per_seconds, self.concurrency)


class RetrySettings(_Section):
    """Exponential backoff with full jitter, then the dead letter."""

    base_seconds: float = Field(0.5, ge=0)
    cap_seconds: float = Field(300.0, ge=0)
    horizon_seconds: float = Field(86_400.0, ge=0)
    max_attempts: int | None = Field(None, ge=1)


class BreakerSettings(_Section):
    """Open after ``failure_threshold`` transient failures in a row."""

    failure_threshold: int = Field(5, ge=1)
    reset_seconds: float = Field(10.0, ge=0)


class TargetSettings(_Section):
    """A generic REST target (the ERP of the approved-time flow)."""

    url: str = Field(pattern=r"^https?://[^/]+")
    timeout_seconds: float = Field(10.0, gt=0)
    max_connections: int = Field(100, gt=0)
    rate_limit: RateLimitSettings | None = None


class ConnectorSettings(_Section):
    """What every connector's settings hold (``connectors.<name>`` in the file).

    Each vendor package subclasses it in ``connectors/<vendor>/config.py``
    with its own fields; secrets are ``SecretStr`` fields given in the
    environment, e.g. ``BATON_CONNECTORS__PSA__TOKEN`` for connector ``psa``.

    Attributes:
        kind: the vendor package (``harvest``, ``netsuite`` …).
        url: the API root; None: the vendor's production URL.
        timeout_seconds: per request.
        rate_limit: None: the vendor's published limit (a little under it).
    """

    kind: str
    url: str | None = Field(None, pattern=r"^https?://[^/]+")
    timeout_seconds: float = Field(30.0, gt=0)
    rate_limit: RateLimitSettings | None = None

    @overload
    def limit_or(self, default: RateLimit) -> RateLimit: ...
    @overload
    def limit_or(self, default: None) -> RateLimit | None: ...
    def limit_or(self, default: RateLimit | None) -> RateLimit | None:
        """The configured ``rate_limit``, else ``default`` (the vendor's)."""
        return default if self.rate_limit is None else self.rate_limit.to_limit()


class ApprovedTimeSettings(_Section):
    """The approved-time flow: which connectors it pulls from and posts to.

    Attributes:
        target: the connector approved time is posted to (an ERP).
        sources: connectors whose approved time entries are pulled (PSAs).
        pull_seconds: how often each source is read from its stored cursor.
    """

    target: str | None = None
    sources: list[str] = Field(default_factory=list)
    pull_seconds: float = Field(60.0, gt=0)


class Settings(BaseSettings):
    """Everything Baton reads at start-up.

    Attributes:
        store: ``sqlite:///PATH`` (embedded default) or ``postgresql://…``.
        erp: the ERP target of the approved-time flow (None: not configured).
        hours_precision: ``quarter_hour`` (default) or ``minute``.
        dedupe_horizon_days: how long a received event id is remembered.
        wait_timeout_seconds: how long ``?wait=true`` waits before answering 202.
        max_body_bytes: larger request bodies are refused with 413.
        webhook_secrets: per vendor, the keys its webhooks are signed with.
        public_url: the hub's URL as vendors call it (behind a proxy or TLS
            terminator); signatures over the URL (HubSpot v3) are checked
            against it instead of the URL the hub sees.
        connectors: vendor connectors by name, each checked against its
            vendor's settings model when the hub is built
            (:mod:`baton.connectors.catalog`).
        approved_time: which connectors the approved-time flow uses.
    """

    model_config = SettingsConfigDict(
        env_prefix="BATON_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    store: str = DEFAULT_STORE
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    erp: TargetSettings | None = None
    hours_precision: HoursPrecision = HoursPrecision.QUARTER_HOUR
    dedupe_horizon_days: float = Field(30.0, gt=0)
    wait_timeout_seconds: float = Field(30.0, gt=0)
    max_body_bytes: int = Field(65_536, gt=0)
    retry: RetrySettings = RetrySettings()
    breaker: BreakerSettings = BreakerSettings()
    poll_seconds: float = Field(1.0, gt=0)
    # vendor → signing secrets (several during a rotation), taken from the
    # BATON_WEBHOOK_SECRETS environment variable as JSON
    webhook_secrets: dict[str, list[SecretStr]] = Field(default_factory=dict)
    public_url: str | None = Field(None, pattern=r"^https?://[^/]+")
    # raw until the catalog checks them; may hold secrets from the env: never shown
    connectors: dict[str, dict[str, Any]] = Field(default_factory=dict, repr=False)
    approved_time: ApprovedTimeSettings = ApprovedTimeSettings()
    log_level: str = "warning"


def _errors(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"{where}: {err['msg']}")
    return "; ".join(lines)


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Defaults, overridden by env, then by the YAML file, then by ``overrides``.

    Raises:
        ConfigError: the file is missing, not YAML, or has invalid values.
    """
    data: dict[str, Any] = {}
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"{path}: no such file")
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            flat = " ".join(str(exc).split())
            raise ConfigError(f"{path}: not valid YAML ({flat})") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path}: expected a mapping at the top level")
        data.update(loaded or {})
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**data)
    except ValidationError as exc:
        where = f"{path}: " if path is not None else ""
        raise ConfigError(where + _errors(exc)) from exc
