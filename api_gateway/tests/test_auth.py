"""Token checks at the edge: verified subject passed on, anything doubtful refused or dropped."""

import asyncio
import json
import time

import jwt
import pytest

from api_gateway.auth import parse_jwks, token_from_header
from tests.conftest import SigningKey, closed_port_url, echo, echoed_headers

USER_ID = "6f1c2c1e-8a4e-4f57-9a53-2b1e4f0c9d11"
DAY = 86400  # the gateway's default TOKEN_TTL_SECONDS
YEAR = 365 * DAY


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "token", "BEARER"])
async def test_valid_token_passes_subject_and_normalised_header(
    gateway_client, signing_key, scheme
):
    token = signing_key.token(USER_ID)

    response = await gateway_client.get("/api/user", headers={"Authorization": f"{scheme} {token}"})

    received = echoed_headers(await echo(response))
    assert received["x-titanium-user-id"] == [USER_ID]
    assert received["authorization"] == [f"Token {token}"]


async def test_no_token_is_anonymous(gateway_client):
    received = echoed_headers(await echo(await gateway_client.get("/api/articles")))

    assert "x-titanium-user-id" not in received
    assert "authorization" not in received


async def test_unrecognised_scheme_counts_as_no_token(gateway_client, signing_key):
    headers = {"Authorization": f"Basic {signing_key.token(USER_ID)}"}

    received = echoed_headers(await echo(await gateway_client.get("/api/user", headers=headers)))

    assert "x-titanium-user-id" not in received
    assert "authorization" not in received


def other_key_same_kid() -> str:
    return SigningKey(kid="key-1").token(USER_ID)


def unpublished_kid() -> str:
    return SigningKey(kid="key-unknown").token(USER_ID)


def expired(key: SigningKey) -> str:
    return key.token(USER_ID, expires_in=-60)


def tampered(key: SigningKey) -> str:
    header, payload, signature = key.token(USER_ID).split(".")
    claims = {"sub": "someone-else", "iss": "titanium-auth", "aud": "titanium", "exp": 2**40}
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    assert forged != payload
    return f"{header}.{forged}.{signature}"


def hmac_signed(key: SigningKey) -> str:
    claims = {"sub": USER_ID, "iss": "titanium-auth", "aud": "titanium", "exp": time.time() + 900}
    return jwt.encode(
        claims, "secret-guess-long-enough-for-hmac-32b", "HS256", headers={"kid": key.kid}
    )


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda key: other_key_same_kid(), id="bad-signature"),
        pytest.param(lambda key: unpublished_kid(), id="unknown-kid"),
        pytest.param(expired, id="expired"),
        pytest.param(tampered, id="tampered"),
        pytest.param(lambda key: key.token(USER_ID, aud="someone-else"), id="wrong-audience"),
        pytest.param(lambda key: key.token(USER_ID, iss="someone-else"), id="wrong-issuer"),
        pytest.param(lambda key: key.token(""), id="empty-subject"),
        pytest.param(lambda key: key.token(USER_ID, expires_in=100 * YEAR), id="100-year-exp"),
        pytest.param(
            lambda key: key.token(USER_ID, iat=int(time.time()) - 600, expires_in=DAY),
            id="lifetime-over-the-ttl",
        ),
        pytest.param(
            lambda key: key.token(USER_ID, iat=int(time.time()) + 3600, expires_in=2 * 3600),
            id="issued-in-the-future",
        ),
        pytest.param(lambda key: key.token(USER_ID, iat=None), id="no-iat"),
        pytest.param(lambda key: key.token(USER_ID, iat="0"), id="iat-not-a-number"),
        pytest.param(lambda key: key.token(USER_ID, ver="1"), id="version-not-a-number"),
        pytest.param(hmac_signed, id="wrong-algorithm"),
        pytest.param(lambda key: "not.a.jwt", id="garbage"),
        pytest.param(lambda key: "", id="empty"),
    ],
)
@pytest.mark.parametrize("path", ["/api/user", "/api/articles", "/api/profiles/jake"])
async def test_invalid_token_on_api_routes_is_401(gateway_client, signing_key, make_token, path):
    headers = {"Authorization": f"Token {make_token(signing_key)}"}

    response = await gateway_client.get(path, headers=headers)

    assert response.status == 401
    assert await response.json() == {"errors": {"token": ["is invalid"]}}


async def test_a_token_issued_a_little_ahead_of_the_gateways_clock_is_accepted(
    gateway_client, signing_key
):
    token = signing_key.token(USER_ID, iat=int(time.time()) + 20)

    response = await gateway_client.get("/api/user", headers={"Authorization": f"Token {token}"})

    assert response.status == 200


