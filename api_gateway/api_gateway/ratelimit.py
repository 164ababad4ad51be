"""Per-client fixed-window rate limits, counted in Redis or, without it, in this process.

Redis is only a counter store: while it is unreachable the gateway counts in process (each
replica then enforces the limit on its own share of traffic) and does not ask Redis again for
REDIS_BACKOFF_SECONDS, so a dead Redis costs one short timeout, not one per request.
"""

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_seconds: int = 0


def open_redis(url: str, timeout_seconds: float) -> Redis:
    """A client that fails fast: short timeouts and no retries (the caller falls back)."""
    return Redis.from_url(
        url,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        retry=Retry(NoBackoff(), 0),
    )


class InProcessCounters:
    """Counts for the current window only; a new window starts from an empty table."""

    def __init__(self) -> None:
        self._window: int | None = None
        self._counts: dict[str, int] = {}

    def incr(self, window: int, client: str) -> int:
        if window != self._window:
            self._window, self._counts = window, {}
        self._counts[client] = self._counts.get(client, 0) + 1
        return self._counts[client]


class RateLimiter:
    def __init__(
        self,
        *,
        limit: int,
        window_seconds: int,
        redis: Redis | None,
        key_prefix: str,
        backoff_seconds: float,
        clock: Callable[[], float] = time.time,
    ):
        self._limit = limit
        self._window_seconds = window_seconds
        self._redis = redis
        self._key_prefix = key_prefix
        self._backoff_seconds = backoff_seconds
        self._clock = clock
        self._local = InProcessCounters()
        self._redis_down_until = 0.0

    @property
    def enabled(self) -> bool:
        return self._limit > 0

    async def hit(self, client: str) -> Decision:
        """Count one request by `client` and say whether it is within the limit."""
        now = self._clock()
        # Windows are aligned to the epoch so every gateway replica shares them in Redis.
        window = int(now // self._window_seconds)
        count = await self._incr_in_redis(window, client)
        if count is None:
            count = self._local.incr(window, client)
        if count <= self._limit:
            return Decision(allowed=True)
        window_ends = (window + 1) * self._window_seconds
        return Decision(allowed=False, retry_after_seconds=max(1, math.ceil(window_ends - now)))

    async def _incr_in_redis(self, window: int, client: str) -> int | None:
        if self._redis is None or time.monotonic() < self._redis_down_until:
            return None
        key = f"{self._key_prefix}ratelimit:{window}:{client}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                count, _ = await pipe.incr(key).expire(key, self._window_seconds).execute()
        except (RedisError, OSError, TimeoutError) as error:
            self._redis_down_until = time.monotonic() + self._backoff_seconds
            log.warning("Redis unavailable, counting in process", extra={"error": repr(error)})
            return None
        return count

    async def backend(self) -> str:
        """For /readyz: where counters live; raises when the configured Redis is down."""
        if self._redis is None:
            return "in-process"
        await self._redis.ping()
        return "redis"
