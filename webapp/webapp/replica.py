"""Reads from the read replica when DATABASE_REPLICA_URL names one (ADR 0024).

A GET or HEAD request reads from the replica; everything else, and every statement that writes,
goes to the primary. A viewer who has just written (browser session or API token, one account
id) reads from the primary for DATABASE_REPLICA_LAG_WINDOW_SECONDS, so they see their own
change while the replica catches up; everyone else keeps reading the replica. A replica that
refuses connections costs nothing but a warning: reads use the primary, and it is tried again
after REPLICA_RETRY_SECONDS (titanium_common.service).
"""

import contextlib
import logging
import time
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request, session
from flask_sqlalchemy.session import Session

from titanium_common import context
from titanium_common.database import BackingOff
from titanium_common.guarded_redis import GuardedRedis, RedisUnavailable
from titanium_common.service import REDIS_EXTENSION, REPLICA_BIND

log = logging.getLogger(__name__)
READ_METHODS = frozenset({"GET", "HEAD"})
EXTENSION_KEY = "read_replica"
_CHOICE = "read_replica_engine"  # on g: this request's reading engine, None for the primary
_UNDECIDED = object()
_FLASK_LOGIN_USER_ID = "_user_id"


class RecentWriters:
    """Who wrote within the last `window_seconds`: in Redis when configured (every pod sees
    it), and always in this process too (a Redis that fails forgets nothing here)."""

    def __init__(
        self,
        redis: GuardedRedis,
        key_prefix: str,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._redis, self._prefix = redis, f"{key_prefix}wrote:"
        self._window, self._clock = window_seconds, clock
        self._until: dict[str, float] = {}

    def note(self, viewer: str) -> None:
        now = self._clock()
        if len(self._until) > 10_000:  # bounded: forget who is past the window
            self._until = {who: until for who, until in self._until.items() if until > now}
        self._until[viewer] = now + self._window
        try:
            milliseconds = max(1, int(self._window * 1000))
            self._redis.run(lambda client: client.set(self._prefix + viewer, 1, px=milliseconds))
        except RedisUnavailable:
            pass  # this process remembers; other pods may show the writer a stale read

    def wrote_lately(self, viewer: str) -> bool:
        if self._until.get(viewer, 0.0) > self._clock():
            return True
        if self._redis.client is None:
            return False
        try:
            return bool(self._redis.run(lambda client: client.exists(self._prefix + viewer)))
        except RedisUnavailable:
            return True  # cannot tell whether they wrote through another pod: the primary


class ReplicaSession(Session):
    """Flask-SQLAlchemy's session, reading from the replica when the request allows it."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and has_request_context():
            if self._flushing or isinstance(clause, sa.sql.dml.UpdateBase):
                setattr(g, _CHOICE, None)  # a request that writes reads its own writes
            elif (replica := self._reading_engine()) is not None:
                return replica
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)

    def _reading_engine(self) -> sa.Engine | None:
        choice = g.get(_CHOICE, _UNDECIDED)
        if choice is _UNDECIDED:
            choice = self._choose_reading_engine()
            setattr(g, _CHOICE, choice)
        return choice

    def _choose_reading_engine(self) -> sa.Engine | None:
        replica = self._db.engines.get(REPLICA_BIND)
        if replica is None or request.method not in READ_METHODS:
            return None
        viewer = _viewer()
        if viewer is not None and current_app.extensions[EXTENSION_KEY].wrote_lately(viewer):
            return None
        try:
            # Connect now, while the primary can still take over this request's reads.
            self.connection(bind_arguments={"bind": replica})
        except BackingOff:
            return None  # refused a moment ago, and said so then
        except (sa.exc.DBAPIError, sa.exc.InvalidRequestError) as error:
            log.warning(
                "read replica unavailable, reading from the primary",
                extra={"reason": str(error).strip()[:200]},
            )
            return None
        return replica


@contextlib.contextmanager
def reading_primary():
    """Reads in this block go to the primary: what must never be behind it (a session that
    was just ended; a part kept for every viewer under the newest content version)."""
    previous = g.get(_CHOICE, _UNDECIDED) if has_request_context() else _UNDECIDED
    if has_request_context():
        setattr(g, _CHOICE, None)
    try:
        yield
    finally:
        if has_request_context():
            if previous is _UNDECIDED:
                g.pop(_CHOICE, None)
            else:
                setattr(g, _CHOICE, previous)


def _viewer() -> str | None:
    """The signed-in account: the API token's subject, or the browser session's (read only when
    the browser sent a session cookie or this request signed in)."""
    if viewer := context.user_id_var.get():
        return viewer
    if current_app.config["SESSION_COOKIE_NAME"] in request.cookies or session.modified:
        return session.get(_FLASK_LOGIN_USER_ID)
    return None


def init_app(app: Flask) -> None:
    if REPLICA_BIND not in app.config["SQLALCHEMY_BINDS"]:
        return  # one database: every read is the primary's
    writers = RecentWriters(
        app.extensions[REDIS_EXTENSION],
        app.config["REDIS_KEY_PREFIX"],
        app.config["DATABASE_REPLICA_LAG_WINDOW_SECONDS"],
    )
    app.extensions[EXTENSION_KEY] = writers

    @app.before_request
    def choose_later() -> None:
        g.pop(_CHOICE, None)  # g outlives a request when a test holds the app context

    @app.after_request
    def remember_writer(response):
        if context.changed_var.get() and response.status_code < 400 and (viewer := _viewer()):
            writers.note(viewer)
        return response
