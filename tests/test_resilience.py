"""The platform degrades cleanly: a dead user_service or Redis never loses data or gives a 500,
and a retried write never makes a second one."""

import time
import uuid

import pytest
import requests

from tests.support import Api, eventually, start_stack, stop_stack, unique
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


def test_with_user_service_down_pages_and_writes_work_with_the_authors_webapp_holds(stack, api):
    """Issue 10: with user_service down every page failed, the anonymous home page included,
    and creating an article or a comment committed, then answered 503 (a client retrying made
    duplicates). Authors now come from webapp's copies, fed by auth_service's outbox."""
    author = api.register()
    before = api.create_article(author["token"], title=unique("Before the outage "))
    stack.stop("user_service")
    try:
        article = api.call(
            "POST",
            "/articles",
            author["token"],
            json={"article": {"title": unique("During "), "description": "d", "body": "b"}},
        )
        comment = api.call(
            "POST",
            f"/articles/{before['slug']}/comments",
            author["token"],
            json={"comment": {"body": "Still writing"}},
        )
        home = requests.get(f"{stack.url}/", timeout=10)
        page = requests.get(f"{stack.url}/article/{before['slug']}", timeout=10)
        listed = api.call("GET", "/articles", params={"author": author["username"]})
    finally:
        stack.start("user_service")
        stack.wait_until_healthy()

    assert article.status_code == 201, article.text
    assert article.json()["article"]["author"]["username"] == author["username"]
    assert comment.status_code == 201, comment.text
    assert comment.json()["comment"]["author"]["username"] == author["username"]
    assert home.status_code == 200 and home.headers["X-Cache"] == "MISS"  # rendered, not kept
    assert author["username"] in home.text
    assert page.status_code == 200 and author["username"] in page.text
    assert listed.status_code == 200
    assert {a["author"]["username"] for a in listed.json()["articles"]} == {author["username"]}
    assert listed.json()["articlesCount"] == 2


def test_retrying_a_post_with_the_same_idempotency_key_creates_one_article(stack, api):
    author = api.register()
    title, key = unique("Retried "), str(uuid.uuid4())
    body = {"article": {"title": title, "description": "d", "body": "b"}}

    replies = [
        api.call("POST", "/articles", author["token"], json=body, headers={"Idempotency-Key": key})
        for _ in range(3)
    ]
    stack.stop("user_service")  # and again while user_service is down: still the same reply
    try:
        during = api.call(
            "POST", "/articles", author["token"], json=body, headers={"Idempotency-Key": key}
        )
    finally:
        stack.start("user_service")
        stack.wait_until_healthy()

    assert [reply.status_code for reply in [*replies, during]] == [201] * 4
    assert [reply.headers.get("Idempotent-Replayed") for reply in replies] == [None, "true", "true"]
    assert len({reply.json()["article"]["slug"] for reply in [*replies, during]}) == 1
    mine = api.call("GET", "/articles", params={"author": author["username"]}).json()
    assert [a["title"] for a in mine["articles"]] == [title]


def test_retrying_a_registration_with_the_same_key_creates_one_account(api):
    key, suffix = str(uuid.uuid4()), uuid.uuid4().hex[:10]
    user = {"username": f"u{suffix}", "email": f"u{suffix}@example.test", "password": "long enough"}

    first, again = (
        api.call("POST", "/users", json={"user": user}, headers={"Idempotency-Key": key})
        for _ in range(2)
    )

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["user"]["username"] == user["username"]
    signed_in = api.call("GET", "/user", again.json()["user"]["token"])
    assert signed_in.status_code == 200 and signed_in.json()["user"]["email"] == user["email"]


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
