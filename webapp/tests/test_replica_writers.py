"""Who wrote lately (webapp.replica.RecentWriters): their reads go to the primary, on every pod
when Redis is there to tell them."""

import os
import uuid

import pytest

from titanium_common.guarded_redis import GuardedRedis
from webapp.replica import RecentWriters


def writers_on(redis_url: str, prefix: str, clock=None) -> RecentWriters:
    redis = GuardedRedis(redis_url, timeout_seconds=0.25, backoff_seconds=5)
    return RecentWriters(redis, prefix, 5.0, **({"clock": clock} if clock else {}))


def test_a_write_seen_by_one_pod_sends_the_writer_to_the_primary_on_every_pod():
    redis_url = os.environ.get("TITANIUM_REDIS_URL")
    if not redis_url:
        pytest.skip("pods share who wrote through Redis (TITANIUM_REDIS_URL)")
    prefix = f"titanium:test-{uuid.uuid4().hex}:"
    one_pod, another_pod = writers_on(redis_url, prefix), writers_on(redis_url, prefix)

    one_pod.note("ada")

    assert another_pod.wrote_lately("ada")
    assert not another_pod.wrote_lately("grace")


def test_the_primary_is_for_the_window_only():
    now = [100.0]
    writers = writers_on("", "titanium:webapp:", clock=lambda: now[0])
    writers.note("ada")

    now[0] = 104.9
    assert writers.wrote_lately("ada")
    now[0] = 105.1
    assert not writers.wrote_lately("ada")


def test_a_redis_that_fails_sends_signed_in_readers_to_the_primary():
    """It cannot tell whether they just wrote through another pod."""
    writers = writers_on("redis://127.0.0.1:1/0", "titanium:webapp:")
    assert writers.wrote_lately("ada")
