"""Login throttling: failed logins are counted per account and per client in a fixed window.

The window starts at the first failure and is not extended by later ones. Counters
(titanium_common.counters) live in Redis, shared by every worker and replica; without Redis, or
while it fails, each process counts on its own: weaker, but never open and never a 500.
"""

from flask import Flask, current_app

from titanium_common.api import ApiError
from titanium_common.counters import Counters
from titanium_common.service import REDIS_EXTENSION

TOO_MANY = "too many failed attempts, try again later"


class LoginThrottle:
    def __init__(
        self,
        counters: Counters,
        window_seconds: int,
        max_per_account: int,
        max_per_client: int,
    ):
        self.counters = counters
        self.window_seconds = window_seconds
        self.limits = {"account": max_per_account, "client": max_per_client}

    def check(self, email: str, client: str | None) -> None:
        """Raise 429 with Retry-After when the account or the client is at its limit."""
        for key, limit in self._keys(email, client):
            window = self.counters.peek(key)
            if window.count >= limit:
                retry_after = {"Retry-After": str(window.retry_after_seconds)}
                raise ApiError.one(429, "login", TOO_MANY, retry_after)

    def record_failure(self, email: str, client: str | None) -> None:
        for key, _ in self._keys(email, client):
            self.counters.hit(key, self.window_seconds)

    def record_success(self, email: str) -> None:
        self.counters.clear(self._key("account", email))

    def _keys(self, email: str, client: str | None) -> list[tuple[str, int]]:
        keys = [(self._key("account", email), self.limits["account"])]
        if client:
            keys.append((self._key("client", client), self.limits["client"]))
        return keys

    def _key(self, kind: str, value: str) -> str:
        return f"{kind}:{value}"


def init_app(app: Flask) -> None:
    counters = Counters(
        app.extensions[REDIS_EXTENSION], f"{app.config['REDIS_KEY_PREFIX']}login-failures:"
    )
    app.extensions["login_throttle"] = LoginThrottle(
        counters,
        app.config["LOGIN_THROTTLE_WINDOW_SECONDS"],
        app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        app.config["LOGIN_MAX_FAILURES_PER_CLIENT"],
    )


def login_throttle() -> LoginThrottle:
    return current_app.extensions["login_throttle"]
