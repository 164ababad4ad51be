"""The platform degrades cleanly: a dead user_service or Redis never loses data or gives a 500."""

import time

import pytest
import requests

from tests.support import Api, eventually, start_stack, stop_stack
from titanium_common.testing import configured_backends


def test_user_service_down_fails_fast_and_registration_is_delivered_later(stack, api):
    stack.stop("user_service")
    try:
        started = time.monotonic()
        profile = api.call("GET", "/profiles/anyone")
        elapsed = time.monotonic() - started
        user = api.register()
        updated = api.call(
            "PUT", "/user", user["token"], json={"user": {"bio": "written while down"}}
        )
        login = api.call(
            "POST",
            "/users/login",
            json={"user": {"email": user["email"], "password": user["password"]}},
        )
    finally:
        stack.start("user_service")
        stack.wait_until_healthy()

    assert profile.status_code == 502
    assert profile.json() == {"errors": {"upstream": ["user_service is unavailable"]}}
    assert elapsed < 1.5
    assert updated.status_code == 200 and updated.json()["user"]["bio"] == "written while down"
    assert login.status_code == 200

    # The relay delivers the registration and the bio change as two snapshots, in order.
    def delivered_bio():
        profile = api.call("GET", f"/profiles/{user['username']}")
        return profile.status_code == 200 and profile.json()["profile"]["bio"]

    assert eventually(delivered_bio) == "written while down"


@pytest.fixture(scope="module", params=configured_backends(), ids=lambda backend: backend.name)
def stack_without_redis(request, tmp_path_factory):
    # Port 1 refuses connections at once: exactly what a stopped Redis looks like to a client.
    running = start_stack(
        request.param, tmp_path_factory.mktemp("no-redis"), redis_url="redis://127.0.0.1:1/0"
    )
    yield running
    stop_stack(running)


def test_with_redis_down_everything_works_without_a_500(stack_without_redis):
    api = Api(stack_without_redis.url)
    reader, author = api.register(), api.register()

    statuses = [
        api.call("GET", "/user", reader["token"]).status_code,
        api.call("PUT", "/user", author["token"], json={"user": {"bio": "still here"}}).status_code,
        api.call("GET", f"/profiles/{author['username']}", reader["token"]).status_code,
        api.call("POST", f"/profiles/{author['username']}/follow", reader["token"]).status_code,
        api.call(
            "POST",
            "/users/login",
            json={"user": {"email": reader["email"], "password": "wrong-pass"}},
        ).status_code,
    ]

    assert statuses == [200, 200, 200, 200, 401]
    profile = api.call("GET", f"/profiles/{author['username']}", reader["token"]).json()["profile"]
    assert profile["bio"] == "still here" and profile["following"] is True
    ready = requests.get(
        f"http://127.0.0.1:{stack_without_redis.config.ports.user_service}/readyz", timeout=5
    )
    assert ready.status_code == 200 and ready.json()["checks"]["redis"]["status"] == "down"
