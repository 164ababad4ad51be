"""GuardedRedis: a dead or hanging Redis fails fast, is backed off from, and is used again later."""

import logging
import os
import socket
import time
import uuid

import pytest
import redis

from titanium_common.guarded_redis import GuardedRedis, RedisUnavailable

DEAD_REDIS = "redis://127.0.0.1:1/0"  # port 1 refuses connections at once


def guarded(url: str = DEAD_REDIS, **options) -> GuardedRedis:
    return GuardedRedis(url, **{"timeout_seconds": 0.25, "backoff_seconds": 60, **options})


class CountingPing:
    """A command that pings and counts how often it was actually run."""

    def __init__(self):
        self.calls = 0

    def __call__(self, client: redis.Redis):
        self.calls += 1
        return client.ping()


def test_without_a_url_there_is_no_client_and_nothing_is_tried():
    store = guarded("")
    ping = CountingPing()

    with pytest.raises(RedisUnavailable, match="not configured"):
        store.run(ping)

    assert store.client is None
    assert ping.calls == 0
    assert store.readiness() == "in-process"


def test_a_dead_redis_raises_redis_unavailable_fast():
    store = guarded()

    started = time.perf_counter()
    with pytest.raises(RedisUnavailable) as raised:
        store.run(lambda client: client.ping())
    elapsed = time.perf_counter() - started

    assert isinstance(raised.value.__cause__, redis.ConnectionError)
    assert elapsed < 0.5


def test_after_a_failure_the_next_calls_do_not_even_try_and_warn_once(caplog):
    store = guarded()
    ping = CountingPing()

    with caplog.at_level(logging.WARNING, logger="titanium_common.guarded_redis"):
        for _ in range(3):
            with pytest.raises(RedisUnavailable):
                store.run(ping)

    assert ping.calls == 1
    assert [record.getMessage() for record in caplog.records] == [
        "redis unavailable, backing off for 60s"
    ]


def test_redis_is_used_again_once_the_backoff_is_over():
    store = guarded(backoff_seconds=0.05)
    answers = iter([redis.ConnectionError("down"), "PONG"])

    def flaky(client):
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    with pytest.raises(RedisUnavailable):
        store.run(flaky)
    with pytest.raises(RedisUnavailable, match="backing off"):
        store.run(flaky)  # still backing off: `flaky` is not called
    time.sleep(0.06)

    assert store.run(flaky) == "PONG"


def test_readiness_raises_when_the_configured_redis_is_dead():
    with pytest.raises(redis.ConnectionError):
        guarded().readiness()


@pytest.fixture
def silent_redis_url():
    """A port that accepts connections and never answers: every Redis call times out."""
    with socket.create_server(("127.0.0.1", 0), backlog=64) as server:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


def test_a_hanging_redis_costs_one_socket_timeout_without_retries(silent_redis_url):
    store = guarded(silent_redis_url, timeout_seconds=0.2)

    started = time.perf_counter()
    with pytest.raises(RedisUnavailable):
        store.run(lambda client: client.get("k"))
    elapsed = time.perf_counter() - started

    assert 0.2 <= elapsed < 0.6  # redis-py's default retries would take several timeouts


@pytest.mark.skipif(not os.environ.get("TITANIUM_REDIS_URL"), reason="needs TITANIUM_REDIS_URL")
@pytest.mark.parametrize(("decode_responses", "expected"), [(False, b"v"), (True, "v")])
def test_a_real_redis_answers(decode_responses, expected):
    store = guarded(os.environ["TITANIUM_REDIS_URL"], decode_responses=decode_responses)
    key = f"test:common:{uuid.uuid4().hex[:8]}"
    try:
        store.run(lambda client: client.set(key, "v", ex=60))

        assert store.run(lambda client: client.get(key)) == expected
        assert store.readiness() == "redis"
    finally:
        store.client.delete(key)
        store.client.close()
