"""Cache-aside behaviour seen through the API, and the cache stores on their own."""

import socket
import time
import uuid

import pytest
import redis
from prometheus_client import REGISTRY

from tests.conftest import UNREACHABLE_REDIS_URL, as_viewer, unique_name
from titanium_common.guarded_redis import GuardedRedis, RedisUnavailable
from user_service.cache import LocalStore, RedisStore


def cache_requests(result: str) -> float:
    return REGISTRY.get_sample_value("titanium_cache_requests_total", {"result": result}) or 0.0


def read_by_username(client, url_for, username):
    return client.get(url_for("profiles.show", username=username))


def read_by_id(client, url_for, account_id):
    response = client.get(url_for("internal.lookup_profiles", id=[str(account_id)]))
    return response.get_json()["profiles"]


def test_a_second_read_is_served_from_the_cache(client, url_for, profiles):
    alice = profiles.create()
    read_by_username(client, url_for, alice["username"])
    hits_before = cache_requests("hit")

    read_by_username(client, url_for, alice["username"])

    assert cache_requests("hit") == hits_before + 1


def test_a_batch_lookup_misses_only_what_the_cache_lacks(client, url_for, profiles):
    alice, bob = profiles.create(), profiles.create()
    read_by_id(client, url_for, alice["id"])
    hits_before, misses_before = cache_requests("hit"), cache_requests("miss")

    found = client.get(url_for("internal.lookup_profiles", id=[alice["id"], bob["id"]])).get_json()[
        "profiles"
    ]

    assert [p["id"] for p in found] == [alice["id"], bob["id"]]
    assert cache_requests("hit") == hits_before + 1
    assert cache_requests("miss") == misses_before + 1


def test_an_upsert_invalidates_the_cached_profile(client, url_for, profiles):
    account_id, username = uuid.uuid4(), unique_name()
    profiles.put(account_id, username, 1, bio="old bio")
    assert read_by_username(client, url_for, username).get_json()["profile"]["bio"] == "old bio"
    assert read_by_id(client, url_for, account_id)[0]["bio"] == "old bio"

    profiles.put(account_id, username, 2, bio="new bio")

    assert read_by_username(client, url_for, username).get_json()["profile"]["bio"] == "new bio"
    assert read_by_id(client, url_for, account_id)[0]["bio"] == "new bio"


def test_a_rename_invalidates_the_old_and_the_parked_names(client, url_for, profiles):
    a, b = uuid.uuid4(), uuid.uuid4()
    name_a, name_b = unique_name("a"), unique_name("b")
    profiles.put(a, name_a, 1)
    profiles.put(b, name_b, 1)
    for name in (name_a, name_b):
        read_by_username(client, url_for, name)  # both cached
    read_by_id(client, url_for, a)

    profiles.put(b, name_a, 2)  # b takes a's name; a is parked

    assert read_by_username(client, url_for, name_b).status_code == 404
    assert read_by_id(client, url_for, b)[0]["username"] == name_a
    assert read_by_id(client, url_for, a)[0]["username"] == f"~{a}"
    assert read_by_username(client, url_for, name_a).status_code == 200


def test_following_is_never_served_stale_from_the_cache(client, url_for, profiles):
    alice, bob = profiles.create(), profiles.create()
    viewer = as_viewer(alice["id"])
    read_by_username(client, url_for, bob["username"])  # bob's row is cached now

    client.post(url_for("profiles.follow", username=bob["username"]), headers=viewer)
    found = client.get(
        url_for("internal.lookup_profiles", username=[bob["username"]]), headers=viewer
    ).get_json()["profiles"]

    assert found[0]["following"] is True


# --- Redis unreachable or hanging --------------------------------------------------------


@pytest.fixture(scope="module")
def unreachable_redis_client(make_app, app):
    # Same database as `app` (already migrated), but Redis refuses connections.
    return make_app(REDIS_URL=UNREACHABLE_REDIS_URL).test_client()


def test_everything_works_with_redis_unreachable(unreachable_redis_client, url_for):
    client = unreachable_redis_client
    alice_id, bob_id, bob_name = uuid.uuid4(), uuid.uuid4(), unique_name()
    errors_before = cache_requests("error")
    started = time.perf_counter()

    puts = [
        client.put(
            url_for("internal.put_profile", account_id=str(account_id)),
            json={"profile": {"username": name, "bio": "hi", "image": None, "version": 1}},
        )
        for account_id, name in ((alice_id, unique_name()), (bob_id, bob_name))
    ]
    followed = client.post(
        url_for("profiles.follow", username=bob_name), headers=as_viewer(alice_id)
    )
    shown = client.get(url_for("profiles.show", username=bob_name), headers=as_viewer(alice_id))
    found = client.get(
        url_for("internal.lookup_profiles", id=[str(bob_id)]), headers=as_viewer(alice_id)
    )
    missing = client.get(url_for("profiles.show", username="nobody-here"))
    elapsed = time.perf_counter() - started

    assert [r.status_code for r in puts] == [200, 200]
    assert followed.get_json()["profile"]["following"] is True
    assert shown.get_json()["profile"] == {
        "username": bob_name,
        "bio": "hi",
        "image": None,
        "following": True,
    }
    assert found.get_json()["profiles"][0]["following"] is True
    assert missing.status_code == 404
    assert cache_requests("error") > errors_before
    assert elapsed < 1.0, f"six requests took {elapsed:.2f}s with Redis down"


