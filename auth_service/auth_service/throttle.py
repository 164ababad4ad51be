"""Throttling that protects the account's owner, not the attacker.

- **Per account, a growing delay, never a lock.** After LOGIN_FAILURES_BEFORE_DELAY failed
  sign-ins, each further failure makes the next attempt wait LOGIN_FIRST_DELAY_SECONDS, doubled
  per failure up to LOGIN_MAX_DELAY_SECONDS. Guessing slows to about one try a minute, while the
  owner, who may be attacked from anywhere, waits seconds (at most the cap), never a window.
  While a wait runs every attempt is refused, the right password included (otherwise the wait
  would slow nobody), and refused attempts neither count nor lengthen it. A success clears it.
- **Per client address, a limit that blocks that address only.** LOGIN_MAX_FAILURES_PER_CLIENT
  failures across all accounts within LOGIN_THROTTLE_WINDOW_SECONDS refuse that address until
  the window ends. The address is the one the gateway's trusted edge saw (CLIENT_ADDRESS_HEADER,
  via titanium_common.context); without one (a call from inside the cluster) only the account's
  delay applies.
- **ClientLimit** caps any other request per address (sign-ups; password-reset requests).

Keys hold a hash of the normalised email, never the email. Counters (titanium_common.counters)
live in Redis, shared by every worker and replica; without Redis, or while it fails, each
process counts on its own: weaker, but never open and never a 500. The check and the count of a
sign-in are separate steps around the password check, so attempts that arrive together before
the first failure is counted each get through once; the per-client limit and the number of
requests a replica runs at once bound that.
"""

import hashlib

from flask import Flask, current_app

from titanium_common.api import ApiError
from titanium_common.counters import Counters, Window
from titanium_common.service import REDIS_EXTENSION

TOO_MANY = "too many failed attempts, try again later"
# Beyond this many doublings every delay is the cap anyway (and 2**n stays a small number).
MAX_DOUBLINGS = 32


def account_key(kind: str, email: str) -> str:
    """A counter key for an account: a hash of its normalised (lower-cased) email."""
    return f"{kind}:{hashlib.sha256(email.encode()).hexdigest()}"


def too_many(field: str, message: str, window: Window) -> ApiError:
    return ApiError.one(429, field, message, {"Retry-After": str(window.retry_after_seconds)})


class LoginThrottle:
    def __init__(
        self,
        counters: Counters,
        *,
        window_seconds: int,
        failures_before_delay: int,
        first_delay_seconds: float,
        max_delay_seconds: float,
        max_failures_per_client: int,
    ):
        self.counters = counters
        self.window_seconds = window_seconds
        self.failures_before_delay = failures_before_delay
        self.first_delay_seconds = first_delay_seconds
        self.max_delay_seconds = max_delay_seconds
        self.max_failures_per_client = max_failures_per_client

    def check(self, email: str, client: str | None) -> None:
        """429 with Retry-After while the account's wait runs or the client is at its limit."""
        refusals = []
        if (wait := self.counters.peek(account_key("wait", email))).count:
            refusals.append(wait)
        if client:
            failures = self.counters.peek(f"client-failures:{client}")
            if failures.count >= self.max_failures_per_client:
                refusals.append(failures)
        if refusals:
            raise too_many("login", TOO_MANY, max(refusals, key=lambda w: w.seconds_left))

    def record_failure(self, email: str, client: str | None) -> None:
        failures = self.counters.hit(account_key("failures", email), self.window_seconds).count
        if failures >= self.failures_before_delay:
            self.counters.hit(account_key("wait", email), self.delay_seconds(failures))
        if client:
            self.counters.hit(f"client-failures:{client}", self.window_seconds)

    def record_success(self, email: str) -> None:
        for kind in ("failures", "wait"):
            self.counters.clear(account_key(kind, email))

    def delay_seconds(self, failures: int) -> float:
        """How long the attempt after the `failures`-th failure waits."""
        doublings = min(failures - self.failures_before_delay, MAX_DOUBLINGS)
        return min(self.first_delay_seconds * 2**doublings, self.max_delay_seconds)


class ClientLimit:
    """At most `limit` requests of one kind per client address per window; 0 turns it off.

    Every request counts, refused ones too, but a refusal never lengthens the window.
    """

    def __init__(
        self,
        counters: Counters,
        kind: str,
        *,
        limit: int,
        window_seconds: int,
        field: str,
        message: str,
    ):
        self.counters = counters
        self.kind = kind
        self.limit = limit
        self.window_seconds = window_seconds
        self.field = field
        self.message = message

    def hit(self, client: str | None) -> None:
        """Count one request from `client`; 429 with Retry-After past the limit."""
        if not client or self.limit <= 0:
            return
        window = self.counters.hit(f"{self.kind}:{client}", self.window_seconds)
        if window.count > self.limit:
            raise too_many(self.field, self.message, window)


def init_app(app: Flask) -> None:
    config = app.config
    counters = Counters(app.extensions[REDIS_EXTENSION], f"{config['REDIS_KEY_PREFIX']}throttle:")
    app.extensions["login_throttle"] = LoginThrottle(
        counters,
        window_seconds=config["LOGIN_THROTTLE_WINDOW_SECONDS"],
        failures_before_delay=config["LOGIN_FAILURES_BEFORE_DELAY"],
        first_delay_seconds=config["LOGIN_FIRST_DELAY_SECONDS"],
        max_delay_seconds=config["LOGIN_MAX_DELAY_SECONDS"],
        max_failures_per_client=config["LOGIN_MAX_FAILURES_PER_CLIENT"],
    )
    # One entry per kind of request limited per client (a password-reset request is one more).
    app.extensions["client_limits"] = {
        "registration": ClientLimit(
            counters,
            "registrations",
            limit=config["REGISTRATIONS_PER_CLIENT"],
            window_seconds=config["REGISTRATION_WINDOW_SECONDS"],
            field="registration",
            message="too many sign-ups from this address, try again later",
        ),
        "password_reset": ClientLimit(
            counters,
            "password-resets",
            limit=config["PASSWORD_RESETS_PER_CLIENT"],
            window_seconds=config["REGISTRATION_WINDOW_SECONDS"],
            field="email",
            message="too many reset requests from this address, try again later",
        ),
    }


def login_throttle() -> LoginThrottle:
    return current_app.extensions["login_throttle"]


def client_limit(kind: str) -> ClientLimit:
    return current_app.extensions["client_limits"][kind]
