"""Forwarding: headers in and out, bodies streamed both ways, fast 502/504 from bad upstreams."""

import asyncio
import io
import time

import pytest

from api_gateway.routes import MAX_BODY_BYTES, WEBAPP
from tests.conftest import closed_port_url, echo, echoed_headers, internal_get

USER_ID = "0b6f2a52-3c55-4d0e-8f0e-0a3d9b0f7c21"


@pytest.mark.parametrize("path", ["/api/articles", "/", "/.well-known/jwks.json"])
async def test_client_sent_identity_headers_never_reach_upstreams(gateway_client, path):
    forged = {
        "X-Titanium-User-Id": "admin",
        "x-titanium-role": "admin",
        "X-TITANIUM-IMPERSONATE": "1",
        "X-Titanium-Client-Address": "203.0.113.99",
    }

    response = await gateway_client.get(path, headers=forged)

    if path == "/.well-known/jwks.json":
        return  # the fake JWKS does not echo; the same code path is checked on the others
    received = echoed_headers(await echo(response))
    # Only what the gateway sets itself: the client address it saw.
    assert [name for name in received if name.startswith("x-titanium-")] == [
        "x-titanium-client-address"
    ]
    assert received["x-titanium-client-address"] == ["127.0.0.1"]


async def test_forged_identity_is_replaced_by_the_verified_one(gateway_client, signing_key):
    headers = {
        "Authorization": f"Token {signing_key.token(USER_ID)}",
        "X-Titanium-User-Id": "someone-else",
    }

    received = echoed_headers(await echo(await gateway_client.get("/api/user", headers=headers)))

    assert received["x-titanium-user-id"] == [USER_ID]


async def test_hop_by_hop_headers_are_dropped_and_others_kept(gateway_client):
    headers = {
        "Connection": "keep-alive, X-Hop-Secret",
        "X-Hop-Secret": "only for the next hop",
        "Keep-Alive": "timeout=5",
        "TE": "trailers",
        "Proxy-Authorization": "Basic Zm9vOmJhcg==",
        "Cookie": "session=abc",
        "Accept-Language": "de",
    }

    response = await gateway_client.get(
        "/", headers=headers, skip_auto_headers=["Accept-Encoding", "User-Agent"]
    )

    received = echoed_headers(await echo(response))
    for name in ("x-hop-secret", "keep-alive", "te", "proxy-authorization"):
        assert name not in received
    assert received["cookie"] == ["session=abc"]
    assert received["accept-language"] == ["de"]
    # Not invented on the client's behalf (an added Accept-Encoding could return gzip to it).
    assert "accept-encoding" not in received
    assert "user-agent" not in received


async def test_forwarded_headers_describe_the_original_request(gateway_client):
    host = gateway_client.make_url("").host

    first_hop = echoed_headers(await echo(await gateway_client.get("/")))
    chained = echoed_headers(
        await echo(await gateway_client.get("/", headers={"X-Forwarded-For": "203.0.113.7"}))
    )

    assert first_hop["x-forwarded-for"] == ["127.0.0.1"]
    assert chained["x-forwarded-for"] == ["203.0.113.7, 127.0.0.1"]
    assert first_hop["x-forwarded-proto"] == ["http"]
    assert first_hop["x-forwarded-host"][0].startswith(host)


@pytest.mark.parametrize(
    ("hops", "forwarded_for", "address"),
    [
        # Nothing trusted in front: the peer, whatever X-Forwarded-For the client made up.
        (0, None, "127.0.0.1"),
        (0, "203.0.113.7", "127.0.0.1"),
        # The chart: the Istio ingress appends the address it saw; what is left of it is the
        # client's own invention.
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "198.51.100.66, 203.0.113.7", "203.0.113.7"),
        (1, None, "127.0.0.1"),
    ],
)
async def test_the_client_address_comes_from_the_trusted_edge_only(
    make_gateway, hops, forwarded_for, address
):
    gateway = await make_gateway(TRUSTED_PROXY_HOPS=hops)
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}

    for path in ("/api/users/login", "/login"):
        received = echoed_headers(await echo(await gateway.post(path, headers=headers)))
        assert received["x-titanium-client-address"] == [address]


async def test_request_body_and_content_type_are_forwarded(gateway_client):
    body = '{"user":{"email":"jake@jake.jake","password":"jakejake"}}'

    response = await gateway_client.post(
        "/api/users/login", data=body, headers={"Content-Type": "application/json"}
    )

    payload = await echo(response)
    assert payload["body"] == body
    assert echoed_headers(payload)["content-type"] == ["application/json"]


async def test_large_request_body_is_streamed_up(gateway_client):
    body = "y" * MAX_BODY_BYTES[WEBAPP]

    response = await gateway_client.put(
        "/api/articles/big", data=io.BytesIO(body.encode()), skip_auto_headers=["Content-Type"]
    )

    payload = await echo(response)

    assert payload["body"] == body
    assert "content-type" not in echoed_headers(payload)  # none invented


