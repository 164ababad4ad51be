"""Throttling protects the owner: an account's failed sign-ins cost growing waits of seconds,
never a lock; a client address at its limit blocks that address only; sign-ups are limited per
address. With or without a working Redis, and never with the email in a key."""

import hashlib
import logging
import time

import pytest

from auth_service.throttle import LoginThrottle, login_throttle
from tests.conftest import client_address, from_address
from titanium_common.api import ApiError
from titanium_common.counters import Counters, InProcessCounters
from titanium_common.guarded_redis import GuardedRedis
from titanium_common.service import REDIS_EXTENSION

TOO_MANY = {"errors": {"login": ["too many failed attempts, try again later"]}}


def fail(users, email, times, headers=None):
    for _ in range(times):
        response = users.client.post(
            "/api/users/login",
            json={"user": {"email": email, "password": "wrong password"}},
            headers=headers or {},
        )
        assert response.status_code == 401, response.json


def test_after_five_failures_the_owner_waits_a_second_not_fifteen_minutes(users):
    user = users.register()
    fail(users, user["email"], 5)

    refused = users.login(user["email"].upper(), "correct horse")
    assert (refused.status_code, refused.json) == (429, TOO_MANY)
    assert refused.headers["Retry-After"] == "1"
    time.sleep(1)
    again = users.login(user["email"], "correct horse")

    assert again.status_code == 200


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clocked_throttle():
    """A throttle with the default settings, counting in process on a clock the test moves."""
    clock = FakeClock()
    counters = Counters(GuardedRedis("", timeout_seconds=0.1, backoff_seconds=1), "test:")
    counters.local = InProcessCounters(clock=clock)
    throttle = LoginThrottle(
        counters,
        window_seconds=900,
        failures_before_delay=5,
        first_delay_seconds=1.0,
        max_delay_seconds=60.0,
        max_failures_per_client=50,
    )
    return throttle, clock


def retry_after(throttle: LoginThrottle, email: str, client: str | None = None) -> int | None:
    try:
        throttle.check(email, client)
    except ApiError as refusal:
        assert refusal.status == 429
        return int(refusal.headers["Retry-After"])
    return None


def test_each_further_failure_doubles_the_wait_up_to_a_minute(clocked_throttle):
    throttle, clock = clocked_throttle
    waits = []
    for _ in range(12):
        assert retry_after(throttle, "owner@example.test") is None
        throttle.record_failure("owner@example.test", None)
        waits.append(retry_after(throttle, "owner@example.test"))
        clock.now += waits[-1] or 0

    assert waits == [None] * 4 + [1, 2, 4, 8, 16, 32, 60, 60]


def test_refused_attempts_neither_count_nor_lengthen_the_wait(clocked_throttle):
    throttle, clock = clocked_throttle
    for _ in range(6):
        clock.now += retry_after(throttle, "owner@example.test") or 0
        throttle.record_failure("owner@example.test", None)
    assert retry_after(throttle, "owner@example.test") == 2

    for _ in range(100):
        retry_after(throttle, "owner@example.test")  # an attacker hammering during the wait
    clock.now += 2

    assert retry_after(throttle, "owner@example.test") is None


def test_a_success_forgets_the_failures(clocked_throttle):
    throttle, clock = clocked_throttle
    for _ in range(7):
        clock.now += retry_after(throttle, "owner@example.test") or 0
        throttle.record_failure("owner@example.test", None)
    clock.now += retry_after(throttle, "owner@example.test")

    throttle.record_success("owner@example.test")
    for _ in range(4):
        throttle.record_failure("owner@example.test", None)

    assert retry_after(throttle, "owner@example.test") is None


def test_blank_fields_are_still_422_while_a_wait_runs(users):
    user = users.register()
    fail(users, user["email"], 5)
    assert users.login(user["email"], "").status_code == 422


def test_a_waiting_account_does_not_hold_up_others_from_the_same_client(users):
    waiting, other = users.register(), users.register()
    fail(users, waiting["email"], 5)
    assert users.login(other["email"], "correct horse").status_code == 200


