"""The Redis connection, guarded: Redis only holds counters, so a dead Redis must cost nothing.

Short socket timeouts keep a hanging Redis from stalling requests, and after a failure the
service stays away for a few seconds instead of paying a connect attempt on every request.
"""

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import redis
from flask import Flask

log = logging.getLogger(__name__)

BACKOFF_SECONDS = 5.0
SOCKET_TIMEOUT_SECONDS = 0.25

T = TypeVar("T")


class RedisUnavailable(Exception):
    """Redis is not configured, down, or being backed off from."""


class GuardedRedis:
    def __init__(self, url: str, key_prefix: str):
        self.key_prefix = key_prefix
        self.client = (
            redis.Redis.from_url(
                url,
                socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
                socket_timeout=SOCKET_TIMEOUT_SECONDS,
            )
            if url
            else None
        )
        self._down_until = 0.0

    def run(self, command: Callable[[redis.Redis], T]) -> T:
        """Run `command` with the client, or raise RedisUnavailable without waiting."""
        if self.client is None or time.monotonic() < self._down_until:
            raise RedisUnavailable
        try:
            return command(self.client)
        except redis.RedisError as error:
            self._down_until = time.monotonic() + BACKOFF_SECONDS
            log.warning("redis unavailable, backing off", extra={"error": repr(error)})
            raise RedisUnavailable from error

    def readiness(self) -> str:
        if self.client is None:
            return "in-process"
        self.client.ping()
        return "redis"


def init_app(app: Flask) -> None:
    app.extensions["redis"] = GuardedRedis(app.config["REDIS_URL"], app.config["REDIS_KEY_PREFIX"])
