"""api_gateway settings, declared once: the only module that knows the environment variables.

Names are the variable names; `create_app(load_settings(overrides))` can replace any of them.
"""

from collections.abc import Mapping
from typing import Any

from titanium_common.revocations import revocation_settings
from titanium_common.settings import Setting, Settings, load, redis_settings, server_settings

SERVICE = "api_gateway"

SETTINGS = [
    *server_settings(port=8080),
    *redis_settings(SERVICE),
    Setting(
        "INTERNAL_PORT",
        9080,
        "port of the internal listener, the only one serving /readyz, /metrics and /openapi.json "
        "(probes, Prometheus); PORT answers them 404",
        SERVICE,
    ),
    Setting(
        "AUTH_SERVICE_URL",
        "http://127.0.0.1:8082",
        "auth_service's base URL (also where the JWKS is fetched)",
        SERVICE,
    ),
    Setting("USER_SERVICE_URL", "http://127.0.0.1:8083", "user_service's base URL", SERVICE),
    Setting("WEBAPP_URL", "http://127.0.0.1:8081", "webapp's base URL", SERVICE),
    Setting(
        "RATE_LIMIT_REQUESTS",
        1200,
        "requests per window per client (a signed-in user, else an address); 0 turns it off",
        SERVICE,
    ),
    Setting("RATE_LIMIT_WINDOW_SECONDS", 60, "length of a rate-limit window", SERVICE),
    # The client address (rate limits here, sign-in throttling in auth_service) is the entry of
    # X-Forwarded-For this many hops from the end: the one the outermost trusted proxy appended.
    Setting(
        "TRUSTED_PROXY_HOPS",
        0,
        "proxies in front of the gateway that append to X-Forwarded-For (the chart: 1, the Istio "
        "ingress); the client address passed upstream is what the outermost of them saw",
        SERVICE,
    ),
    Setting("JWKS_CACHE_SECONDS", 300.0, "how long the JWKS is trusted before a refetch", SERVICE),
    # Requests in between wait for the next fetch, so bogus tokens cannot flood auth_service.
    Setting(
        "JWKS_MIN_REFETCH_SECONDS",
        1.0,
        "least time between JWKS fetches that an unknown key id triggers",
        SERVICE,
    ),
    Setting("JWKS_FETCH_TIMEOUT_SECONDS", 3.0, "total time allowed for one JWKS fetch", SERVICE),
    Setting(
        "TOKEN_TTL_SECONDS",
        86400,
        "longest token lifetime accepted (exp - iat): auth_service's TOKEN_TTL_SECONDS",
        SERVICE,
    ),
    *revocation_settings(SERVICE),
    Setting(
        "UPSTREAM_CONNECT_TIMEOUT_SECONDS",
        1.0,
        "give up connecting to an upstream after this long (502)",
        SERVICE,
    ),
    Setting(
        "UPSTREAM_READ_TIMEOUT_SECONDS",
        15.0,
        "longest silence while waiting for an upstream's reply data (504)",
        SERVICE,
    ),
    Setting("UPSTREAM_POOL_SIZE", 256, "connections kept open to upstreams, per worker", SERVICE),
    Setting(
        "CORS_ALLOWED_ORIGINS",
        "*",
        "comma-separated origins whose pages may call /api (RealWorld front ends elsewhere); "
        "* allows any, which is safe because /api authenticates by header, never by cookie",
        SERVICE,
    ),
    Setting(
        "CORS_MAX_AGE_SECONDS", 600, "how long a browser may reuse a preflight's answer", SERVICE
    ),
    Setting(
        "EDGE_CACHE_ENABLED",
        True,
        "keep anonymous webapp pages at the gateway, dropped by the writes that change what they"
        " show (ADR 0005, 0023)",
        SERVICE,
    ),
    Setting("EDGE_CACHE_MAX_ENTRY_BYTES", 512 * 1024, "largest page body kept", SERVICE),
    Setting("EDGE_CACHE_MAX_ENTRIES", 2000, "pages kept per process without Redis", SERVICE),
    Setting(
        "EDGE_CACHE_SESSION_COOKIES",
        "session",
        "comma-separated cookie names that mean signed in: such requests are never cached",
        SERVICE,
    ),
]


def load_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    return load(SETTINGS, overrides)


def upstream_urls(settings: Settings) -> dict[str, str]:
    """Base URL of each upstream, by the names routes.py uses."""
    return {
        "auth_service": settings.AUTH_SERVICE_URL.rstrip("/"),
        "user_service": settings.USER_SERVICE_URL.rstrip("/"),
        "webapp": settings.WEBAPP_URL.rstrip("/"),
    }


def edge_cache_session_cookies(settings: Settings) -> frozenset[str]:
    names = settings.EDGE_CACHE_SESSION_COOKIES.split(",")
    return frozenset(name.strip() for name in names if name.strip())
