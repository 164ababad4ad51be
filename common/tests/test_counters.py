"""Fixed-window counters: both flavours, in process, in Redis and with a Redis that is down."""

import asyncio
import logging
import os
import threading
import time

import pytest
import redis

from titanium_common.counters import AsyncCounters, Counters, InProcessCounters, Window
from titanium_common.guarded_redis import AsyncGuardedRedis, GuardedRedis, open_async_redis
from titanium_common.testing import redis_key_prefix

REDIS_URL = os.environ.get("TITANIUM_REDIS_URL", "")
DEAD_REDIS = "redis://127.0.0.1:1/0"  # port 1 refuses connections at once
STORES = {"in-process": "", "dead-redis": DEAD_REDIS} | ({"redis": REDIS_URL} if REDIS_URL else {})


class Driven:
    """Counters of either flavour, called the same way: async ones on a private event loop."""

    def __init__(self, counters: Counters | AsyncCounters, loop: asyncio.AbstractEventLoop | None):
        self.counters = counters
        self._loop = loop

    def hit(self, key: str, window_seconds: float) -> Window:
        return self._run(self.counters.hit(key, window_seconds))

    def peek(self, key: str) -> Window:
        return self._run(self.counters.peek(key))

    def clear(self, key: str) -> None:
        self._run(self.counters.clear(key))

    def _run(self, result):
        return result if self._loop is None else self._loop.run_until_complete(result)


@pytest.fixture(params=["sync", "async"])
def make_counters(request):
    """Build counters of the parametrised flavour on a Redis URL ("" for none); what they kept
    in Redis is deleted afterwards."""
    loop = asyncio.new_event_loop()
    closers, prefixes = [], set()

    def make(url: str, key_prefix: str = "", backoff_seconds: float = 60) -> Driven:
        prefix = key_prefix or redis_key_prefix("common")
        prefixes.add(prefix)
        if request.param == "sync":
            guarded = GuardedRedis(url, timeout_seconds=0.25, backoff_seconds=backoff_seconds)
            if guarded.client is not None:
                closers.append(guarded.client.close)
            return Driven(Counters(guarded, prefix), None)
        guarded = None
        if url:
            guarded = AsyncGuardedRedis(open_async_redis(url, 0.25), backoff_seconds)
            closers.append(lambda: loop.run_until_complete(guarded.client.aclose()))
        return Driven(AsyncCounters(guarded, prefix), loop)

    yield make
    for close in closers:
        close()
    loop.close()
    if REDIS_URL:
        with redis.Redis.from_url(REDIS_URL) as client:
            for prefix in prefixes:
                if keys := list(client.scan_iter(match=f"{prefix}*")):
                    client.delete(*keys)


def counter_log(caplog) -> list[str]:
    """What the counters logged (guarded_redis adds its own line about Redis itself)."""
    return [r.getMessage() for r in caplog.records if r.name == "titanium_common.counters"]


@pytest.fixture(params=list(STORES))
def counters(request, make_counters) -> Driven:
    return make_counters(STORES[request.param])


def test_hits_are_counted_per_key_within_a_window(counters):
    counts = [counters.hit("a", 60).count for _ in range(3)]
    other = counters.hit("b", 60)

    assert counts == [1, 2, 3]
    assert other.count == 1
    window = counters.peek("a")
    assert window.count == 3
    assert 59 < window.seconds_left <= 60
    assert window.retry_after_seconds == 60


def test_peeking_does_not_count(counters):
    assert counters.peek("a") == Window(0, 0.0)
    counters.hit("a", 60)

    assert [counters.peek("a").count for _ in range(2)] == [1, 1]


def test_a_window_starts_at_the_first_hit_and_later_hits_do_not_extend_it(counters):
    counters.hit("a", 0.4)
    time.sleep(0.2)

    later = counters.hit("a", 0.4)

    assert later.count == 2
    assert later.seconds_left <= 0.25


def test_once_the_window_ends_counting_starts_again_from_zero(counters):
    counters.hit("a", 0.2)
    counters.hit("a", 0.2)
    time.sleep(0.25)

    assert counters.peek("a") == Window(0, 0.0)
    fresh = counters.hit("a", 0.2)
    assert fresh.count == 1
    assert 0.1 < fresh.seconds_left < 0.2 + 1e-6


def test_clear_ends_a_window(counters):
    counters.hit("a", 60)
    counters.hit("b", 60)

    counters.clear("a")

    assert counters.peek("a").count == 0
    assert counters.hit("a", 60).count == 1
    assert counters.peek("b").count == 1


