"""Browser sessions the server can end.

The session cookie (Flask's signed `session`) holds the account id (flask-login) and a random
session id. webapp keeps a row per session (the id hashed) with the account's token version at
sign-in and an expiry, and a request is signed in only while its row exists, has not expired and
its version is not below the account's current minimum from auth_service's revocation feed
(titanium_common.revocations: read every REVOCATION_POLL_SECONDS by whichever request finds it
due, so checking costs one primary-key query and a dictionary lookup). Hence:

- logout deletes the row: the cookie, replayed, signs nobody in, on every replica at once;
- a password change in settings keeps the session that made it (it takes the new version) and
  deletes the account's other rows at once;
- a password reset through webapp's page deletes every row of the account at once;
- a change made anywhere else (the API, `sign-out-everywhere`) reaches every webapp within one
  poll of the feed.

Rows live in the database, so sessions survive a Redis or webapp restart; expired rows are
swept at each sign-in.
"""

import hashlib
import secrets
import threading
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app, session

from titanium_common.identity import REVOCATIONS_PATH
from titanium_common.revocations import (
    MAX_PAGES_PER_POLL,
    MalformedFeed,
    RevocationList,
    feed_query,
)
from webapp import replica, upstream
from webapp.clock import as_utc, now_ms
from webapp.extensions import db
from webapp.models import WebSession, account_uuid

SESSION_ID_KEY = "sid"  # in the cookie, next to flask-login's _user_id
EXTENSION_KEY = "revocation_feed"
SERVICE = "auth_service"


def start(account_id: str, version: int) -> None:
    """Sign-in: a new session of `account_id` at token `version`, its id in the cookie."""
    session_id = secrets.token_urlsafe(32)
    now = now_ms()
    db.session.execute(sa.delete(WebSession).where(WebSession.expires_at <= now))
    db.session.add(
        WebSession(
            id_hash=_hash(session_id),
            account_id=account_uuid(account_id),
            token_version=version,
            created_at=now,
            expires_at=now + timedelta(seconds=current_app.config["SESSION_MAX_AGE_SECONDS"]),
        )
    )
    db.session.commit()
    session[SESSION_ID_KEY] = session_id


def end() -> None:
    """Logout: this session's row goes, so its cookie signs nobody in again."""
    if session_id := _session_id():
        db.session.execute(sa.delete(WebSession).where(WebSession.id_hash == _hash(session_id)))
        db.session.commit()


def is_live(account_id: str) -> bool:
    """Whether this request's session still signs `account_id` in."""
    session_id = _session_id()
    with replica.reading_primary():  # a logout takes effect at once, whatever a replica says
        row = db.session.get(WebSession, _hash(session_id)) if session_id else None
    return (
        row is not None
        and str(row.account_id) == account_id
        and as_utc(row.expires_at) > now_ms()
        and _revocations().allows(account_id, row.token_version)
    )


def keep_after_own_change(account_id: str, version: int) -> None:
    """This session changed the password, which raised the account's version to `version`: it
    goes on at that version and every other session of the account ends now.

    Only a session one version behind takes it: one already ended by a change made elsewhere
    in the meantime ends with the others."""
    if session_id := _session_id():
        db.session.execute(
            sa.update(WebSession)
            .where(WebSession.id_hash == _hash(session_id), WebSession.token_version == version - 1)
            .values(token_version=version)
        )
    db.session.execute(
        sa.delete(WebSession).where(
            WebSession.account_id == account_uuid(account_id), WebSession.token_version < version
        )
    )
    db.session.commit()


def end_all_before(account_id: str, version: int) -> None:
    """The account's version was raised to `version` (a password reset): every session of it
    ends now, on every replica, not only at the next read of the feed."""
    db.session.execute(
        sa.delete(WebSession).where(
            WebSession.account_id == account_uuid(account_id), WebSession.token_version < version
        )
    )
    db.session.commit()


class FeedState:
    """This process's RevocationList and when to read the feed next (one reader at a time)."""

    def __init__(self, keep_seconds: float, poll_seconds: float):
        self.revocations = RevocationList(keep_seconds)
        self.poll_seconds = poll_seconds
        self.next_read = 0.0  # monotonic
        self.lock = threading.Lock()


def init_app(app: Flask) -> None:
    # Past a session's longest life, every session a revocation ended has expired anyway.
    app.extensions[EXTENSION_KEY] = FeedState(
        app.config["SESSION_MAX_AGE_SECONDS"], app.config["REVOCATION_POLL_SECONDS"]
    )


def _revocations() -> RevocationList:
    state: FeedState = current_app.extensions[EXTENSION_KEY]
    # The request that finds a read due makes it (failed or not, the next is a poll later); the
    # others meanwhile go on with what is known.
    if time.monotonic() >= state.next_read and state.lock.acquire(blocking=False):
        try:
            _read_feed(state.revocations)
            state.next_read = time.monotonic() + state.poll_seconds
        finally:
            state.lock.release()
    return state.revocations


def _read_feed(revocations: RevocationList) -> None:
    """What is new on the feed, page after page; a failure is left for the next read (logout
    and the settings page end sessions without it)."""
    try:
        for _ in range(MAX_PAGES_PER_POLL):
            response = upstream.call(
                SERVICE, "GET", REVOCATIONS_PATH, params=feed_query(revocations)
            )
            if revocations.apply(upstream.json_body(SERVICE, response)):
                return
    except (upstream.UpstreamUnavailable, MalformedFeed) as error:
        revocations.read_failed(error)


def _session_id() -> str | None:
    value = session.get(SESSION_ID_KEY)
    return value if isinstance(value, str) else None


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()
