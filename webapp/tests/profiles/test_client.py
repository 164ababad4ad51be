"""The user_service client: batching, forwarded correlation headers, follows, failures."""

import pytest

from titanium_common.api import ApiError
from webapp.profiles import client
from webapp.upstream import UpstreamUnavailable


def test_lookups_forward_the_request_correlation(app, user_service):
    author = user_service.create(bio="hi")
    traceparent = "00-" + "a" * 32 + "-" + "b" * 16 + "-01"

    headers = {"X-Request-ID": "req-123", "traceparent": traceparent}
    with app.test_request_context(headers=headers):
        app.preprocess_request()  # begins the request's correlation context
        found = client.lookup(ids=[author.id])

    assert [(item["id"], item["bio"], item["version"]) for item in found] == [(author.id, "hi", 1)]
    call = user_service.calls_to("/internal/profiles")[-1]
    assert call.args == {"id": [author.id]}
    assert call.headers["X-Request-Id"] == "req-123"
    assert call.headers["Traceparent"].startswith("00-" + "a" * 32)


def test_more_than_a_hundred_keys_are_asked_in_chunks(app_context, user_service):
    ids = [user_service.create().id for _ in range(150)]

    found = client.lookup(ids=ids)

    assert {item["id"] for item in found} == set(ids)
    assert [len(c.args["id"]) for c in user_service.calls_to("/internal/profiles")] == [100, 50]


def test_whom_a_viewer_follows_among_some_accounts_is_one_call(app_context, user_service):
    viewer, followed, other = (user_service.create() for _ in range(3))
    user_service.follows.add((viewer.id, followed.id))

    assert client.followed_among(viewer.id, [followed.id, other.id]) == {followed.id}
    (call,) = user_service.calls_to(f"/internal/following/{viewer.id}")
    assert call.args == {"id": [followed.id, other.id]}


def test_calls_go_straight_to_the_service_whatever_proxy_the_environment_names(
    app_context, user_service, monkeypatch
):
    """Service-to-service calls never go through an HTTP proxy from the environment (reading it
    on every call also cost ~0.6 ms of CPU)."""
    viewer, followed = user_service.create(), user_service.create()
    user_service.follows.add((viewer.id, followed.id))
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    assert client.followed_among(viewer.id, [followed.id]) == {followed.id}


def test_follow_and_unfollow(app_context, user_service):
    viewer, author = user_service.create(), user_service.create()

    assert client.follow(viewer.id, author.username) is True
    assert client.following_ids(viewer.id) == [author.id]
    assert client.unfollow(viewer.id, author.username) is False
    assert client.following_ids(viewer.id) == []


@pytest.mark.parametrize(
    ("username", "expected"),
    [("nobody-here", (404, {"profile": ["not found"]})), (None, (422, None))],
)
def test_follow_errors_are_the_contracts(app_context, user_service, username, expected):
    viewer = user_service.create()

    with pytest.raises(ApiError) as caught:
        client.follow(viewer.id, username or viewer.username)

    assert caught.value.status == expected[0]
    if expected[1]:
        assert caught.value.errors == expected[1]


def test_unknown_keys_are_left_out(app_context, user_service):
    assert client.lookup(usernames=["no-such-user"]) == []


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_upstream_unavailable(app_context, user_service, status):
    user_service.failure_status = status

    with pytest.raises(UpstreamUnavailable, match="user_service"):
        client.following_ids(user_service.create().id)


def test_a_client_error_is_a_bug_not_an_outage(app_context, user_service):
    user_service.failure_status = 400

    with pytest.raises(Exception) as caught:
        client.lookup(usernames=["x"])

    assert not isinstance(caught.value, UpstreamUnavailable)
