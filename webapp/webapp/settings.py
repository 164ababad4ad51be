"""Every setting of webapp, read from the environment (the only module that reads it).

Names match the environment variables; `create_app(settings_override)` replaces any of them.
The database, Redis and log settings are the ones every service reads (titanium_common.settings).
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from titanium_common.backends import with_installed_driver
from titanium_common.env import env_bool, env_float, env_str
from titanium_common.settings import shared_settings

SERVICE = "webapp"
REPO_DIR = Path(__file__).resolve().parents[2]


class MissingSetting(RuntimeError):
    """A required setting (a secret) has no value: the app refuses to start."""


def _own_settings() -> dict[str, Any]:
    return {
        # Required: signs the browser session cookie and CSRF tokens. No default in code.
        "SECRET_KEY": env_str("SECRET_KEY", ""),
        # Browser session cookie: Secure in production (HTTPS); off for plain-http local runs.
        "SESSION_COOKIE_SECURE": env_bool("SESSION_COOKIE_SECURE", False),
        "AUTH_SERVICE_URL": env_str("AUTH_SERVICE_URL", "http://127.0.0.1:8082"),
        "USER_SERVICE_URL": env_str("USER_SERVICE_URL", "http://127.0.0.1:8083"),
        # A page waits for an upstream at most this long before answering 503: fail fast.
        "UPSTREAM_CONNECT_TIMEOUT_SECONDS": env_float("UPSTREAM_CONNECT_TIMEOUT_SECONDS", 0.5),
        "UPSTREAM_READ_TIMEOUT_SECONDS": env_float("UPSTREAM_READ_TIMEOUT_SECONDS", 2.0),
        "SITE_NAME": env_str("SITE_NAME", "Titanium"),
    }


def load_settings(override: Mapping[str, Any] | None = None) -> dict[str, Any]:
    settings = {**shared_settings(SERVICE, REPO_DIR), **_own_settings(), **(override or {})}
    if not settings["SECRET_KEY"]:
        raise MissingSetting(
            "SECRET_KEY is not set: webapp signs sessions with it and has no default "
            "(make run generates one into var/secret_key)"
        )
    settings["DATABASE_URL"] = with_installed_driver(settings["DATABASE_URL"])
    return settings
