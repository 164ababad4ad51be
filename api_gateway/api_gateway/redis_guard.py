"""The gateway's one Redis client, and what happens when Redis is down.

The asyncio twin of titanium_common.guarded_redis (which serves the Flask services' sync clients).

Redis holds only rate-limit counters and cached pages, so the gateway never waits on a dead one:
the client has short timeouts and no retries, and one failed command stops every use of Redis
for REDIS_BACKOFF_SECONDS. Meanwhile callers fall back at once (rate limits count in process,
the edge cache is bypassed), so a dead Redis costs one short timeout, not one per request.
"""

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

T = TypeVar("T")


class RedisUnavailable(Exception):
    """Redis failed just now, or did recently and is not being asked yet."""


def open_redis(url: str, timeout_seconds: float) -> Redis:
    """A client that fails fast: short timeouts and no retries (the caller falls back)."""
    return Redis.from_url(
        url,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        retry=Retry(NoBackoff(), 0),
    )


class GuardedRedis:
    def __init__(self, client: Redis, backoff_seconds: float):
        self.client = client
        self._backoff_seconds = backoff_seconds
        self._down_until = 0.0

    async def run(self, command: Callable[[Redis], Awaitable[T]]) -> T:
        """The result of `command(client)`; RedisUnavailable if it fails or Redis is backed off."""
        if time.monotonic() < self._down_until:
            raise RedisUnavailable
        try:
            return await command(self.client)
        except (RedisError, OSError, TimeoutError) as error:
            self._down_until = time.monotonic() + self._backoff_seconds
            log.warning(
                "Redis unavailable, not asked again for a while",
                extra={"error": repr(error), "backoff_seconds": self._backoff_seconds},
            )
            raise RedisUnavailable from error
