"""Tokens are checked at the gateway: forged, expired, tampered, foreign and over-long tokens are
refused, and so is every token of an account signed before its password changed."""

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support import claims_of, eventually, newest_signing_key, sign

INVALID = {"errors": {"token": ["is invalid"]}}


@pytest.mark.parametrize("path", ["/user", "/profiles/anyone"])
def test_token_signed_by_an_unknown_key_is_refused(api, path):
    user = api.register()
    forged = sign(Ed25519PrivateKey.generate(), "unknown-kid", sub=claims_of(user["token"])["sub"])

    response = api.call("GET", path, forged)

    assert (response.status_code, response.json()) == (401, INVALID)


def test_token_signed_by_another_key_under_a_known_kid_is_refused(api):
    user = api.register()
    kid = jwt.get_unverified_header(user["token"])["kid"]
    forged = sign(Ed25519PrivateKey.generate(), kid, sub=claims_of(user["token"])["sub"])

    response = api.call("GET", "/user", forged)

    assert (response.status_code, response.json()) == (401, INVALID)


def test_expired_token_is_refused(api, stack):
    user = api.register()
    kid = jwt.get_unverified_header(user["token"])["kid"]
    expired = sign(
        newest_signing_key(stack),
        kid,
        sub=claims_of(user["token"])["sub"],
        exp=int(time.time()) - 5,
    )

    response = api.call("GET", "/user", expired)

    assert (response.status_code, response.json()) == (401, INVALID)


def test_tampered_token_is_refused(api):
    victim, attacker = api.register(), api.register()
    header, _payload, signature = attacker["token"].split(".")
    claims = {**claims_of(attacker["token"]), "sub": claims_of(victim["token"])["sub"]}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    response = api.call("GET", "/user", f"{header}.{payload}.{signature}")

    assert (response.status_code, response.json()) == (401, INVALID)


def test_client_sent_identity_headers_are_ignored(api):
    victim, attacker = api.register(), api.register()
    forged = {"X-Titanium-User-Id": claims_of(victim["token"])["sub"]}

    anonymous = api.call("GET", "/user", headers=dict(forged))
    as_attacker = api.call("GET", "/user", attacker["token"], headers=dict(forged))

    assert (anonymous.status_code, anonymous.json()) == (401, {"errors": {"token": ["is missing"]}})
    assert as_attacker.json()["user"]["username"] == attacker["username"]


def test_key_rotation_logs_nobody_out(api, stack):
    before = api.register()
    old_kid = jwt.get_unverified_header(before["token"])["kid"]

    stack.flask("auth_service", "keys", "rotate")
    after = api.call(
        "POST",
        "/users/login",
        json={"user": {"email": before["email"], "password": before["password"]}},
    )

    new_token = after.json()["user"]["token"]
    assert jwt.get_unverified_header(new_token)["kid"] != old_kid
    assert api.call("GET", "/user", new_token).status_code == 200
    assert api.call("GET", "/user", before["token"]).status_code == 200


def test_a_token_claiming_a_hundred_year_lifetime_is_refused(api, stack):
    user = api.register()
    kid = jwt.get_unverified_header(user["token"])["kid"]
    claims = {**claims_of(user["token"]), "exp": int(time.time()) + 100 * 365 * 86400}
    century = sign(newest_signing_key(stack), kid, **claims)

    response = api.call("GET", "/user", century)

    assert (response.status_code, response.json()) == (401, INVALID)


def test_a_password_change_ends_every_older_token_within_a_poll(api):
    user = api.register()
    second_device = login(api, user)["token"]

    changed = api.call(
        "PUT", "/user", user["token"], json={"user": {"password": "a brand new passphrase"}}
    )
    fresh = changed.json()["user"]["token"]

    assert changed.status_code == 200
    assert eventually(lambda: api.call("GET", "/user", user["token"]).status_code == 401, 5)
    assert api.call("GET", "/user", second_device).status_code == 401
    assert api.call("GET", "/articles/feed", second_device).status_code == 401
    assert api.call("GET", "/user", fresh).status_code == 200


def test_sign_out_everywhere_ends_the_accounts_tokens(api, stack):
    user = api.register()

    stack.flask("auth_service", "sign-out-everywhere", user["email"])

    assert eventually(lambda: api.call("GET", "/user", user["token"]).status_code == 401, 5)
    assert api.call("GET", "/user", login(api, user)["token"]).status_code == 200


def login(api, user) -> dict:
    body = {"user": {"email": user["email"], "password": user["password"]}}
    response = api.call("POST", "/users/login", json=body)
    assert response.status_code == 200, response.text
    return response.json()["user"]
