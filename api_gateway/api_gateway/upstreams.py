"""Connections to what sits behind the gateway, each opened once per app (cleanup contexts).

One pooled ClientSession serves every upstream and auth_service's JWKS; one Redis client, when
configured, holds the rate-limit counters and the edge cache's pages.
"""

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from api_gateway.auth import JwksCache
from api_gateway.edge_cache import EdgeCache, page_store
from api_gateway.keys import (
    edge_cache_key,
    jwks_key,
    metrics_key,
    rate_limiter_key,
    settings_key,
    upstream_session_key,
    upstream_urls_key,
)
from api_gateway.ratelimit import RateLimiter
from api_gateway.settings import edge_cache_session_cookies
from titanium_common.counters import AsyncCounters
from titanium_common.guarded_redis import AsyncGuardedRedis, open_async_redis
from titanium_common.identity import JWKS_PATH

# aiohttp would otherwise add these to requests whose clients did not send them; with
# auto_decompress off, an added Accept-Encoding could hand a client gzip it never asked for.
NOT_ADDED_TO_REQUESTS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")


async def upstream_session(app: web.Application) -> AsyncIterator[None]:
    settings = app[settings_key]
    timeout = aiohttp.ClientTimeout(
        total=None,
        connect=settings.UPSTREAM_CONNECT_TIMEOUT_SECONDS,
        sock_connect=settings.UPSTREAM_CONNECT_TIMEOUT_SECONDS,
        sock_read=settings.UPSTREAM_READ_TIMEOUT_SECONDS,
    )
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=settings.UPSTREAM_POOL_SIZE, ttl_dns_cache=10),
        timeout=timeout,
        # A proxy must never keep cookies: one user's Set-Cookie would go out with the next call.
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
        skip_auto_headers=NOT_ADDED_TO_REQUESTS,
    ) as session:
        app[upstream_session_key] = session
        app[jwks_key] = JwksCache(
            session,
            settings.AUTH_SERVICE_URL.rstrip("/") + JWKS_PATH,
            cache_seconds=settings.JWKS_CACHE_SECONDS,
            min_refetch_seconds=settings.JWKS_MIN_REFETCH_SECONDS,
            fetch_timeout_seconds=settings.JWKS_FETCH_TIMEOUT_SECONDS,
        )
        yield


async def counters_and_pages(app: web.Application) -> AsyncIterator[None]:
    """The rate limiter and the edge cache, sharing Redis (and its backoff) when configured."""
    settings = app[settings_key]
    redis = (
        AsyncGuardedRedis(
            open_async_redis(settings.REDIS_URL, settings.REDIS_TIMEOUT_SECONDS),
            settings.REDIS_BACKOFF_SECONDS,
        )
        if settings.REDIS_URL
        else None
    )
    app[rate_limiter_key] = RateLimiter(
        AsyncCounters(redis, f"{settings.REDIS_KEY_PREFIX}ratelimit:"),
        limit=settings.RATE_LIMIT_REQUESTS,
        window_seconds=settings.RATE_LIMIT_WINDOW_SECONDS,
    )
    app[edge_cache_key] = EdgeCache(
        page_store(settings, redis),
        webapp_url=app[upstream_urls_key]["webapp"],
        session_cookies=edge_cache_session_cookies(settings),
        max_entry_bytes=settings.EDGE_CACHE_MAX_ENTRY_BYTES,
        requests=app[metrics_key].edge_cache_requests,
    )
    # Pages kept before this process started may describe data changed while no gateway was
    # watching (a restore, a re-seed, a migration): start a new generation.
    await app[edge_cache_key].invalidate()
    yield
    if redis is not None:
        await redis.client.aclose()
