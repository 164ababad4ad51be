"""The gateway's settings: the only module that reads the environment.

Names match the environment variables. Tests pass overrides to `create_app` instead of
touching os.environ.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace

from titanium_common.env import env_bool, env_float, env_int, env_str


@dataclass(frozen=True)
class Settings:
    HOST: str
    PORT: int
    LOG_LEVEL: str
    AUTH_SERVICE_URL: str
    USER_SERVICE_URL: str
    WEBAPP_URL: str
    REDIS_URL: str
    REDIS_KEY_PREFIX: str
    # Redis is only a counter store: answer fast when it is down, and stop asking for a while.
    REDIS_TIMEOUT_SECONDS: float
    REDIS_BACKOFF_SECONDS: float
    JWKS_CACHE_SECONDS: float
    # Unknown kids trigger a JWKS refetch at most this often (requests in between wait for it),
    # so bogus tokens cannot flood auth_service.
    JWKS_MIN_REFETCH_SECONDS: float
    RATE_LIMIT_REQUESTS: int
    RATE_LIMIT_WINDOW_SECONDS: int
    # How many proxies in front of the gateway append to X-Forwarded-For (Istio ingress: 1).
    TRUSTED_PROXY_HOPS: int
    UPSTREAM_CONNECT_TIMEOUT_SECONDS: float
    UPSTREAM_READ_TIMEOUT_SECONDS: float
    UPSTREAM_POOL_SIZE: int
    JWKS_FETCH_TIMEOUT_SECONDS: float
    # Set by titanium_common.gunicorn_conf when several workers must share one /metrics view.
    PROMETHEUS_MULTIPROC_DIR: str
    # Worker processes under gunicorn. An in-process edge cache is coherent for one only.
    WEB_CONCURRENCY: int
    # The edge page cache (edge_cache.py): anonymous webapp pages, dropped by every write.
    EDGE_CACHE_ENABLED: bool
    EDGE_CACHE_MAX_ENTRY_BYTES: int
    # Size of the in-process cache (without Redis), in pages.
    EDGE_CACHE_MAX_ENTRIES: int
    # Comma-separated cookie names that mean "signed in": such requests are never cached.
    EDGE_CACHE_SESSION_COOKIES: str

    def upstream_urls(self) -> dict[str, str]:
        """Base URL of each upstream, by the names routes.py uses."""
        return {
            "auth_service": self.AUTH_SERVICE_URL.rstrip("/"),
            "user_service": self.USER_SERVICE_URL.rstrip("/"),
            "webapp": self.WEBAPP_URL.rstrip("/"),
        }

    def edge_cache_session_cookies(self) -> frozenset[str]:
        return frozenset(
            name.strip() for name in self.EDGE_CACHE_SESSION_COOKIES.split(",") if name.strip()
        )


def load_settings(overrides: Mapping[str, object] | None = None) -> Settings:
    settings = Settings(
        HOST=env_str("HOST", "127.0.0.1"),
        PORT=env_int("PORT", 8080),
        LOG_LEVEL=env_str("LOG_LEVEL", "INFO"),
        AUTH_SERVICE_URL=env_str("AUTH_SERVICE_URL", "http://127.0.0.1:8082"),
        USER_SERVICE_URL=env_str("USER_SERVICE_URL", "http://127.0.0.1:8083"),
        WEBAPP_URL=env_str("WEBAPP_URL", "http://127.0.0.1:8081"),
        REDIS_URL=env_str("REDIS_URL", env_str("TITANIUM_REDIS_URL", "")),
        REDIS_KEY_PREFIX=env_str("REDIS_KEY_PREFIX", "titanium:api_gateway:"),
        REDIS_TIMEOUT_SECONDS=env_float("REDIS_TIMEOUT_SECONDS", 0.25),
        REDIS_BACKOFF_SECONDS=env_float("REDIS_BACKOFF_SECONDS", 5.0),
        JWKS_CACHE_SECONDS=env_float("JWKS_CACHE_SECONDS", 300.0),
        JWKS_MIN_REFETCH_SECONDS=env_float("JWKS_MIN_REFETCH_SECONDS", 1.0),
        RATE_LIMIT_REQUESTS=env_int("RATE_LIMIT_REQUESTS", 1200),
        RATE_LIMIT_WINDOW_SECONDS=env_int("RATE_LIMIT_WINDOW_SECONDS", 60),
        TRUSTED_PROXY_HOPS=env_int("TRUSTED_PROXY_HOPS", 0),
        UPSTREAM_CONNECT_TIMEOUT_SECONDS=env_float("UPSTREAM_CONNECT_TIMEOUT_SECONDS", 1.0),
        UPSTREAM_READ_TIMEOUT_SECONDS=env_float("UPSTREAM_READ_TIMEOUT_SECONDS", 15.0),
        UPSTREAM_POOL_SIZE=env_int("UPSTREAM_POOL_SIZE", 256),
        JWKS_FETCH_TIMEOUT_SECONDS=env_float("JWKS_FETCH_TIMEOUT_SECONDS", 3.0),
        PROMETHEUS_MULTIPROC_DIR=env_str("PROMETHEUS_MULTIPROC_DIR", ""),
        WEB_CONCURRENCY=env_int("WEB_CONCURRENCY", 2),  # gunicorn_conf's default
        EDGE_CACHE_ENABLED=env_bool("EDGE_CACHE_ENABLED", True),
        EDGE_CACHE_MAX_ENTRY_BYTES=env_int("EDGE_CACHE_MAX_ENTRY_BYTES", 512 * 1024),
        EDGE_CACHE_MAX_ENTRIES=env_int("EDGE_CACHE_MAX_ENTRIES", 2000),
        EDGE_CACHE_SESSION_COOKIES=env_str("EDGE_CACHE_SESSION_COOKIES", "session"),
    )
    return replace(settings, **dict(overrides or {}))
