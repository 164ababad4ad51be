"""A Redis client guarded for services that only keep caches and counters in Redis.

A dead Redis must cost almost nothing: sockets time out after `timeout_seconds`, redis-py's own
retries are off, and after a failure every call fails at once for `backoff_seconds` instead of
paying a connect attempt per request. Callers catch RedisUnavailable and fall back (in-process
counters, the database, bypassing a cache). GuardedRedis serves the Flask services' sync
clients, AsyncGuardedRedis the gateway's asyncio one; both keep the same Backoff.
"""

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis
import redis.asyncio
import redis.asyncio.retry
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

T = TypeVar("T")


class RedisUnavailable(Exception):
    """Redis is not configured, down, or being backed off from."""


class Backoff:
    """After a failure, nobody asks Redis again for `seconds`."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._down_until = 0.0

    def check(self) -> None:
        if time.monotonic() < self._down_until:
            raise RedisUnavailable("backing off from redis after a recent failure")

    def failed(self, error: Exception) -> RedisUnavailable:
        self._down_until = time.monotonic() + self.seconds
        log.warning(
            "redis unavailable, backing off for %ss", self.seconds, extra={"error": repr(error)}
        )
        return RedisUnavailable(str(error))


class GuardedRedis:
    def __init__(
        self,
        url: str,
        *,
        timeout_seconds: float,
        backoff_seconds: float,
        decode_responses: bool = False,
    ):
        self._backoff = Backoff(backoff_seconds)
        self.client = (
            redis.Redis.from_url(
                url,
                socket_connect_timeout=timeout_seconds,
                socket_timeout=timeout_seconds,
                retry=Retry(NoBackoff(), 0),  # the default retries with backoff: seconds of stall
                decode_responses=decode_responses,
            )
            if url
            else None
        )

    @property
    def backoff_seconds(self) -> float:
        return self._backoff.seconds

    def run(self, command: Callable[[redis.Redis], T]) -> T:
        """Run `command` with the client, or raise RedisUnavailable without waiting."""
        if self.client is None:
            raise RedisUnavailable("redis is not configured")
        self._backoff.check()
        try:
            return command(self.client)
        except redis.RedisError as error:
            raise self._backoff.failed(error) from error

    def readiness(self) -> str:
        """For /readyz: where the data lives; raises when the configured Redis does not answer."""
        if self.client is None:
            return "in-process"
        self.client.ping()
        return "redis"


def open_async_redis(url: str, timeout_seconds: float) -> redis.asyncio.Redis:
    """An asyncio client that fails fast: short timeouts and no retries."""
    return redis.asyncio.Redis.from_url(
        url,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        retry=redis.asyncio.retry.Retry(NoBackoff(), 0),
    )


class AsyncGuardedRedis:
    def __init__(self, client: redis.asyncio.Redis, backoff_seconds: float):
        self.client = client
        self._backoff = Backoff(backoff_seconds)

    async def run(self, command: Callable[[redis.asyncio.Redis], Awaitable[T]]) -> T:
        """The result of `command(client)`; RedisUnavailable if it fails or Redis is backed off."""
        self._backoff.check()
        try:
            return await command(self.client)
        except (redis.RedisError, OSError, TimeoutError) as error:
            raise self._backoff.failed(error) from error
