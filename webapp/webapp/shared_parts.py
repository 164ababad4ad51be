"""What every viewer of a page sees alike (a page of article previews, the tag list), kept in
this process between requests, so that a signed-in page or an API read with a token computes
only the viewer's own bits: favorited, following, the navbar (ADR 0025).

A part is kept under the *content version* it was read at. Every committed transaction that
wrote a table readers see (CONTENT_TABLES) moves the version before the reply of its request is
sent, whoever made it (a page, the API, auth_service's outbox, a CLI command, a test fixture). A
request reads the version once, at its first part; so once a write has been answered, no request
gets a part from before it.

Where the version lives: in Redis when REDIS_URL is set (one GET per request, shared by every
worker and replica); otherwise this process keeps it, which is coherent for one process only, so
with several workers and no Redis nothing is kept. A configured Redis that fails turns keeping
off until it answers again; a version move it missed is made up before anything is kept again,
and parts never outlive SECONDS_TO_KEEP.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, scoped_session

from titanium_common.guarded_redis import GuardedRedis, RedisUnavailable
from webapp import replica, surrogate
from webapp.extensions import db

T = TypeVar("T")

EXTENSION = "shared_parts"
# Tables whose rows any shared part shows.
CONTENT_TABLES = frozenset({"articles", "tags", "article_tags", "favorites", "authors"})
# The edge cache keeps anonymous pages as long (ui.PUBLIC_CACHE_CONTROL).
SECONDS_TO_KEEP = 30
MAX_PARTS = 512
_WROTE_CONTENT = "wrote_content"  # in Session.info until the transaction ends


class SharedParts:
    def __init__(self, redis: GuardedRedis, key_prefix: str, *, enabled: bool):
        self._redis = redis if redis.client is not None else None
        self._version_key = f"{key_prefix}shared-parts:version"
        self._enabled = enabled
        self._local_version = 0
        self._moves = 0  # by this process: a request's version read before one is stale
        self._move_owed = False
        self._parts: OrderedDict[tuple[int, Hashable], tuple[float, object, frozenset]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        """The part `key` as kept for the current content version, else `read()` (kept). The
        surrogate keys of what the part shows count for every request that uses it."""
        version = self._request_version()
        if version is None:
            return read()
        with self._lock:
            kept = self._parts.get((version, key))
            if kept is not None and kept[0] > time.monotonic():
                self._parts.move_to_end((version, key))
                _, value, shown = kept
                surrogate.shows(*shown)
                return value
        # From the primary: a replica may not have the write that moved the version.
        with replica.reading_primary(), surrogate.recording() as shown:
            value = read()
        with self._lock:
            self._parts[(version, key)] = (
                time.monotonic() + SECONDS_TO_KEEP,
                value,
                frozenset(shown),
            )
            while len(self._parts) > MAX_PARTS:
                self._parts.popitem(last=False)
        return value

    def content_changed(self) -> None:
        """A write to CONTENT_TABLES committed: no part kept before it is used after it, this
        request's own later reads included."""
        with self._lock:
            self._moves += 1
            if self._redis is None:
                self._local_version += 1
                self._parts.clear()
                return
        self._move_owed = False
        try:
            self._redis.run(lambda redis: redis.incr(self._version_key))
        except RedisUnavailable:
            self._move_owed = True  # made up before this process keeps anything again

    def _request_version(self) -> int | None:
        """The content version for this request (read once), or None: keep nothing."""
        if not self._enabled:
            return None
        moves, version = g.get("shared_parts_version", (None, None))
        if moves != self._moves:
            moves = self._moves
            version = self._current_version()
            g.shared_parts_version = (moves, version)
        return version

    def _current_version(self) -> int | None:
        if self._redis is None:
            return self._local_version
        try:
            if self._move_owed:
                self.content_changed()
                if self._move_owed:
                    return None
            return int(self._redis.run(lambda redis: redis.get(self._version_key)) or 0)
        except RedisUnavailable:
            return None


def init_app(app: Flask, redis: GuardedRedis) -> None:
    # Without Redis each worker would keep its own version and miss the others' writes.
    enabled = redis.client is not None or app.config["WEB_CONCURRENCY"] == 1
    app.extensions[EXTENSION] = SharedParts(redis, app.config["REDIS_KEY_PREFIX"], enabled=enabled)
    if not event.contains(db.session, "after_commit", _move_version):
        _watch(db.session)


def get(key: Hashable, read: Callable[[], T]) -> T:
    return current_app.extensions[EXTENSION].get(key, read)


def content_changed() -> None:
    """For writes made outside the session's transactions (a connection of their own)."""
    current_app.extensions[EXTENSION].content_changed()


def _watch(sessions: scoped_session) -> None:
    """Move the content version after every commit of `sessions` that wrote content."""
    event.listen(sessions, "after_flush", _note_flushed_rows)
    event.listen(sessions, "do_orm_execute", _note_statement)
    event.listen(sessions, "after_commit", _move_version)
    event.listen(sessions, "after_rollback", _forget)


def _note_flushed_rows(session: Session, _flush_context) -> None:
    for row in (*session.new, *session.dirty, *session.deleted):
        if getattr(row, "__tablename__", None) in CONTENT_TABLES:
            session.info[_WROTE_CONTENT] = True
            return


def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in CONTENT_TABLES:
            state.session.info[_WROTE_CONTENT] = True


def _move_version(session: Session) -> None:
    if session.info.pop(_WROTE_CONTENT, False) and has_app_context():
        content_changed()


def _forget(session: Session) -> None:
    session.info.pop(_WROTE_CONTENT, None)
