"""A Redis client guarded for services that only keep caches and counters in Redis.

A dead Redis must cost almost nothing: sockets time out after `timeout_seconds`, redis-py's own
retries are off, and after a failure every call fails at once for `backoff_seconds` instead of
paying a connect attempt per request. Callers catch RedisUnavailable and fall back (in-process
counters, the database).
"""

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

T = TypeVar("T")


class RedisUnavailable(Exception):
    """Redis is not configured, down, or being backed off from."""


class GuardedRedis:
    def __init__(
        self,
        url: str,
        *,
        timeout_seconds: float,
        backoff_seconds: float,
        decode_responses: bool = False,
    ):
        self.backoff_seconds = backoff_seconds
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
        self._down_until = 0.0

    def run(self, command: Callable[[redis.Redis], T]) -> T:
        """Run `command` with the client, or raise RedisUnavailable without waiting."""
        if self.client is None:
            raise RedisUnavailable("redis is not configured")
        if time.monotonic() < self._down_until:
            raise RedisUnavailable("backing off from redis after a recent failure")
        try:
            return command(self.client)
        except redis.RedisError as error:
            self._down_until = time.monotonic() + self.backoff_seconds
            log.warning(
                "redis unavailable, backing off for %ss",
                self.backoff_seconds,
                extra={"error": repr(error)},
            )
            raise RedisUnavailable(str(error)) from error

    def readiness(self) -> str:
        """For /readyz: where the data lives; raises when the configured Redis does not answer."""
        if self.client is None:
            return "in-process"
        self.client.ping()
        return "redis"
