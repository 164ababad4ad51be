"""Failed logins are throttled per account and per client, with or without a working Redis."""

import logging
import time

import pytest

from auth_service.throttle import login_throttle
from titanium_common.service import REDIS_EXTENSION

TOO_MANY = {"errors": {"login": ["too many failed attempts, try again later"]}}
WINDOW = 900


def fail(users, email, times):
    for _ in range(times):
        assert users.login(email, "wrong password").status_code == 401


def test_the_account_is_locked_after_its_limit_even_for_the_right_password(users):
    user = users.register()
    fail(users, user["email"], 5)

    response = users.login(user["email"].upper(), "correct horse")

    assert response.status_code == 429
    assert response.json == TOO_MANY
    assert 0 < int(response.headers["Retry-After"]) <= WINDOW


def test_blank_fields_are_still_422_when_throttled(users):
    user = users.register()
    fail(users, user["email"], 5)
    assert users.login(user["email"], "").status_code == 422


def test_a_locked_account_does_not_lock_others_from_the_same_client(users):
    locked, other = users.register(), users.register()
    fail(users, locked["email"], 5)
    assert users.login(other["email"], "correct horse").status_code == 200


def test_a_successful_login_clears_the_account_counter(users):
    user = users.register()
    fail(users, user["email"], 4)
    assert users.login(user["email"], "correct horse").status_code == 200
    fail(users, user["email"], 4)
    assert users.login(user["email"], "correct horse").status_code == 200


def test_a_client_is_throttled_across_accounts_by_its_forwarded_address(make_app, users):
    client = make_app(LOGIN_MAX_FAILURES_PER_CLIENT=3).test_client()
    attacker = {"X-Forwarded-For": "203.0.113.7"}
    bystander = {"X-Forwarded-For": "203.0.113.8"}
    user = users.register()

    def login(email, password, headers):
        body = {"user": {"email": email, "password": password}}
        return client.post("/api/users/login", json=body, headers=headers)

    for n in range(3):
        assert (
            login(f"guess{n}-{user['id']}@example.test", "nope nope", attacker).status_code == 401
        )
    assert login(user["email"], "correct horse", attacker).status_code == 429
    assert login(user["email"], "correct horse", bystander).status_code == 200


def test_with_redis_down_throttling_still_works_quickly_and_without_a_500(make_app, users):
    client = make_app(REDIS_URL="redis://127.0.0.1:1/0").test_client()
    user = users.register()
    body = {"user": {"email": user["email"], "password": "wrong password"}}

    started = time.monotonic()
    statuses = [client.post("/api/users/login", json=body).status_code for _ in range(6)]

    assert statuses == [401] * 5 + [429]
    assert time.monotonic() - started < 2


def test_redis_holds_the_counters_when_configured(app, users, backend):
    if not backend.redis_url:
        pytest.skip("needs Redis (TITANIUM_REDIS_URL)")
    user = users.register()
    fail(users, user["email"], 1)
    key = f"{app.config['REDIS_KEY_PREFIX']}login-failures:account:{user['email']}"
    redis = app.extensions[REDIS_EXTENSION].client

    assert int(redis.get(key)) == 1
    assert 0 < redis.ttl(key) <= WINDOW
    with app.app_context():
        assert len(login_throttle().counters.local) == 0  # nothing counted in process


def test_without_redis_counting_in_process_is_silent(make_app, users, caplog):
    client = make_app(REDIS_URL="").test_client()
    user = users.register()
    body = {"user": {"email": user["email"], "password": "wrong password"}}

    with caplog.at_level(logging.INFO):
        statuses = [client.post("/api/users/login", json=body).status_code for _ in range(6)]

    assert statuses == [401] * 5 + [429]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
