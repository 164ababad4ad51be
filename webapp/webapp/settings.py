"""Every setting of webapp, read from the environment (the only module that reads it).

Names match the environment variables. `create_app(settings_override)` replaces any of them;
defaults are only computed for the names the override does not provide.
"""

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from titanium_common.backends import service_database_url
from titanium_common.env import env_float, env_str

SERVICE = "webapp"
REPO_DIR = Path(__file__).resolve().parents[2]


class MissingSetting(RuntimeError):
    """A required setting (a secret) has no value: the app refuses to start."""


def _default_database_url() -> str:
    return env_str("DATABASE_URL", "") or service_database_url(
        SERVICE,
        env_str("TITANIUM_POSTGRES_URL", ""),
        env_str("TITANIUM_VAR_DIR", str(REPO_DIR / "var")),
    )


def with_installed_driver(url: str) -> str:
    """SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3; the installed driver is psycopg2."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg2://" + url.removeprefix(scheme)
    return url


_DEFAULTS: dict[str, Callable[[], Any]] = {
    # Required: signs the browser session cookie and CSRF tokens. No default in code.
    "SECRET_KEY": lambda: env_str("SECRET_KEY", ""),
    "DATABASE_URL": _default_database_url,
    # Empty means no Redis; webapp only reports it in /readyz (the page cache is the gateway's).
    "REDIS_URL": lambda: env_str("REDIS_URL", env_str("TITANIUM_REDIS_URL", "")),
    "REDIS_KEY_PREFIX": lambda: env_str("REDIS_KEY_PREFIX", f"titanium:{SERVICE}:"),
    "REDIS_SOCKET_TIMEOUT_SECONDS": lambda: env_float("REDIS_SOCKET_TIMEOUT_SECONDS", 0.25),
    "AUTH_SERVICE_URL": lambda: env_str("AUTH_SERVICE_URL", "http://127.0.0.1:8082"),
    "USER_SERVICE_URL": lambda: env_str("USER_SERVICE_URL", "http://127.0.0.1:8083"),
    # A page waits for user_service at most this long before answering 503: fail fast.
    "UPSTREAM_CONNECT_TIMEOUT_SECONDS": lambda: env_float("UPSTREAM_CONNECT_TIMEOUT_SECONDS", 0.5),
    "UPSTREAM_READ_TIMEOUT_SECONDS": lambda: env_float("UPSTREAM_READ_TIMEOUT_SECONDS", 2.0),
    "SITE_NAME": lambda: env_str("SITE_NAME", "Titanium"),
    "LOG_LEVEL": lambda: env_str("LOG_LEVEL", "INFO"),
}


def load_settings(override: Mapping[str, Any] | None = None) -> dict[str, Any]:
    override = dict(override or {})
    settings = {
        name: override.pop(name) if name in override else default()
        for name, default in _DEFAULTS.items()
    }
    settings.update(override)
    if not settings["SECRET_KEY"]:
        raise MissingSetting(
            "SECRET_KEY is not set: webapp signs sessions with it and has no default "
            "(make run generates one into var/secret_key)"
        )
    settings["DATABASE_URL"] = with_installed_driver(settings["DATABASE_URL"])
    return settings