def test_readiness_reports_redis_down_but_stays_ready(unreachable_redis_client):
    # Redis is only a cache: losing it must not take the service out of rotation.
    response = unreachable_redis_client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json()["checks"]["redis"]["status"] == "down"
    assert response.get_json()["checks"]["database"]["status"] == "ok"


@pytest.fixture
def silent_redis_url():
    """A port that accepts connections and never answers: every Redis call would time out."""
    with socket.create_server(("127.0.0.1", 0), backlog=64) as server:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


def test_a_hanging_redis_costs_one_timeout_then_is_skipped(
    make_app, app, url_for, profiles, silent_redis_url
):
    alice = profiles.create()
    client = make_app(
        REDIS_URL=silent_redis_url,
        REDIS_TIMEOUT_SECONDS=0.2,
        REDIS_BACKOFF_SECONDS=60,
    ).test_client()
    show_url = url_for("profiles.show", username=alice["username"])

    started = time.perf_counter()
    first = client.get(show_url)
    first_took = time.perf_counter() - started
    started = time.perf_counter()
    later = [client.get(show_url) for _ in range(20)]
    later_took = time.perf_counter() - started

    assert first.status_code == 200
    assert [r.status_code for r in later] == [200] * 20
    assert 0.2 <= first_took < 1.0  # one socket timeout, no retries with backoff
    assert later_took < 0.5  # twenty timeouts would take 4 s: Redis was skipped


# --- the stores ------------------------------------------------------------------------


def test_local_store_expires_entries():
    store = LocalStore(max_entries=10)
    store.set_many({"fresh": "1"}, ttl_seconds=60)
    store.set_many({"stale": "2"}, ttl_seconds=0)

    assert store.get_many(["fresh", "stale", "absent"]) == ["1", None, None]


def test_local_store_evicts_the_oldest_entries_beyond_its_size():
    store = LocalStore(max_entries=2)
    store.set_many({"a": "1", "b": "2"}, ttl_seconds=60)
    store.set_many({"a": "1 again"}, ttl_seconds=60)  # refreshed: now the newest
    store.set_many({"c": "3"}, ttl_seconds=60)

    assert store.get_many(["a", "b", "c"]) == ["1 again", None, "3"]


@pytest.fixture
def make_redis_store(backend):
    """RedisStores on the test Redis; `store.redis.client` is the client they use."""
    if not backend.redis_url:
        pytest.skip("needs TITANIUM_REDIS_URL")
    stores = []

    def make(namespace: str, backoff_seconds: float) -> RedisStore:
        guarded = GuardedRedis(
            backend.redis_url, timeout_seconds=1.0, backoff_seconds=backoff_seconds
        )
        store = RedisStore(guarded, namespace)
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.redis.client.close()


def fail_deletes(monkeypatch, client):
    def refuse(*keys):
        raise redis.ConnectionError("redis is down")

    monkeypatch.setattr(client, "delete", refuse)


def test_an_invalidation_redis_missed_is_delivered_before_the_next_read(
    make_redis_store, monkeypatch
):
    namespace = f"test:user_service:{uuid.uuid4().hex[:8]}:"
    store = make_redis_store(namespace, backoff_seconds=0)
    redis_client = store.redis.client
    redis_client.set(f"{namespace}k", "stale")
    fail_deletes(monkeypatch, redis_client)

    store.delete([f"{namespace}k"])  # Redis "down": kept for later
    monkeypatch.undo()

    assert store.get_many([f"{namespace}k"]) == [None]


def test_too_many_missed_invalidations_wipe_the_namespace(make_redis_store, monkeypatch):
    namespace = f"test:user_service:{uuid.uuid4().hex[:8]}:"
    store = make_redis_store(namespace, backoff_seconds=0)
    redis_client = store.redis.client
    monkeypatch.setattr(store, "MAX_PENDING_DELETES", 2)
    redis_client.mset({f"{namespace}{n}": "stale" for n in range(5)})
    fail_deletes(monkeypatch, redis_client)

    store.delete([f"{namespace}{n}" for n in range(3)])
    monkeypatch.undo()
    store.get_many([f"{namespace}0"])

    assert redis_client.keys(f"{namespace}*") == []


def test_redis_store_skips_redis_after_a_failure(make_redis_store, monkeypatch):
    store = make_redis_store("test:user_service:", backoff_seconds=60)
    redis_client = store.redis.client
    calls = []

    def broken_mget(keys):
        calls.append(keys)
        raise redis.ConnectionError("redis is down")

    monkeypatch.setattr(redis_client, "mget", broken_mget)

    for _ in range(3):
        with pytest.raises(RedisUnavailable):
            store.get_many(["k"])

    assert len(calls) == 1