def test_a_client_at_its_limit_is_refused_and_no_other_client_is(make_app, users):
    client = make_app(LOGIN_MAX_FAILURES_PER_CLIENT=3).test_client()
    attacker, bystander = from_address(client_address()), from_address(client_address())
    user = users.register()

    def login(email, password, headers):
        body = {"user": {"email": email, "password": password}}
        return client.post("/api/users/login", json=body, headers=headers)

    for n in range(3):
        guess = login(f"guess{n}-{user['id']}@example.test", "nope nope", attacker)
        assert guess.status_code == 401
    refused = login(user["email"], "correct horse", attacker)

    assert (refused.status_code, refused.json) == (429, TOO_MANY)
    assert 0 < int(refused.headers["Retry-After"]) <= 900
    assert login(user["email"], "correct horse", bystander).status_code == 200


def test_a_client_cannot_pick_its_address_with_x_forwarded_for(make_app, users):
    client = make_app(LOGIN_MAX_FAILURES_PER_CLIENT=3).test_client()
    address = client_address()
    user = users.register()

    def login(password, n):
        headers = {**from_address(address), "X-Forwarded-For": f"198.51.100.{n}"}
        body = {"user": {"email": f"guess{n}-{user['id']}@example.test", "password": password}}
        return client.post("/api/users/login", json=body, headers=headers)

    statuses = [login("nope nope", n).status_code for n in range(4)]

    assert statuses == [401, 401, 401, 429]


def counter_keys(app, backend) -> list[str]:
    with app.app_context():
        counters = login_throttle().counters
    local = [str(key) for key in counters.local._windows]
    if not backend.redis_url:
        return local
    redis = app.extensions[REDIS_EXTENSION].client
    return local + [key.decode() for key in redis.scan_iter(f"{app.config['REDIS_KEY_PREFIX']}*")]


def test_keys_hold_a_hash_of_the_normalised_email_never_the_email(app, users, backend):
    user = users.register()
    local_part = user["email"].split("@")[0]
    fail(users, user["email"].upper(), 5)

    keys = counter_keys(app, backend)

    digest = hashlib.sha256(user["email"].encode()).hexdigest()
    assert not [key for key in keys if local_part in key.lower()]
    assert sum(key.endswith(f"failures:{digest}") for key in keys) == 1
    assert sum(key.endswith(f"wait:{digest}") for key in keys) == 1


def test_redis_holds_the_counters_when_configured(app, users, backend):
    if not backend.redis_url:
        pytest.skip("needs Redis (TITANIUM_REDIS_URL)")
    user = users.register()
    fail(users, user["email"], 1)
    digest = hashlib.sha256(user["email"].encode()).hexdigest()
    key = f"{app.config['REDIS_KEY_PREFIX']}throttle:failures:{digest}"
    redis = app.extensions[REDIS_EXTENSION].client

    assert int(redis.get(key)) == 1
    assert 0 < redis.ttl(key) <= 900
    with app.app_context():
        assert len(login_throttle().counters.local) == 0  # nothing counted in process


@pytest.mark.parametrize("redis_url", ["redis://127.0.0.1:1/0", ""], ids=["redis-down", "no-redis"])
def test_without_a_working_redis_throttling_works_quickly_and_quietly(
    make_app, users, caplog, redis_url
):
    client = make_app(REDIS_URL=redis_url).test_client()
    user = users.register()
    body = {"user": {"email": user["email"], "password": "wrong password"}}
    logging.getLogger().addHandler(caplog.handler)  # building the app replaced the handlers

    started = time.monotonic()
    with caplog.at_level(logging.INFO):
        statuses = [client.post("/api/users/login", json=body).status_code for _ in range(6)]

    assert statuses == [401] * 5 + [429]
    assert time.monotonic() - started < 2
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert bool(warnings) == bool(redis_url)  # an outage is logged, no Redis at all is the mode


def test_sign_ups_are_limited_per_client_address(make_app):
    client = make_app(REGISTRATIONS_PER_CLIENT=2).test_client()
    crowded, other = from_address(client_address()), from_address(client_address())

    def register(headers):
        name = f"s{time.monotonic_ns()}"
        user = {"username": name, "email": f"{name}@example.test", "password": "correct horse"}
        return client.post("/api/users", json={"user": user}, headers=headers)

    statuses = [register(crowded).status_code for _ in range(3)]
    refused = register(crowded)

    assert statuses == [201, 201, 429]
    assert refused.json == {
        "errors": {"registration": ["too many sign-ups from this address, try again later"]}
    }
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert register(other).status_code == 201
