"""Per-client fixed-window rate limits, counted in Redis or, without it, in this process.

Redis is only a counter store: while it is unreachable (titanium_common.guarded_redis) the
gateway counts in process, and each replica then enforces the limit on its own share of traffic.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from titanium_common.guarded_redis import AsyncGuardedRedis, RedisUnavailable


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_seconds: int = 0


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
        redis: AsyncGuardedRedis | None,
        key_prefix: str,
        clock: Callable[[], float] = time.time,
    ):
        self._limit = limit
        self._window_seconds = window_seconds
        self._redis = redis
        self._key_prefix = key_prefix
        self._clock = clock
        self._local = InProcessCounters()

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
        if self._redis is None:
            return None
        key = f"{self._key_prefix}ratelimit:{window}:{client}"

        async def incr_with_expiry(redis: Redis) -> int:
            async with redis.pipeline(transaction=True) as pipe:
                count, _ = await pipe.incr(key).expire(key, self._window_seconds).execute()
            return count

        try:
            return await self._redis.run(incr_with_expiry)
        except RedisUnavailable:
            return None

    async def backend(self) -> str:
        """For /readyz: where counters live; raises when the configured Redis is down."""
        if self._redis is None:
            return "in-process"
        await self._redis.client.ping()
        return "redis"