@pytest.mark.parametrize(
    ("path", "limit"),
    [("/api/users", 64 * 1024), ("/api/profiles/x", 64 * 1024), ("/editor", 2 * 1024 * 1024)],
)
async def test_a_body_over_the_upstreams_limit_is_413_from_the_gateway(gateway_client, path, limit):
    within = await gateway_client.post(path, data=io.BytesIO(b"x" * limit))
    over = await gateway_client.post(path, data=io.BytesIO(b"x" * (limit + 1)))

    assert within.status == 200  # the echo upstream got it
    assert over.status == 413
    assert await over.json() == {"errors": {"body": ["is too large"]}}


async def test_a_chunked_body_over_the_limit_is_counted_and_refused(gateway_client):
    async def chunks():
        for _ in range(65):
            yield b"x" * 1024

    response = await gateway_client.post("/api/users", data=chunks())

    assert response.status == 413
    assert await response.json() == {"errors": {"body": ["is too large"]}}


async def test_a_chunked_body_within_the_limit_reaches_the_upstream(gateway_client):
    async def chunks():
        for _ in range(3):
            yield b"abc"

    payload = await echo(await gateway_client.post("/api/users", data=chunks()))

    assert payload["body"] == "abc" * 3


async def test_oversized_bodies_never_reach_or_poison_an_upstream_connection(make_gateway):
    # One pooled upstream connection: the bystanders share it with the refused requests.
    gateway = await make_gateway(UPSTREAM_POOL_SIZE=1)
    oversized = [gateway.post("/api/users", data=b"x" * (65 * 1024)) for _ in range(20)]
    bystanders = [gateway.get("/api/users/who") for _ in range(20)]

    replies = await asyncio.gather(*oversized, *bystanders)

    assert [reply.status for reply in replies] == [413] * 20 + [200] * 20


async def test_reply_headers_status_and_cookies_are_kept(gateway_client):
    response = await gateway_client.get("/login?cookies=1&status=302", allow_redirects=False)

    assert response.status == 302
    assert response.headers["Location"] == "/somewhere"
    assert response.headers["Cache-Control"] == "max-age=60"
    assert response.headers["ETag"] == '"v1"'
    cookies = response.headers.getall("Set-Cookie")
    assert len(cookies) == 2
    assert any(cookie.startswith("session=abc") and "HttpOnly" in cookie for cookie in cookies)


async def test_large_response_is_streamed_intact(gateway_client):
    size = 8 * 1024 * 1024 + 123

    response = await gateway_client.get(f"/export?size={size}")

    assert response.status == 200
    received = 0
    async for chunk in response.content.iter_any():
        assert set(chunk) == {ord("x")}
        received += len(chunk)
    assert received == size


async def test_dead_upstream_is_a_fast_502(make_gateway):
    gateway = await make_gateway(USER_SERVICE_URL=closed_port_url())

    started = time.monotonic()
    response = await gateway.get("/api/profiles/jake")

    assert time.monotonic() - started < 1.0
    assert response.status == 502
    assert await response.json() == {"errors": {"upstream": ["user_service is unavailable"]}}


async def test_slow_upstream_is_a_504_within_the_read_timeout(gateway_client):
    started = time.monotonic()
    response = await gateway_client.get("/api/articles?delay=3")

    assert time.monotonic() - started < 1.5  # read timeout 0.5 s in tests
    assert response.status == 504
    assert await response.json() == {"errors": {"upstream": ["webapp timed out"]}}


async def test_upstream_failures_are_counted_by_kind(make_gateway):
    gateway = await make_gateway(USER_SERVICE_URL=closed_port_url())
    await gateway.get("/api/profiles/jake")
    await gateway.get("/api/articles?delay=3")

    metrics = await (await internal_get(gateway, "/metrics")).text()

    assert (
        'titanium_gateway_upstream_errors_total{kind="unavailable",upstream="user_service"} 1.0'
        in metrics
    )
    assert 'titanium_gateway_upstream_errors_total{kind="timeout",upstream="webapp"} 1.0' in metrics


async def test_head_requests_get_headers_without_a_body(gateway_client):
    response = await gateway_client.head("/api/articles")

    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert await response.read() == b""


async def test_a_small_reply_that_stalls_is_a_504(gateway_client):
    response = await gateway_client.get("/export?size=100000&declared=1&stall=3")

    assert response.status == 504
    assert await response.json() == {"errors": {"upstream": ["webapp timed out"]}}


async def test_a_small_reply_keeps_its_content_length(gateway_client):
    response = await gateway_client.get("/export?size=100000&declared=1")

    assert response.headers["Content-Length"] == "100000"
    assert len(await response.read()) == 100000