async def test_the_longest_lifetime_follows_the_setting(make_gateway, signing_key):
    gateway = await make_gateway(TOKEN_TTL_SECONDS=60)
    headers = {
        expires_in: {"Authorization": f"Token {signing_key.token(USER_ID, expires_in=expires_in)}"}
        for expires_in in (60, 61)
    }

    assert (await gateway.get("/api/user", headers=headers[60])).status == 200
    assert (await gateway.get("/api/user", headers=headers[61])).status == 401


async def test_invalid_token_on_web_ui_is_dropped_not_refused(gateway_client, signing_key):
    headers = {"Authorization": f"Token {expired(signing_key)}"}

    received = echoed_headers(await echo(await gateway_client.get("/editor", headers=headers)))

    assert "authorization" not in received
    assert "x-titanium-user-id" not in received


async def test_key_rotation_accepts_old_and_new_tokens(make_gateway, upstreams, signing_key):
    gateway = await make_gateway(JWKS_MIN_REFETCH_SECONDS=0)
    old_token = signing_key.token(USER_ID)
    assert (
        await gateway.get("/api/user", headers={"Authorization": f"Token {old_token}"})
    ).status == 200

    new_key = SigningKey(kid="key-2")
    upstreams.published_keys.append(new_key)
    for token in (new_key.token(USER_ID), old_token):
        response = await gateway.get("/api/user", headers={"Authorization": f"Token {token}"})
        assert echoed_headers(await echo(response))["x-titanium-user-id"] == [USER_ID]
    assert len(upstreams.jwks_fetches) == 2


async def test_bogus_kids_do_not_hammer_auth_service(gateway_client, upstreams, signing_key):
    valid = {"Authorization": f"Token {signing_key.token(USER_ID)}"}
    assert (await gateway_client.get("/api/user", headers=valid)).status == 200

    async def bogus(number: int) -> int:
        token = SigningKey(kid=f"bogus-{number}").token(USER_ID)
        response = await gateway_client.get(
            "/api/user", headers={"Authorization": f"Token {token}"}
        )
        return response.status

    statuses = await asyncio.gather(*(bogus(number) for number in range(20)))

    assert statuses == [401] * 20
    assert len(upstreams.jwks_fetches) == 2  # the first key lookup, then one shared refetch


async def test_a_rotated_key_inside_the_refetch_interval_waits_instead_of_failing(
    make_gateway, upstreams, signing_key
):
    gateway = await make_gateway(JWKS_MIN_REFETCH_SECONDS=0.3)
    bogus = SigningKey(kid="bogus").token(USER_ID)
    await gateway.get("/api/user", headers={"Authorization": f"Token {bogus}"})
    new_key = SigningKey(kid="key-2")
    upstreams.published_keys.append(new_key)

    started = time.monotonic()
    response = await gateway.get(
        "/api/user", headers={"Authorization": f"Token {new_key.token(USER_ID)}"}
    )

    assert response.status == 200
    assert time.monotonic() - started < 1.0


async def test_auth_service_down_gives_fast_503_then_no_retry_storm(make_gateway, signing_key):
    gateway = await make_gateway(AUTH_SERVICE_URL=closed_port_url())
    headers = {"Authorization": f"Token {signing_key.token(USER_ID)}"}

    started = time.monotonic()
    for _ in range(3):
        response = await gateway.get("/api/articles", headers=headers)
        assert response.status == 503
        assert await response.json() == {"errors": {"upstream": ["auth_service is unavailable"]}}
    assert time.monotonic() - started < 1.0

    web_ui = await gateway.get("/", headers=headers)
    assert "x-titanium-user-id" not in echoed_headers(await echo(web_ui))


@pytest.mark.parametrize(
    ("header", "token"),
    [
        (None, None),
        ("", None),
        ("Basic abc", None),
        ("Token abc", "abc"),
        ("  bearer   abc ", "abc"),
        ("Token", ""),
    ],
)
def test_token_from_header(header, token):
    assert token_from_header(header) == token


def test_parse_jwks_skips_unusable_entries(signing_key):
    document = {
        "keys": [
            signing_key.jwk,
            {"kid": "broken", "kty": "OKP", "crv": "Ed25519", "x": "!!"},
            {"kty": "OKP"},
            "not-a-key",
        ]
    }

    assert list(parse_jwks(document)) == ["key-1"]
    assert parse_jwks(["not", "a", "jwks"]) == {}
