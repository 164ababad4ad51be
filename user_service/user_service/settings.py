"""user_service settings, declared once: the only module that knows the environment variables.

Names are the variable names; `create_app(settings_override)` can replace any of them.
"""

from titanium_common.settings import Setting, database_settings, redis_settings, server_settings

SERVICE = "user_service"

SETTINGS = [
    *server_settings(port=8083),
    *database_settings(),
    *redis_settings(SERVICE),
    Setting("PROFILE_CACHE_TTL_SECONDS", 300, "how long a cached profile is trusted", SERVICE),
    Setting(
        "LOCAL_CACHE_MAX_ENTRIES",
        10_000,
        "profiles cached per process without Redis",
        SERVICE,
    ),
]
