"""Settings declared once, read from the environment the same way by every service.

A service lists its settings as `Setting`s (name, default, meaning); `load` reads them from the
environment, applies a test's overrides and refuses to start without a required secret. The same
declarations generate `.env.example` and the README's configuration table
(`python -m scripts.settings_docs`), so the documentation cannot drift from the code.
"""

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class MissingSetting(RuntimeError):
    """A required setting (a secret) has no value: the service refuses to start."""


class _Required:
    def __repr__(self) -> str:
        return "required"


REQUIRED: Any = _Required()
"""The default of a setting that has none: a secret the platform must provide."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default (which also gives its type) and meaning."""

    name: str
    default: Any
    meaning: str
    # Settings in the same section are documented together (.env.example, README).
    section: str = ""
    # Unset, the variable takes this other variable's value (set but empty, it stays empty).
    fallback: str = ""

    @property
    def type(self) -> type:
        return str if self.default is REQUIRED else type(self.default)

    def read(self, environ: Mapping[str, str]) -> Any:
        raw = environ.get(self.name)
        if raw is None and self.fallback:
            raw = environ.get(self.fallback)
        if raw is None or (raw.strip() == "" and self.type is not str):
            return "" if self.default is REQUIRED else self.default
        return _parse(self.name, self.type, raw)

    def documented_default(self) -> str:
        if self.default is REQUIRED:
            return "required"
        if isinstance(self.default, bool):
            return str(self.default).lower()
        return str(self.default)


def _parse(name: str, kind: type, raw: str) -> Any:
    if kind is bool:
        value = raw.strip().lower()
        if value in _TRUE | _FALSE:
            return value in _TRUE
        raise ValueError(f"{name}={raw!r} is not a boolean (use true/false)")
    if kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            noun = "an integer" if kind is int else "a number"
            raise ValueError(f"{name}={raw!r} is not {noun}") from None
    return raw


class Settings(Mapping[str, Any]):
    """A service's settings by name, read-only; also as attributes (`settings.PORT`)."""

    def __init__(self, values: Mapping[str, Any]):
        self._values = dict(values)

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Settings({sorted(self._values)})"


def load(
    declared: Sequence[Setting],
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """The declared settings from the environment, then `overrides` (tests) on top.

    Raises MissingSetting, naming the variable and what it is for, when a required one is empty.
    """
    environ = os.environ if environ is None else environ
    values = {setting.name: setting.read(environ) for setting in declared}
    values.update(overrides or {})
    for setting in declared:
        if setting.default is REQUIRED and not values[setting.name]:
            raise MissingSetting(f"{setting.name} is not set: {setting.meaning}")
    return Settings(values)


# --- what every service declares the same way ------------------------------------------------

BACKENDS = "Backends (the whole stack)"
EVERY_SERVICE = "Every service"


def server_settings(port: int) -> list[Setting]:
    """The HTTP server (gunicorn) and logs, for every service."""
    return [
        Setting(
            "HOST",
            "0.0.0.0",  # noqa: S104 (a container listens on every interface)
            "interface to listen on (`make run`: 127.0.0.1)",
            EVERY_SERVICE,
        ),
        Setting("PORT", port, "port to listen on", EVERY_SERVICE),
        Setting(
            "WEB_CONCURRENCY",
            2,
            "gunicorn worker processes (`make run`: 1 without Redis)",
            EVERY_SERVICE,
        ),
        Setting("WEB_THREADS", 4, "threads per worker of the Flask services", EVERY_SERVICE),
        Setting(
            "WEB_TIMEOUT", 30, "seconds before gunicorn restarts a stuck worker", EVERY_SERVICE
        ),
        Setting(
            "WEB_GRACEFUL_TIMEOUT",
            20,
            "seconds a stopping worker may finish its requests",
            EVERY_SERVICE,
        ),
        Setting(
            "WEB_KEEPALIVE", 5, "seconds an idle keep-alive connection stays open", EVERY_SERVICE
        ),
        Setting(
            "PROMETHEUS_MULTIPROC_DIR",
            "",
            "where gunicorn's workers share /metrics; empty: a fresh temporary folder",
            EVERY_SERVICE,
        ),
        Setting("LOG_LEVEL", "INFO", "logs on stdout at this level", EVERY_SERVICE),
        Setting(
            "LOG_FORMAT",
            "json",
            "`json` (one object per line) or `text` (short lines for a person; `make run`)",
            EVERY_SERVICE,
        ),
    ]


def redis_settings(service: str) -> list[Setting]:
    """Redis, which only ever holds caches and counters."""
    return [
        Setting(
            "TITANIUM_REDIS_URL",
            "",
            "Redis for the whole stack's caches and counters; empty: in-process",
            BACKENDS,
        ),
        Setting(
            "REDIS_URL",
            "",
            "this service's Redis; unset: TITANIUM_REDIS_URL",
            EVERY_SERVICE,
            fallback="TITANIUM_REDIS_URL",
        ),
        Setting(
            "REDIS_KEY_PREFIX",
            f"titanium:{service}:",
            "prefix of this service's Redis keys",
            EVERY_SERVICE,
        ),
        Setting(
            "REDIS_TIMEOUT_SECONDS",
            0.25,
            "give up on a Redis call after this long (it only holds caches and counters)",
            EVERY_SERVICE,
        ),
        Setting(
            "REDIS_BACKOFF_SECONDS",
            5.0,
            "after a Redis failure, leave it alone this long",
            EVERY_SERVICE,
        ),
    ]


def database_settings() -> list[Setting]:
    """The service's own database."""
    return [
        Setting(
            "TITANIUM_POSTGRES_URL",
            "",
            "a PostgreSQL server; each service gets its own database `titanium_<service>` on it",
            BACKENDS,
        ),
        Setting(
            "TITANIUM_VAR_DIR",
            "var",
            "local data: SQLite files and keys (relative to the repository)",
            BACKENDS,
        ),
        Setting(
            "DATABASE_URL",
            "",
            "this service's database; empty: on TITANIUM_POSTGRES_URL, else SQLite in the var dir",
            EVERY_SERVICE,
        ),
        Setting(
            "DATABASE_RECONNECT_SECONDS",
            5.0,
            "how long a request waits for PostgreSQL to accept connections again (a restart) "
            "before it answers 503",
            EVERY_SERVICE,
        ),
        Setting(
            "DATABASE_PING_IDLE_SECONDS",
            10.0,
            "a pooled connection idle for longer than this is pinged before it is used (one "
            "closed by the server is always replaced, without a ping)",
            EVERY_SERVICE,
        ),
    ]


def every_setting(declarations: Iterable[Sequence[Setting]]) -> list[Setting]:
    """One entry per name across several services' declarations, in first-seen order."""
    seen: dict[str, Setting] = {}
    for declared in declarations:
        for setting in declared:
            seen.setdefault(setting.name, setting)
    return list(seen.values())
