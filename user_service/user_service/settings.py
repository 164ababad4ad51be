"""Every setting of user_service, read from the environment (the only module that reads it).

Names match the environment variables. `create_app(settings_override)` replaces any of them;
defaults are only computed for the names the override does not provide.
"""

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from titanium_common.backends import service_database_url
from titanium_common.env import env_float, env_int, env_str

SERVICE = "user_service"
REPO_DIR = Path(__file__).resolve().parents[2]


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
    "DATABASE_URL": _default_database_url,
    # Empty means no Redis: an in-process cache (fine for one worker process).
    "REDIS_URL": lambda: env_str("REDIS_URL", env_str("TITANIUM_REDIS_URL", "")),
    "REDIS_KEY_PREFIX": lambda: env_str("REDIS_KEY_PREFIX", f"titanium:{SERVICE}:"),
    # Redis is only a cache: give up on it quickly, then leave it alone for a while.
    "REDIS_SOCKET_TIMEOUT_SECONDS": lambda: env_float("REDIS_SOCKET_TIMEOUT_SECONDS", 0.25),
    "REDIS_RETRY_AFTER_SECONDS": lambda: env_float("REDIS_RETRY_AFTER_SECONDS", 5.0),
    "PROFILE_CACHE_TTL_SECONDS": lambda: env_int("PROFILE_CACHE_TTL_SECONDS", 300),
    "LOCAL_CACHE_MAX_ENTRIES": lambda: env_int("LOCAL_CACHE_MAX_ENTRIES", 10_000),
    "LOG_LEVEL": lambda: env_str("LOG_LEVEL", "INFO"),
}


def load_settings(override: Mapping[str, Any] | None = None) -> dict[str, Any]:
    override = dict(override or {})
    settings = {
        name: override.pop(name) if name in override else default()
        for name, default in _DEFAULTS.items()
    }
    settings.update(override)
    settings["DATABASE_URL"] = with_installed_driver(settings["DATABASE_URL"])
    return settings
