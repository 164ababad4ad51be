"""Login throttling: failed logins are counted per account and per client in a fixed window.

Counters live in Redis (INCR + EXPIRE) so every worker and replica shares them. When Redis is
not configured, or fails, each process counts on its own: weaker, but never open and never a 500.
"""

import contextlib
import logging
import math
import threading
import time

from flask import Flask, current_app

from titanium_common.api import ApiError
from titanium_common.guarded_redis import GuardedRedis, RedisUnavailable

log = logging.getLogger(__name__)

TOO_MANY = "too many failed attempts, try again later"


class LocalCounters:
    """In-process fixed-window counters with the same semantics as the Redis ones."""

    MAX_KEYS = 10_000  # above this, expired windows are swept so memory stays bounded

    def __init__(self):
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, float]] = {}  # key -> (count, expires at, monotonic)

    def get(self, key: str) -> tuple[int, int]:
        """(failures, seconds left in the window)."""
        with self._lock:
            count, expires_at = self._windows.get(key, (0, 0.0))
        left = expires_at - time.monotonic()
        return (count, math.ceil(left)) if left > 0 else (0, 0)

    def increment(self, key: str, window_seconds: int) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._windows) > self.MAX_KEYS:
                self._windows = {k: v for k, v in self._windows.items() if v[1] > now}
            count, expires_at = self._windows.get(key, (0, 0.0))
            if expires_at <= now:
                count, expires_at = 0, now + window_seconds
            self._windows[key] = (count + 1, expires_at)

    def delete(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)


class LoginThrottle:
    def __init__(
        self,
        redis: GuardedRedis,
        key_prefix: str,
        window_seconds: int,
        max_per_account: int,
        max_per_client: int,
    ):
        self.redis = redis
        self.key_prefix = key_prefix
        self.local = LocalCounters()
        self.window_seconds = window_seconds
        self.limits = {"account": max_per_account, "client": max_per_client}

    def check(self, email: str, client: str | None) -> None:
        """Raise 429 with Retry-After when the account or the client is at its limit."""
        for key, limit in self._keys(email, client):
            failures, seconds_left = self._get(key)
            if failures >= limit:
                retry_after = str(max(seconds_left, 1))
                raise ApiError.one(429, "login", TOO_MANY, {"Retry-After": retry_after})

    def record_failure(self, email: str, client: str | None) -> None:
        for key, _ in self._keys(email, client):
            self._increment(key)

    def record_success(self, email: str) -> None:
        key = self._key("account", email)
        self.local.delete(key)
        # Without Redis the local counter is cleared; a Redis one then expires with its window.
        with contextlib.suppress(RedisUnavailable):
            self.redis.run(lambda r: r.delete(key))

    def _keys(self, email: str, client: str | None) -> list[tuple[str, int]]:
        keys = [(self._key("account", email), self.limits["account"])]
        if client:
            keys.append((self._key("client", client), self.limits["client"]))
        return keys

    def _key(self, kind: str, value: str) -> str:
        return f"{self.key_prefix}login-failures:{kind}:{value}"

    def _get(self, key: str) -> tuple[int, int]:
        try:
            count, ttl = self.redis.run(lambda r: r.pipeline().get(key).ttl(key).execute())
        except RedisUnavailable:
            return self.local.get(key)
        return int(count or 0), max(int(ttl), 0)

    def _increment(self, key: str) -> None:
        def incr_with_window(r):
            # NX: the window starts at the first failure and is not extended by later ones.
            r.pipeline().incr(key).expire(key, self.window_seconds, nx=True).execute()

        try:
            self.redis.run(incr_with_window)
        except RedisUnavailable:
            log.warning("login throttle counting in-process", extra={"key": key})
            self.local.increment(key, self.window_seconds)


def init_app(app: Flask) -> None:
    app.extensions["login_throttle"] = LoginThrottle(
        app.extensions["redis"],
        app.config["REDIS_KEY_PREFIX"],
        app.config["LOGIN_THROTTLE_WINDOW_SECONDS"],
        app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        app.config["LOGIN_MAX_FAILURES_PER_CLIENT"],
    )


def login_throttle() -> LoginThrottle:
    return current_app.extensions["login_throttle"]
