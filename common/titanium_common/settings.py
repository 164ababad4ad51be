"""The settings every Flask service with a database and Redis reads the same way.

Each service's settings.py merges these with its own keys; names match the environment variables.
"""

from pathlib import Path

from titanium_common.backends import service_database_url
from titanium_common.env import env_float, env_str


def shared_settings(service: str, repo_dir: Path) -> dict:
    return {
        # Its own database: DATABASE_URL, else `titanium_<service>` on TITANIUM_POSTGRES_URL,
        # else a SQLite file in TITANIUM_VAR_DIR (<repo>/var by default).
        "DATABASE_URL": env_str("DATABASE_URL", "") or _default_database_url(service, repo_dir),
        # Empty means no Redis: the service keeps its caches and counters in process.
        "REDIS_URL": env_str("REDIS_URL", env_str("TITANIUM_REDIS_URL", "")),
        "REDIS_KEY_PREFIX": env_str("REDIS_KEY_PREFIX", f"titanium:{service}:"),
        # Redis only holds caches and counters: give up on it quickly, then leave it alone a while.
        "REDIS_TIMEOUT_SECONDS": env_float("REDIS_TIMEOUT_SECONDS", 0.25),
        "REDIS_BACKOFF_SECONDS": env_float("REDIS_BACKOFF_SECONDS", 5.0),
        "LOG_LEVEL": env_str("LOG_LEVEL", "INFO"),
    }


def _default_database_url(service: str, repo_dir: Path) -> str:
    var_dir = env_str("TITANIUM_VAR_DIR", str(repo_dir / "var"))
    return service_database_url(service, env_str("TITANIUM_POSTGRES_URL", ""), var_dir)
