"""Cache-aside for profile rows: Redis when configured, else a small in-process TTL cache.

Rows are cached under two keys (by id and by username) and forgotten on every write. Follows
are never cached: the viewer-dependent `following` flag is read from the database by primary
key, so a follow or unfollow shows on the very next read.

Redis is only a cache. When it fails, lookups count as errors and fall through to the
database; titanium_common's GuardedRedis gives up after a short socket timeout and then skips
Redis for a few seconds instead of paying a connect attempt on every request. Invalidations that
could not be delivered are kept and sent before this process next uses Redis.
"""

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

import redis
from flask import Flask, current_app
from prometheus_client import Counter

from titanium_common.guarded_redis import GuardedRedis, RedisUnavailable
from titanium_common.service import REDIS_EXTENSION

# Module level, so it is created once per process (and in multiprocess mode writes its files).
CACHE_REQUESTS = Counter(
    "titanium_cache_requests", "Profile cache lookups, one per key", ["result"]
)
EXTENSION_KEY = "user_service.profile_cache"

T = TypeVar("T")


class Store(Protocol):
    def get_many(self, keys: list[str]) -> list[str | bytes | None]: ...
    def set_many(self, values: dict[str, str], ttl_seconds: int) -> None: ...
    def delete(self, keys: Iterable[str]) -> None: ...
    def ping(self) -> str: ...


class LocalStore:
    """A per-process TTL cache; coherent only while the service runs one worker process."""

    def __init__(self, max_entries: int):
        self._max_entries = max_entries
        self._entries: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def get_many(self, keys: list[str]) -> list[str | None]:
        now = time.monotonic()
        with self._lock:
            found = [self._entries.get(key) for key in keys]
        return [entry[1] if entry and entry[0] > now else None for entry in found]

    def set_many(self, values: dict[str, str], ttl_seconds: int) -> None:
        expires = time.monotonic() + ttl_seconds
        with self._lock:
            for key, value in values.items():
                self._entries.pop(key, None)  # re-inserted last: dict order is age order
                self._entries[key] = (expires, value)
            while len(self._entries) > self._max_entries:
                del self._entries[next(iter(self._entries))]

    def delete(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                self._entries.pop(key, None)

    def ping(self) -> str:
        return "in-process"


class RedisStore:
    """Redis through a GuardedRedis (which raises RedisUnavailable while Redis cannot be used),
    plus the invalidations it could not deliver yet."""

    # Past this many undelivered invalidations, forget them and wipe the whole namespace.
    MAX_PENDING_DELETES = 10_000

    def __init__(self, guarded_redis: GuardedRedis, namespace: str):
        self.redis = guarded_redis
        self._namespace = namespace
        self._lock = threading.Lock()
        self._pending_deletes: set[str] = set()
        self._wipe_namespace = False

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        return self._call(lambda client: client.mget(keys))

    def set_many(self, values: dict[str, str], ttl_seconds: int) -> None:
        def set_all(client: redis.Redis) -> None:
            pipe = client.pipeline(transaction=False)
            for key, value in values.items():
                pipe.set(key, value, ex=ttl_seconds)
            pipe.execute()

        self._call(set_all)

    def delete(self, keys: Iterable[str]) -> None:
        with self._lock:
            self._pending_deletes.update(keys)
            if len(self._pending_deletes) > self.MAX_PENDING_DELETES:
                self._pending_deletes.clear()
                self._wipe_namespace = True
        # Kept when Redis is unavailable, and delivered before this process next uses it.
        with contextlib.suppress(RedisUnavailable):
            self._call(lambda client: None)  # an empty operation: just deliver the deletes

    def ping(self) -> str:
        return self.redis.readiness()

    def _call(self, operation: Callable[[redis.Redis], T]) -> T:
        """Deliver pending deletes, then run `operation`; raises RedisUnavailable instead."""

        def deliver_then_run(client: redis.Redis) -> T:
            self._deliver_pending_deletes(client)
            return operation(client)

        return self.redis.run(deliver_then_run)

    def _deliver_pending_deletes(self, client: redis.Redis) -> None:
        with self._lock:
            keys, wipe = list(self._pending_deletes), self._wipe_namespace
        if wipe:
            for batch in _batched(client.scan_iter(match=f"{self._namespace}*"), 500):
                client.unlink(*batch)
        if keys:
            client.delete(*keys)
        with self._lock:
            self._pending_deletes.difference_update(keys)
            self._wipe_namespace = self._wipe_namespace and not wipe


def _batched(items: Iterable[str], size: int) -> Iterable[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class ProfileCache:
    """Profile rows (plain dicts) by id and by username."""

    def __init__(self, store: Store, prefix: str, ttl_seconds: int):
        self.store = store
        self._prefix = prefix
        self._ttl_seconds = ttl_seconds

    def id_key(self, profile_id: str) -> str:
        return f"{self._prefix}profile:id:{profile_id}"

    def username_key(self, username: str) -> str:
        return f"{self._prefix}profile:username:{username}"

    def get_many(self, keys: list[str]) -> dict[str, dict]:
        """The cached rows among `keys` (key -> row); anything else is for the database."""
        if not keys:
            return {}
        try:
            raw_values = self.store.get_many(keys)
        except RedisUnavailable:
            CACHE_REQUESTS.labels("error").inc(len(keys))
            return {}
        rows = {key: json.loads(raw) for key, raw in zip(keys, raw_values, strict=True) if raw}
        CACHE_REQUESTS.labels("hit").inc(len(rows))
        CACHE_REQUESTS.labels("miss").inc(len(keys) - len(rows))
        return rows

    def put(self, rows: Iterable[dict]) -> None:
        values = {}
        for row in rows:
            encoded = json.dumps(row)
            values[self.id_key(row["id"])] = encoded
            values[self.username_key(row["username"])] = encoded
        if values:
            with contextlib.suppress(RedisUnavailable):  # the next reader fills it
                self.store.set_many(values, self._ttl_seconds)

    def forget(self, ids: Iterable[str], usernames: Iterable[str]) -> None:
        keys = [self.id_key(i) for i in ids] + [self.username_key(u) for u in usernames]
        self.store.delete(keys)

    def ping(self) -> str:
        return self.store.ping()


def init_app(app: Flask) -> None:
    """Redis when configured (the app's guarded client), else a cache in this process."""
    redis_client: GuardedRedis = app.extensions[REDIS_EXTENSION]
    prefix = app.config["REDIS_KEY_PREFIX"]
    if redis_client.client is not None:
        store: Store = RedisStore(redis_client, namespace=prefix)
    else:
        store = LocalStore(app.config["LOCAL_CACHE_MAX_ENTRIES"])
    app.extensions[EXTENSION_KEY] = ProfileCache(
        store, prefix, app.config["PROFILE_CACHE_TTL_SECONDS"]
    )


def profile_cache() -> ProfileCache:
    return current_app.extensions[EXTENSION_KEY]
