"""user_service settings: the only module that reads the environment.

Names are the environment variable names; `create_app(settings_override)` can replace any of them.
"""

from pathlib import Path

from titanium_common.env import env_int
from titanium_common.settings import shared_settings

SERVICE = "user_service"
REPO_DIR = Path(__file__).resolve().parents[2]


def load_settings() -> dict:
    return {
        # DATABASE_URL, REDIS_URL, REDIS_KEY_PREFIX, REDIS_TIMEOUT_SECONDS, REDIS_BACKOFF_SECONDS,
        # LOG_LEVEL: read the same way by every Flask service. An empty REDIS_URL means an
        # in-process cache (fine for one worker process).
        **shared_settings(SERVICE, REPO_DIR),
        "PROFILE_CACHE_TTL_SECONDS": env_int("PROFILE_CACHE_TTL_SECONDS", 300),
        "LOCAL_CACHE_MAX_ENTRIES": env_int("LOCAL_CACHE_MAX_ENTRIES", 10_000),
    }
