"""auth_service settings: the only module that reads the environment.

Names are the environment variable names; `create_app(settings_override)` can replace any of them.
"""

from pathlib import Path

from titanium_common.env import env_float, env_int, env_str
from titanium_common.settings import shared_settings

SERVICE = "auth_service"
REPO_DIR = Path(__file__).resolve().parents[2]


def load_settings() -> dict:
    return {
        # DATABASE_URL, REDIS_URL, REDIS_KEY_PREFIX, REDIS_TIMEOUT_SECONDS, REDIS_BACKOFF_SECONDS,
        # LOG_LEVEL: read the same way by every Flask service.
        **shared_settings(SERVICE, REPO_DIR),
        # Required: no default, create_app refuses to start without it (keys are secrets).
        "SIGNING_KEYS_DIR": env_str("SIGNING_KEYS_DIR", ""),
        "TOKEN_TTL_SECONDS": env_int("TOKEN_TTL_SECONDS", 86400),
        "USER_SERVICE_URL": env_str("USER_SERVICE_URL", "http://127.0.0.1:8083"),
        # argon2id cost: RFC 9106's second recommended option (64 MiB, 3 passes).
        "ARGON2_TIME_COST": env_int("ARGON2_TIME_COST", 3),
        "ARGON2_MEMORY_COST": env_int("ARGON2_MEMORY_COST", 65536),
        "ARGON2_PARALLELISM": env_int("ARGON2_PARALLELISM", 4),
        "LOGIN_THROTTLE_WINDOW_SECONDS": env_int("LOGIN_THROTTLE_WINDOW_SECONDS", 900),
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": env_int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5),
        "LOGIN_MAX_FAILURES_PER_CLIENT": env_int("LOGIN_MAX_FAILURES_PER_CLIENT", 50),
        "OUTBOX_RELAY_INTERVAL_SECONDS": env_float("OUTBOX_RELAY_INTERVAL_SECONDS", 1),
        "RELAY_METRICS_PORT": env_int("RELAY_METRICS_PORT", 9102),
    }
