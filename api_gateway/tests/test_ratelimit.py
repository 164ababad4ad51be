"""Per-client rate limits: in process, in Redis, and with a Redis that does not answer."""

import asyncio
import time

import pytest

from api_gateway.ratelimit import RateLimiter
from titanium_common.counters import AsyncCounters
from titanium_common.testing import redis_key_prefix

DEAD_REDIS = "redis://127.0.0.1:1/0"
USER_ID = "3d0c6a57-5b1e-4b8e-9a6f-8f3e1c2b7a90"


async def assert_limited(response) -> None:
    assert response.status == 429
    assert await response.json() == {"errors": {"rate": ["limit exceeded"]}}
    assert 1 <= int(response.headers["Retry-After"]) <= 60


async def test_over_the_limit_is_429_with_retry_after(make_gateway):
    gateway = await make_gateway(RATE_LIMIT_REQUESTS=3, RATE_LIMIT_WINDOW_SECONDS=60)

    statuses = [(await gateway.get("/api/tags")).status for _ in range(3)]

    assert statuses == [200, 200, 200]
    await assert_limited(await gateway.get("/api/tags"))


async def test_a_signed_in_user_is_counted_apart_from_their_address(make_gateway, signing_key):
    gateway = await make_gateway(RATE_LIMIT_REQUESTS=1)
    signed_in = {"Authorization": f"Token {signing_key.token(USER_ID)}"}

    assert (await gateway.get("/api/tags")).status == 200
    await assert_limited(await gateway.get("/api/tags"))
    assert (await gateway.get("/api/tags", headers=signed_in)).status == 200
    await assert_limited(await gateway.get("/api/tags", headers=signed_in))


async def test_clients_behind_a_trusted_proxy_are_told_apart(make_gateway):
    gateway = await make_gateway(RATE_LIMIT_REQUESTS=1, TRUSTED_PROXY_HOPS=1)

    first = await gateway.get("/", headers={"X-Forwarded-For": "198.51.100.1"})
    second = await gateway.get("/", headers={"X-Forwarded-For": "198.51.100.2"})

    assert (first.status, second.status) == (200, 200)
    await assert_limited(await gateway.get("/", headers={"X-Forwarded-For": "198.51.100.1"}))


async def test_zero_disables_the_limit(make_gateway):
    gateway = await make_gateway(RATE_LIMIT_REQUESTS=0)

    statuses = {(await gateway.get("/api/tags")).status for _ in range(5)}

    assert statuses == {200}


async def test_gateway_answers_itself_without_counting(make_gateway):
    gateway = await make_gateway(RATE_LIMIT_REQUESTS=1)

    statuses = {(await gateway.get("/healthz")).status for _ in range(3)}

    assert statuses == {200}


async def test_unreachable_redis_falls_back_to_in_process_quickly(make_gateway):
    gateway = await make_gateway(REDIS_URL=DEAD_REDIS, RATE_LIMIT_REQUESTS=3)

    started = time.monotonic()
    statuses = [(await gateway.get("/api/tags")).status for _ in range(3)]
    limited = await gateway.get("/api/tags")

    assert statuses == [200, 200, 200]
    await assert_limited(limited)
    assert time.monotonic() - started < 1.0


async def test_replicas_share_counters_in_redis(make_gateway, backend):
    if not backend.redis_url:
        pytest.skip("counters are in process in this run; needs the Redis backend")
    shared = {"RATE_LIMIT_REQUESTS": 3, "REDIS_KEY_PREFIX": redis_key_prefix("api_gateway")}
    replica_a = await make_gateway(**shared)
    replica_b = await make_gateway(**shared)

    assert (await replica_a.get("/api/tags")).status == 200
    assert (await replica_a.get("/api/tags")).status == 200
    assert (await replica_b.get("/api/tags")).status == 200
    await assert_limited(await replica_b.get("/api/tags"))


async def test_a_refused_client_is_let_in_again_when_its_window_ends():
    limiter = RateLimiter(AsyncCounters(None, ""), limit=1, window_seconds=0.2)

    assert (await limiter.hit("ip:a")).allowed
    refused = await limiter.hit("ip:a")
    assert (refused.allowed, refused.retry_after_seconds) == (False, 1)
    assert (await limiter.hit("ip:b")).allowed

    await asyncio.sleep(0.25)
    assert (await limiter.hit("ip:a")).allowed