def test_a_dead_redis_is_counted_around_quickly_with_one_warning(make_counters, caplog):
    counters = make_counters(DEAD_REDIS)

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="titanium_common.counters"):
        counts = [counters.hit("a", 60).count for _ in range(5)]
        counters.clear("a")
        assert counters.peek("a").count == 0

    assert counts == [1, 2, 3, 4, 5]
    assert time.monotonic() - started < 0.5
    assert counter_log(caplog) == [
        "counting in process until redis answers: each process enforces its own limits"
    ]


def test_without_redis_counting_in_process_is_the_mode_and_says_nothing(make_counters, caplog):
    counters = make_counters("")

    with caplog.at_level(logging.DEBUG):
        assert [counters.hit("a", 60).count for _ in range(3)] == [1, 2, 3]
        counters.clear("a")

    assert caplog.records == []


needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs TITANIUM_REDIS_URL")


@needs_redis
def test_counters_with_one_prefix_share_their_counts_in_redis(make_counters):
    prefix = redis_key_prefix("common")
    replica_a, replica_b = make_counters(REDIS_URL, prefix), make_counters(REDIS_URL, prefix)
    elsewhere = make_counters(REDIS_URL)

    replica_a.hit("a", 60)
    replica_b.hit("a", 60)

    assert replica_a.peek("a").count == 2
    assert elsewhere.peek("a").count == 0
    with redis.Redis.from_url(REDIS_URL) as client:
        assert int(client.get(f"{prefix}a")) == 2
        assert 59_000 < client.pttl(f"{prefix}a") <= 60_000


@needs_redis
def test_both_flavours_keep_the_same_counts_in_redis():
    prefix = redis_key_prefix("common")
    guarded = GuardedRedis(REDIS_URL, timeout_seconds=0.25, backoff_seconds=60)
    sync = Counters(guarded, prefix)

    async def hit_then_peek() -> Window:
        async_guarded = AsyncGuardedRedis(open_async_redis(REDIS_URL, 0.25), backoff_seconds=60)
        counters = AsyncCounters(async_guarded, prefix)
        try:
            await counters.hit("a", 60)
            return await counters.peek("a")
        finally:
            await async_guarded.client.aclose()

    try:
        sync.hit("a", 60)
        assert asyncio.run(hit_then_peek()).count == 2
        assert sync.peek("a").count == 2
    finally:
        sync.clear("a")
        guarded.client.close()


@needs_redis
def test_counting_moves_back_to_redis_once_it_answers_again(make_counters, monkeypatch, caplog):
    counters = make_counters(REDIS_URL, backoff_seconds=0)
    counters.hit("a", 60)

    def refused(*args, **kwargs):
        raise redis.ConnectionError("Redis went away")

    with caplog.at_level(logging.INFO, logger="titanium_common.counters"):
        with monkeypatch.context() as patch:
            patch.setattr(redis.Redis, "evalsha", refused)
            patch.setattr(redis.asyncio.Redis, "evalsha", refused)
            assert counters.hit("a", 60).count == 1  # in process: a count of its own
        assert counters.hit("a", 60).count == 2  # Redis's count, carried on

    assert counter_log(caplog) == [
        "counting in process until redis answers: each process enforces its own limits",
        "counting in redis again",
    ]


def test_retry_after_is_whole_seconds_and_at_least_one():
    assert Window(1, 59.2).retry_after_seconds == 60
    assert Window(1, 0.01).retry_after_seconds == 1


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_in_process_windows_that_ended_are_forgotten():
    clock = Clock()
    counters = InProcessCounters(clock=clock)
    for n in range(4):
        counters.hit(f"old{n}", 10)
    clock.now += 20

    counters.hit("new", 10)

    assert len(counters) == 1


def test_in_process_memory_is_bounded_by_forgetting_the_oldest_windows():
    clock = Clock()
    counters = InProcessCounters(max_keys=3, clock=clock)
    for key in ("a", "b", "c"):
        counters.hit(key, 60)
        clock.now += 1
    counters.hit("a", 60)  # a running window keeps its place: it is still the oldest

    counters.hit("d", 60)

    assert len(counters) == 3
    assert [counters.peek(key).count for key in "abcd"] == [0, 1, 1, 1]


def test_in_process_counts_are_exact_across_threads():
    counters = InProcessCounters()

    def hit_many():
        for _ in range(1000):
            counters.hit("a", 60)

    threads = [threading.Thread(target=hit_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert counters.peek("a").count == 8000
