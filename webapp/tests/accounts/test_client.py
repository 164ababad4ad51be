"""webapp.accounts.client against a stand-in for auth_service's HTTP answers, recorded where
every upstream call goes out: the pooled session of webapp.upstream."""

import json

import jwt
import pytest
import requests

from titanium_common.identity import CLIENT_ADDRESS_HEADER, USER_ID_HEADER
from webapp import upstream
from webapp.accounts import client
from webapp.upstream import UpstreamUnavailable

USER = {"email": "e@x.test", "username": "u", "bio": None, "image": None}


class Sent:
    def __init__(self):
        self.calls = []
        self.answer = (200, {"user": {**USER, "token": "t"}}, {})

    def __call__(self, method, url, json=None, params=None, headers=None, timeout=None):
        self.calls.append({"method": method, "url": url, "json": json, "headers": headers})
        if isinstance(self.answer, Exception):
            raise self.answer
        status, body, response_headers = self.answer
        response = requests.Response()
        response.status_code = status
        response._content = body if isinstance(body, bytes) else _dumps(body)
        response.headers.update(response_headers)
        return response


def _dumps(body) -> bytes:
    return json.dumps(body).encode()


@pytest.fixture
def sent(monkeypatch, app):
    recorder = Sent()
    # The one pooled session every upstream call goes through (webapp.upstream).
    monkeypatch.setattr(app.extensions[upstream.EXTENSION_KEY], "request", recorder)
    # A browser's request as the gateway passes it on: the address its edge saw, and an
    # X-Forwarded-For the browser made up.
    gateway_headers = {CLIENT_ADDRESS_HEADER: "203.0.113.9", "X-Forwarded-For": "198.51.100.1"}
    with app.test_request_context("/login", headers=gateway_headers):
        app.preprocess_request()
        yield recorder


def test_login_posts_the_realworld_body_with_the_client_address(sent, app):
    user = client.login("e@x.test", "secret-pass")

    call = sent.calls[0]
    assert user["username"] == "u"
    assert (call["method"], call["url"]) == (
        "POST",
        app.config["AUTH_SERVICE_URL"] + "/api/users/login",
    )
    assert call["json"] == {"user": {"email": "e@x.test", "password": "secret-pass"}}
    assert call["headers"][CLIENT_ADDRESS_HEADER] == "203.0.113.9"
    assert "X-Forwarded-For" not in call["headers"]


@pytest.mark.parametrize(("header", "version"), [({"X-Titanium-Profile-Version": "7"}, 7), ({}, 0)])
def test_the_users_profile_version_comes_with_it(sent, header, version):
    """It keeps webapp's copy of the author in order; an auth_service that does not say it
    gives 0, which every snapshot replaces."""
    sent.answer = (200, {"user": {**USER, "token": "t"}}, header)

    assert client.current_account("acc-1")["version"] == version


def test_account_calls_carry_the_identity_header(sent):
    client.current_account("acc-1")
    client.update_account("acc-1", {"bio": None})
    client.register("u", "e@x.test", "secret-pass")

    assert sent.calls[0]["headers"][USER_ID_HEADER] == "acc-1"
    # The settings form always asks auth_service to check the current password (ADR 0019).
    assert sent.calls[1]["json"] == {"user": {"bio": None}, "current_password": ""}
    assert sent.calls[2]["json"]["user"]["username"] == "u"


def test_a_refusal_carries_the_errors_and_retry_after(sent):
    sent.answer = (429, {"errors": {"login": ["too many"]}}, {"Retry-After": "120"})

    with pytest.raises(client.AuthRejected) as refused:
        client.login("e@x.test", "p")

    assert refused.value.status == 429
    assert refused.value.errors == {"login": ["too many"]}
    assert refused.value.retry_after == 120


@pytest.mark.parametrize(
    "answer",
    [requests.ConnectionError("down"), (502, {"errors": {}}, {}), (200, b"not json", {})],
    ids=["unreachable", "5xx", "garbage"],
)
def test_a_broken_auth_service_is_upstream_unavailable(sent, answer):
    sent.answer = answer

    with pytest.raises(UpstreamUnavailable):
        client.login("e@x.test", "p")


def test_the_account_and_version_come_from_the_token():
    token = jwt.encode({"sub": "acc-42", "ver": 3}, "k" * 32, algorithm="HS256")

    assert client.signed_in_as({"token": token}) == ("acc-42", 3)
